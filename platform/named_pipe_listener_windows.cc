// SPDX-License-Identifier: BSD-2-Clause
// Named-pipe listener and connections for Windows (see platform/named_pipe.h).
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <string>
#include <vector>

#include "platform/named_pipe.h"
#include "platform/text_windows.h"

namespace skagent {

namespace {

constexpr DWORD kPipeBuffer = 64 * 1024;
constexpr const char* kLocalSystemSid = "S-1-5-18";

Error win_error(Errc code, const std::string& what, DWORD err = GetLastError()) {
  char* text = nullptr;
  FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, err, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string msg = what + ": error " + std::to_string(err);
  if (text != nullptr) {
    std::string t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    msg += " (" + t + ")";
    LocalFree(text);
  }
  return make_error(code, msg);
}

// The user SID of a token, as a string.
Result<std::string> token_user_sid(HANDLE token) {
  DWORD len = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &len);
  if (len == 0) return win_error(Errc::io, "GetTokenInformation(TokenUser)");
  std::vector<uint8_t> buf(len);
  if (!GetTokenInformation(token, TokenUser, buf.data(), len, &len)) {
    return win_error(Errc::io, "GetTokenInformation(TokenUser)");
  }
  auto* user = reinterpret_cast<TOKEN_USER*>(buf.data());
  char* str = nullptr;
  if (!ConvertSidToStringSidA(user->User.Sid, &str))
    return win_error(Errc::io, "ConvertSidToStringSid");
  std::string sid = str;
  LocalFree(str);
  return sid;
}

Result<std::string> process_user_sid(DWORD pid) {
  HANDLE proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (proc == nullptr) return win_error(Errc::denied, "OpenProcess(" + std::to_string(pid) + ")");
  HANDLE token = nullptr;
  if (!OpenProcessToken(proc, TOKEN_QUERY, &token)) {
    Error e = win_error(Errc::denied, "OpenProcessToken(" + std::to_string(pid) + ")");
    CloseHandle(proc);
    return e;
  }
  auto sid = token_user_sid(token);
  CloseHandle(token);
  CloseHandle(proc);
  return sid;
}

// Waits at most timeout_ms for an overlapped operation on `h`, cancelling it on timeout.
struct Overlapped {
  bool ok = false;         // finished: n bytes
  bool timed_out = false;  // cancelled after timeout_ms
  DWORD n = 0;
  DWORD err = ERROR_SUCCESS;
};
Overlapped wait_overlapped(HANDLE h, OVERLAPPED& ov, uint32_t timeout_ms) {
  Overlapped r;
  DWORD wait = WaitForSingleObject(ov.hEvent, timeout_ms);
  if (wait == WAIT_TIMEOUT) {
    CancelIoEx(h, &ov);
    r.ok = GetOverlappedResult(h, &ov, &r.n, TRUE);  // it may have finished just before
    r.timed_out = !r.ok;
    if (!r.ok) r.err = GetLastError();
    return r;
  }
  if (wait != WAIT_OBJECT_0) {
    r.err = GetLastError();
    return r;
  }
  r.ok = GetOverlappedResult(h, &ov, &r.n, FALSE);
  if (!r.ok) r.err = GetLastError();
  return r;
}

bool peer_gone(DWORD err) {
  return err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED || err == ERROR_NO_DATA;
}

}  // namespace

std::string pipe_path_for(const std::string& bind_address) {
  if (bind_address.empty()) return kDefaultPipePath;
  static const std::string prefix = R"(\\.\pipe\)";
  if (bind_address.compare(0, prefix.size(), prefix) == 0) return bind_address;
  return prefix + bind_address;
}

Result<std::string> current_user_sid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    return win_error(Errc::io, "OpenProcessToken(self)");
  }
  auto sid = token_user_sid(token);
  CloseHandle(token);
  return sid;
}

// ------------------------------------------------------------------ PipeConnection

PipeConnection::PipeConnection(void* handle, bool server, PipePeer peer)
    : handle_(handle),
      event_(CreateEventW(nullptr, TRUE, FALSE, nullptr)),
      server_(server),
      peer_(std::move(peer)) {}

PipeConnection::~PipeConnection() {
  close();
  if (event_ != nullptr) CloseHandle(event_);
}

void PipeConnection::close() {
  if (handle_ == nullptr) return;
  if (server_) {
    FlushFileBuffers(handle_);
    DisconnectNamedPipe(handle_);
  }
  CloseHandle(handle_);
  handle_ = nullptr;
}

Status PipeConnection::io(bool write, uint8_t* p, size_t n, uint32_t timeout_ms, size_t& done) {
  done = 0;
  if (handle_ == nullptr) return make_error(Errc::io, "pipe is closed");
  if (event_ == nullptr) return make_error(Errc::io, "pipe has no event");
  OVERLAPPED ov{};
  ov.hEvent = event_;
  ResetEvent(event_);
  DWORD chunk = n > kPipeBuffer ? kPipeBuffer : DWORD(n);
  DWORD now = 0;
  BOOL ok =
      write ? WriteFile(handle_, p, chunk, &now, &ov) : ReadFile(handle_, p, chunk, &now, &ov);
  DWORD err = ok ? ERROR_SUCCESS : GetLastError();
  if (!ok && err != ERROR_IO_PENDING) {
    if (peer_gone(err)) return {};  // the other end has gone: done = 0
    return win_error(Errc::io, write ? "WriteFile" : "ReadFile", err);
  }
  Overlapped r = wait_overlapped(handle_, ov, timeout_ms);
  if (r.timed_out) {
    return make_error(Errc::timeout, std::string(write ? "pipe write" : "pipe read") +
                                         ": timed out after " + std::to_string(timeout_ms) + " ms");
  }
  if (!r.ok) {
    if (peer_gone(r.err)) return {};
    return win_error(Errc::io, write ? "pipe write" : "pipe read", r.err);
  }
  done = r.n;
  return {};
}

Result<size_t> PipeConnection::read_some(uint8_t* p, size_t n, uint32_t timeout_ms) {
  if (n == 0) return size_t(0);
  size_t done = 0;
  if (auto s = io(false, p, n, timeout_ms, done); !s) return s.error();
  return done;
}

Status PipeConnection::write_all(ByteView data, uint32_t timeout_ms) {
  size_t off = 0;
  while (off < data.size()) {
    size_t done = 0;
    if (auto s =
            io(true, const_cast<uint8_t*>(data.data()) + off, data.size() - off, timeout_ms, done);
        !s) {
      return s;
    }
    if (done == 0) return make_error(Errc::io, "pipe write: the other end has gone");
    off += done;
  }
  return {};
}

// ------------------------------------------------------------------ NamedPipeListener

Result<void*> NamedPipeListener::new_instance(bool first) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(widen(sddl_).c_str(), SDDL_REVISION_1,
                                                            &sd, nullptr)) {
    return win_error(Errc::internal, "security descriptor " + sddl_);
  }
  SECURITY_ATTRIBUTES sa{};
  sa.nLength = sizeof(sa);
  sa.lpSecurityDescriptor = sd;
  sa.bInheritHandle = FALSE;
  DWORD open_mode =
      PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  HANDLE h =
      CreateNamedPipeW(widen(path_).c_str(), open_mode,
                       PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                       PIPE_UNLIMITED_INSTANCES, kPipeBuffer, kPipeBuffer, 0, &sa);
  DWORD err = GetLastError();
  LocalFree(sd);
  if (h == INVALID_HANDLE_VALUE) {
    if (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY) {
      return win_error(Errc::exists, path_ + " is already in use (another agent?)", err);
    }
    return win_error(Errc::io, "CreateNamedPipe " + path_, err);
  }
  if (first) {
    // Windows refuses a first instance of a name in use (above). Not every implementation
    // does (Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE), so count the instances as well:
    // any besides ours were there before us.
    DWORD instances = 0;
    if (!GetNamedPipeHandleStateW(h, nullptr, &instances, nullptr, nullptr, nullptr, 0)) {
      Error e = win_error(Errc::io, "GetNamedPipeHandleState " + path_);
      CloseHandle(h);
      return e;
    }
    if (instances != 1) {
      CloseHandle(h);
      return make_error(Errc::exists, path_ + " is already in use (another agent?): " +
                                          std::to_string(instances - 1) + " other instance(s)");
    }
  }
  return static_cast<void*>(h);
}

Result<std::unique_ptr<NamedPipeListener>> NamedPipeListener::create(const std::string& path) {
  std::unique_ptr<NamedPipeListener> l(new NamedPipeListener());
  l->path_ = path;
  auto sid = current_user_sid();
  if (!sid) return sid.error();
  l->own_sid_ = *sid;
  // Protected DACL (no inherited entries), one entry: generic all for our user.
  l->sddl_ = "D:P(A;;GA;;;" + *sid + ")";
  l->event_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (l->event_ == nullptr) return win_error(Errc::io, "CreateEvent");
  auto h = l->new_instance(true);
  if (!h) return h.error();
  l->pending_ = *h;
  return l;
}

NamedPipeListener::~NamedPipeListener() {
  if (pending_ != nullptr) CloseHandle(pending_);
  if (event_ != nullptr) CloseHandle(event_);
}

Result<std::unique_ptr<PipeConnection>> NamedPipeListener::accept(uint32_t timeout_ms) {
  if (pending_ == nullptr) {  // the last replacement instance could not be made: try again
    auto h = new_instance(false);
    if (!h) return h.error();
    pending_ = *h;
  }
  OVERLAPPED ov{};
  ov.hEvent = event_;
  ResetEvent(event_);
  if (!ConnectNamedPipe(pending_, &ov)) {
    DWORD err = GetLastError();
    if (err == ERROR_IO_PENDING) {
      Overlapped r = wait_overlapped(pending_, ov, timeout_ms);
      if (r.timed_out) {
        return make_error(Errc::timeout, "no client within " + std::to_string(timeout_ms) + " ms");
      }
      if (!r.ok) {
        DisconnectNamedPipe(pending_);  // ready the instance for the next client
        return win_error(Errc::io, "ConnectNamedPipe", r.err);
      }
    } else if (err == ERROR_NO_DATA) {  // a client came and went before we looked
      DisconnectNamedPipe(pending_);
      return make_error(Errc::io, "client left before it was accepted");
    } else if (err != ERROR_PIPE_CONNECTED) {
      return win_error(Errc::io, "ConnectNamedPipe", err);
    }
  }
  HANDLE h = pending_;
  pending_ = nullptr;
  // The next client gets a new instance; failing that, the next accept() tries again.
  if (auto next = new_instance(false)) pending_ = *next;

  PipePeer peer;
  ULONG pid = 0;
  if (!GetNamedPipeClientProcessId(h, &pid)) {
    Error e = win_error(Errc::denied, "GetNamedPipeClientProcessId");
    DisconnectNamedPipe(h);
    CloseHandle(h);
    return e;
  }
  peer.pid = uint32_t(pid);
  auto sid = process_user_sid(pid);
  if (!sid) {
    DisconnectNamedPipe(h);
    CloseHandle(h);
    return make_error(Errc::denied, "client pid " + std::to_string(pid) +
                                        " refused: cannot read its user (" + sid.error().message +
                                        ")");
  }
  peer.user_sid = *sid;
  if (peer.user_sid != own_sid_ && peer.user_sid != kLocalSystemSid) {
    DisconnectNamedPipe(h);
    CloseHandle(h);
    return make_error(Errc::denied, "client pid " + std::to_string(pid) + " refused: user " +
                                        peer.user_sid + " is not " + own_sid_);
  }
  return std::unique_ptr<PipeConnection>(new PipeConnection(h, true, std::move(peer)));
}

Result<std::string> NamedPipeListener::dacl_sddl() const {
  if (pending_ == nullptr) return make_error(Errc::io, "no pipe instance");
  PSECURITY_DESCRIPTOR sd = nullptr;
  DWORD rc = GetSecurityInfo(pending_, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                             nullptr, nullptr, nullptr, &sd);
  if (rc != ERROR_SUCCESS) return win_error(Errc::io, "GetSecurityInfo", rc);
  char* str = nullptr;
  BOOL ok = ConvertSecurityDescriptorToStringSecurityDescriptorA(
      sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &str, nullptr);
  LocalFree(sd);
  if (!ok) return win_error(Errc::io, "ConvertSecurityDescriptorToStringSecurityDescriptor");
  std::string out = str;
  LocalFree(str);
  return out;
}

// ------------------------------------------------------------------ client

Result<std::unique_ptr<PipeConnection>> connect_pipe(const std::string& path, uint32_t timeout_ms) {
  std::wstring wpath = widen(path);
  ULONGLONG deadline = GetTickCount64() + timeout_ms;
  for (;;) {
    // SECURITY_IDENTIFICATION: a server squatting on the name may learn who we are, but
    // cannot act as us.
    HANDLE h = CreateFileW(wpath.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                           nullptr);
    if (h != INVALID_HANDLE_VALUE) {
      return std::unique_ptr<PipeConnection>(new PipeConnection(h, false, PipePeer{}));
    }
    DWORD err = GetLastError();
    if (err == ERROR_FILE_NOT_FOUND)
      return win_error(Errc::not_found, "no agent pipe " + path, err);
    if (err != ERROR_PIPE_BUSY) return win_error(Errc::io, "CreateFile " + path, err);
    ULONGLONG now = GetTickCount64();
    if (now >= deadline) return make_error(Errc::timeout, path + ": every instance busy");
    DWORD left = DWORD(deadline - now);
    WaitNamedPipeW(wpath.c_str(), left < 1000 ? left : 1000);
  }
}

}  // namespace skagent
