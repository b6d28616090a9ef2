// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/args.h"

#include <cstdlib>

namespace skagent::bench {

Result<Args> Args::parse(int argc, char** argv) {
  Args args;
  for (int i = 0; i < argc; i += 2) {
    std::string_view name = argv[i];
    if (name.substr(0, 2) != "--" || i + 1 >= argc)
      return make_error(Errc::malformed, "expected --option value, got " + std::string(name));
    args.values_[std::string(name.substr(2))] = argv[i + 1];
  }
  return args;
}

std::string Args::text(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return std::string(it == values_.end() ? fallback : std::string_view(it->second));
}

Result<double> Args::number(std::string_view name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0')
    return make_error(Errc::malformed, "--" + std::string(name) + " wants a number");
  return v;
}

Result<std::string> Args::socket() const {
  if (has("socket")) return text("socket");
  const char* env = std::getenv("SSH_AUTH_SOCK");
  if (env == nullptr || *env == '\0')
    return make_error(Errc::not_found, "no --socket and no SSH_AUTH_SOCK");
  return std::string(env);
}

}  // namespace skagent::bench
