// SPDX-License-Identifier: BSD-2-Clause
#include "pkcs11/module_store.h"

#include "platform/read_file.h"

namespace skagent::pkcs11 {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string softhsm2_token_dir(std::string_view conf_text) {
  // SoftHSM2's format: "name = value" lines, '#' comments; the last definition wins.
  std::string dir;
  while (!conf_text.empty()) {
    size_t end = conf_text.find('\n');
    std::string_view line = conf_text.substr(0, end);
    conf_text.remove_prefix(end == std::string_view::npos ? conf_text.size() : end + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || trim(line.substr(0, eq)) != "directories.tokendir")
      continue;
    dir = std::string(trim(line.substr(eq + 1)));
  }
  return dir;
}

std::vector<std::string> module_stores(const std::string& softhsm2_conf) {
  // A configuration is a few hundred bytes; more is not SoftHSM2's.
  auto text = read_file_head(softhsm2_conf, 64 * 1024);
  if (!text) return {};
  std::string dir = softhsm2_token_dir(*text);
  if (dir.empty() || dir.front() != '/') return {};
  return {dir};
}

}  // namespace skagent::pkcs11
