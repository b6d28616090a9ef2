// SPDX-License-Identifier: BSD-2-Clause
#include "agent/shell_output.h"

#include <cstring>

namespace skagent {

namespace {

// Characters that mean nothing to sh or csh inside a word (bytes >= 0x80 included: UTF-8).
bool plain(unsigned char c) {
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("/._-+,:@%=^", c) != nullptr;
}

}  // namespace

bool has_control_characters(const std::string& value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;  // a tab goes in double quotes
  }
  return false;
}

std::string shell_word(const std::string& value) {
  bool blank = false, quote = false, meta = false;
  for (unsigned char c : value) {
    if (c == ' ' || c == '\t') {
      blank = true;
    } else if (c == '\\' || c == '\'' || c == '"') {
      quote = true;
    } else if (!plain(c)) {
      meta = true;
    }
  }
  if (!meta && !(blank && quote)) {  // OpenSSH 10.5's form, which evaluates right here
    std::string out = blank ? "\"" : "";
    for (char c : value) {
      if (c == '\\' || c == '\'' || c == '"') out.push_back('\\');
      out.push_back(c);
    }
    if (blank) out.push_back('"');
    return out;
  }
  std::string out = "'";  // 'it'\''s': the one form both shells read the same way
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string env_line(bool csh, const std::string& name, const std::string& value) {
  std::string word = shell_word(value);
  if (csh) return "setenv " + name + " " + word + ";\n";
  return name + "=" + word + "; export " + name + ";\n";
}

std::string unset_line(bool csh, const std::string& name) {
  return (csh ? "unsetenv " : "unset ") + name + ";\n";
}

}  // namespace skagent
