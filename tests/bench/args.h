// SPDX-License-Identifier: BSD-2-Clause
// Command-line options of the form --name value.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skagent::bench {

class Args {
 public:
  static Result<Args> parse(int argc, char** argv);

  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  std::string text(std::string_view name, std::string_view fallback = {}) const;
  Result<double> number(std::string_view name, double fallback) const;
  // --socket, else SSH_AUTH_SOCK.
  Result<std::string> socket() const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace skagent::bench
