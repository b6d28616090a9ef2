// SPDX-License-Identifier: BSD-2-Clause
// The agent's listening endpoint on Windows: a named pipe, as OpenSSH for Windows uses
// (\\.\pipe\openssh-ssh-agent). Windows only (platform/named_pipe_listener_windows.cc).
//
// The pipe is created with FILE_FLAG_FIRST_PIPE_INSTANCE, so a second agent, or anyone who
// created the name first, makes create() fail instead of sharing the name; its security
// descriptor grants access to the current user only (D:P(A;;GA;;;<user SID>)); remote
// clients are rejected. Each accepted client's process id and token user SID are recorded,
// and a client whose token belongs to another user (other than LocalSystem) is refused.
// All waits are bounded by a timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

inline constexpr const char* kDefaultPipePath = R"(\\.\pipe\openssh-ssh-agent)";

// The pipe for `-a bind_address`: empty gives the default; a name that already starts with
// \\.\pipe\ is used as it is; any other name is put under \\.\pipe\.
std::string pipe_path_for(const std::string& bind_address);

// The current process's user SID as a string ("S-1-5-21-...").
Result<std::string> current_user_sid();

struct PipePeer {
  uint32_t pid = 0;      // GetNamedPipeClientProcessId
  std::string user_sid;  // the client process token's user
};

class PipeConnection {
 public:
  ~PipeConnection();
  PipeConnection(const PipeConnection&) = delete;
  PipeConnection& operator=(const PipeConnection&) = delete;

  // Up to n bytes, waiting at most timeout_ms. 0 bytes: the other end has gone.
  Result<size_t> read_some(uint8_t* p, size_t n, uint32_t timeout_ms);
  // All of data, waiting at most timeout_ms for each chunk.
  Status write_all(ByteView data, uint32_t timeout_ms);
  // The client (server side only; empty on the client end).
  const PipePeer& peer() const { return peer_; }
  void close();

 private:
  friend class NamedPipeListener;
  friend Result<std::unique_ptr<PipeConnection>> connect_pipe(const std::string&, uint32_t);
  PipeConnection(void* handle, bool server, PipePeer peer);
  Status io(bool write, uint8_t* p, size_t n, uint32_t timeout_ms, size_t& done);

  void* handle_;  // HANDLE
  void* event_;   // HANDLE, for overlapped I/O
  bool server_;
  PipePeer peer_;
};

class NamedPipeListener {
 public:
  // Creates the first instance of `path` (see pipe_path_for). Fails with Errc::exists when
  // the name is already taken, by another agent or by anyone else.
  static Result<std::unique_ptr<NamedPipeListener>> create(const std::string& path);
  ~NamedPipeListener();
  NamedPipeListener(const NamedPipeListener&) = delete;
  NamedPipeListener& operator=(const NamedPipeListener&) = delete;

  // The next client, waiting at most timeout_ms (Errc::timeout; the listener stays usable).
  // A client of another user is disconnected and reported as Errc::denied.
  Result<std::unique_ptr<PipeConnection>> accept(uint32_t timeout_ms);

  const std::string& path() const { return path_; }
  // The DACL of the pipe as SDDL (read back from the kernel object), for checks.
  Result<std::string> dacl_sddl() const;

 private:
  NamedPipeListener() = default;
  Result<void*> new_instance(bool first);

  std::string path_;
  std::string sddl_;  // the descriptor every instance is created with
  std::string own_sid_;
  void* pending_ = nullptr;  // HANDLE: the instance waiting for the next client
  void* event_ = nullptr;    // HANDLE
};

// The client side: opens the pipe (waiting at most timeout_ms while every instance is busy).
// Errc::not_found when no such pipe exists. The server may identify, not impersonate, us.
Result<std::unique_ptr<PipeConnection>> connect_pipe(const std::string& path, uint32_t timeout_ms);

}  // namespace skagent
