// SPDX-License-Identifier: BSD-2-Clause
// Starts build/bin/skagent-vtoken as a child in a private temp directory and
// talks to its control socket. Tests of the future fido/ middleware can use
// it as is: hid_socket() is the path for skagent::vtoken_open().
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "vtoken/control.h"
#include "platform/process.h"

namespace skagent::vtoken::testing {

// $SKAGENT_VTOKEN_BIN, else beside the running test binary (BUILD/bin/),
// else $BUILD/bin (default build/bin). ($SKAGENT_VTOKEN is fido/'s list of
// token sockets, not a binary.)
inline std::string vtoken_binary() {
  if (const char* p = getenv("SKAGENT_VTOKEN_BIN")) return p;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && std::filesystem::exists(self.parent_path() / "skagent-vtoken")) {
    return (self.parent_path() / "skagent-vtoken").string();
  }
  const char* b = getenv("BUILD");
  return std::string(b != nullptr ? b : "build") + "/bin/skagent-vtoken";
}

// A directory under /tmp with a short name (UNIX socket paths are short).
inline std::string make_temp_dir(const char* prefix = "skvt") {
  std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) abort();
  return tmpl;
}

struct VtokenOptions {
  bool hid = true;
  std::string vpcd;               // "127.0.0.1:PORT" or empty
  std::vector<std::string> args;  // more flags: --touch never, --pin 1234, ...
  std::string dir;                // reuse a directory (and its state); empty: a new one
};

class VtokenProcess {
 public:
  using Options = VtokenOptions;

  explicit VtokenProcess(Options o = {}) : opts_(std::move(o)) {
    owns_dir_ = opts_.dir.empty();
    dir_ = owns_dir_ ? make_temp_dir() : opts_.dir;
    start();
  }
  ~VtokenProcess() {
    stop();
    if (owns_dir_ && !keep_dir_) std::filesystem::remove_all(dir_);
  }
  VtokenProcess(const VtokenProcess&) = delete;
  VtokenProcess& operator=(const VtokenProcess&) = delete;

  bool ready() const { return ready_; }
  const std::string& dir() const { return dir_; }
  std::string hid_socket() const { return dir_ + "/hid.sock"; }
  std::string control_socket() const { return dir_ + "/ctl.sock"; }
  std::string state_file() const { return dir_ + "/state"; }
  pid_t pid() const { return pid_; }
  // The directory outlives this object (to restart a token on the same state).
  void keep_dir() { keep_dir_ = true; }

  // The reply, or "error: ..." when the command failed or the token is gone.
  std::string control(std::string_view command) const {
    auto r = control_request(control_socket(), command);
    return r ? *r : "error: " + r.error().message;
  }
  std::map<std::string, std::string> status() const {
    std::map<std::string, std::string> out;
    std::string s = control("status");
    size_t pos = 0;
    while (pos < s.size()) {
      size_t nl = s.find('\n', pos);
      if (nl == std::string::npos) nl = s.size();
      std::string line = s.substr(pos, nl - pos);
      if (size_t eq = line.find('='); eq != std::string::npos)
        out[line.substr(0, eq)] = line.substr(eq + 1);
      pos = nl + 1;
    }
    return out;
  }
  // Waits until a request waits for a touch (status waiting=1).
  bool wait_until_waiting(int timeout_ms = 5000) const {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      if (status()["waiting"] == "1") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 300; i++) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  void start() {
    SpawnOptions so;
    so.argv = {vtoken_binary(), "--state",        state_file(),
               "--control",     control_socket(), "--exit-with-parent"};
    if (opts_.hid) {
      so.argv.push_back("--hid-socket");
      so.argv.push_back(hid_socket());
    }
    if (!opts_.vpcd.empty()) {
      so.argv.push_back("--vpcd");
      so.argv.push_back(opts_.vpcd);
    }
    so.argv.insert(so.argv.end(), opts_.args.begin(), opts_.args.end());
    auto pid = spawn_process(so);
    if (!pid) return;
    pid_ = *pid;
    for (int i = 0; i < 500; i++) {
      if (control_request(control_socket(), "touches", 500)) {
        ready_ = true;
        return;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  Options opts_;
  std::string dir_;
  bool owns_dir_ = true;
  bool keep_dir_ = false;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace skagent::vtoken::testing
