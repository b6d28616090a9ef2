// SPDX-License-Identifier: BSD-2-Clause
// Test helpers that drive the real OpenSSH tools (ssh-keygen) in a private
// temporary directory, so our formats are checked against the reference.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace skagent::openssh_tools {

struct CommandResult {
  int status = -1;     // exit code, or -1 if it did not exit normally
  std::string output;  // stdout (stderr goes to /dev/null unless redirected)
};

// Runs `command` with /bin/sh and captures stdout.
inline CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.status = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
  return r;
}

// Single-quotes a word for the shell.
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  std::filesystem::permissions(
      p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// A temporary directory removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "skagent-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline constexpr const char* kSkDummy = "/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so";

// ssh-keygen -t <type> [-b bits] into `file`, with comment and passphrase.
// Low bcrypt rounds keep the tests quick; -a is only used with a passphrase.
// Security-key types use OpenSSH's test provider (Debian's openssh-tests).
inline bool keygen(const std::filesystem::path& file, const std::string& type, int bits,
                   const std::string& passphrase = "", const std::string& comment = "test key") {
  std::string cmd = "ssh-keygen -q -t " + type;
  if (type.ends_with("-sk")) cmd = "SSH_SK_PROVIDER=" + std::string(kSkDummy) + " " + cmd;
  if (bits != 0) cmd += " -b " + std::to_string(bits);
  cmd += " -N " + quote(passphrase) + " -C " + quote(comment) + " -f " + quote(file.string());
  if (!passphrase.empty()) cmd += " -a 4";
  return run(cmd + " </dev/null >/dev/null 2>&1").status == 0;
}

// The n-th whitespace-separated field (0-based) of a line.
inline std::string field(const std::string& line, size_t n) {
  std::istringstream in(line);
  std::string word;
  for (size_t i = 0; i <= n; i++) {
    if (!(in >> word)) return "";
  }
  return word;
}

struct KeySpec {
  const char* type;  // ssh-keygen -t
  int bits;          // ssh-keygen -b (0 = default)
};

// Every key type ssh-keygen 9.2 can make.
inline const KeySpec kAllKeySpecs[] = {
    {"ed25519", 0}, {"ecdsa", 256}, {"ecdsa", 384},    {"ecdsa", 521},  {"rsa", 2048},
    {"rsa", 3072},  {"dsa", 1024},  {"ed25519-sk", 0}, {"ecdsa-sk", 0},
};

// A name usable as a gtest parameter name and a file name.
inline std::string spec_name(const KeySpec& s) {
  std::string n = std::string(s.type) + (s.bits != 0 ? std::to_string(s.bits) : "");
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

}  // namespace skagent::openssh_tools
