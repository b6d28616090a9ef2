// SPDX-License-Identifier: BSD-2-Clause
// The Windows named-pipe transport, end to end (run under Wine by
// tests/integration/windows_pipe.sh, or on Windows itself):
//   - an agent-style server on a pipe and client processes exchanging agent messages
//     framed with base/wire.h (identities list, sign, pipelined requests, an unknown type);
//   - the client's process id and user SID as the server records them;
//   - the pipe's DACL (only the current user) and a refused second instance on the same name;
//   - a client that disconnects mid-message, and an oversized frame, after which the server
//     still serves the next client;
//   - bounded waits (accept and connect time out), locked memory, spawn_process.
// Prints "PASS name" / "FAIL name: why" per check and "N passed, N failed" last.
//
//   skagent-pipe-test.exe                       run every check
//   skagent-pipe-test.exe client PIPE MODE      a client process (started by the checks)
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "platform/named_pipe.h"
#include "platform/process_windows.h"
#include "platform/secure_memory.h"
#include "base/wire.h"

using namespace skagent;

namespace {

// Agent protocol numbers (OpenSSH PROTOCOL.agent).
constexpr uint8_t kFailure = 5, kRequestIdentities = 11, kIdentitiesAnswer = 12, kSignRequest = 13,
                  kSignResponse = 14;
constexpr size_t kMaxFrame = 256 * 1024;
constexpr uint32_t kIoTimeout = 20000;  // ms: every wait is bounded (Wine may be slow)

int passed = 0, failed = 0;

void check(bool ok, const std::string& name, const std::string& why = "") {
  if (ok) {
    passed++;
    printf("PASS %s\n", name.c_str());
  } else {
    failed++;
    printf("FAIL %s%s%s\n", name.c_str(), why.empty() ? "" : ": ", why.c_str());
  }
  fflush(stdout);
}

Bytes frame(uint8_t type, ByteView payload) {
  Writer body;
  body.u8(type);
  body.raw(payload);
  Writer w;
  w.string(body.bytes());
  return w.take();
}

Bytes fake_key_blob() {
  Writer w;
  w.string(std::string_view("ssh-ed25519"));
  Bytes pk(32, 0x42);
  w.string(pk);
  return w.take();
}

// Reads one frame (type + payload) from a connection, with everything bounded.
enum class FrameResult { ok, eof, eof_mid_message, oversize, error };
struct FrameReader {
  Bytes buf;
  FrameResult next(PipeConnection& c, uint8_t& type, Bytes& payload, std::string& why) {
    for (;;) {
      if (buf.size() >= 4) {
        Reader r(buf);
        uint32_t len = 0;
        if (!r.u32(len)) return FrameResult::error;
        if (len > kMaxFrame) return FrameResult::oversize;
        if (len == 0) {
          why = "empty frame";
          return FrameResult::error;
        }
        if (buf.size() >= 4 + size_t(len)) {
          type = buf[4];
          payload.assign(buf.begin() + 5, buf.begin() + 4 + len);
          buf.erase(buf.begin(), buf.begin() + 4 + len);
          return FrameResult::ok;
        }
      }
      uint8_t tmp[4096];
      auto n = c.read_some(tmp, sizeof(tmp), kIoTimeout);
      if (!n) {
        why = n.error().message;
        return FrameResult::error;
      }
      if (*n == 0) return buf.empty() ? FrameResult::eof : FrameResult::eof_mid_message;
      buf.insert(buf.end(), tmp, tmp + *n);
    }
  }
};

// ------------------------------------------------------------------ the server side

struct ServeResult {
  FrameResult end = FrameResult::error;
  int requests = 0;
  std::string why;
};

// Serves one connection like a minimal agent until the client goes or breaks the rules.
ServeResult serve(PipeConnection& c) {
  ServeResult res;
  FrameReader fr;
  for (;;) {
    uint8_t type = 0;
    Bytes payload;
    res.end = fr.next(c, type, payload, res.why);
    if (res.end != FrameResult::ok) return res;  // oversize: closed without a reply
    res.requests++;
    Bytes reply;
    if (type == kRequestIdentities && payload.empty()) {
      Writer w;
      w.u32(1);
      w.string(fake_key_blob());
      w.string(std::string_view("pipe test key"));
      reply = frame(kIdentitiesAnswer, w.bytes());
    } else if (type == kSignRequest) {
      Reader r(payload);
      ByteView blob, data;
      uint32_t flags = 0;
      if (r.string(blob) && r.string(data) && r.u32(flags) && r.empty() &&
          equal(blob, fake_key_blob())) {
        Writer sig;  // not a real signature: the transport is under test, not the crypto
        sig.string(std::string_view("ssh-ed25519"));
        Bytes s(64, 0);
        for (size_t i = 0; i < data.size(); i++) s[i % 64] ^= data[i];
        sig.string(s);
        Writer w;
        w.string(sig.bytes());
        reply = frame(kSignResponse, w.bytes());
      } else {
        reply = frame(kFailure, {});
      }
    } else {
      reply = frame(kFailure, {});
    }
    if (auto s = c.write_all(reply, kIoTimeout); !s) {
      res.end = FrameResult::error;
      res.why = s.error().message;
      return res;
    }
  }
}

// ------------------------------------------------------------------ the client processes

// Exit codes: 0 all good; 10+ which step failed.
int client_main(const std::string& pipe, const std::string& mode) {
  auto c = connect_pipe(pipe, kIoTimeout);
  if (!c) {
    fprintf(stderr, "client: %s\n", c.error().message.c_str());
    return 10;
  }
  PipeConnection& conn = **c;
  FrameReader fr;
  uint8_t type = 0;
  Bytes payload;
  std::string why;
  auto expect = [&](uint8_t want, int code) -> int {
    if (fr.next(conn, type, payload, why) != FrameResult::ok || type != want) {
      fprintf(stderr, "client %s: wanted message %d, got %d (%s)\n", mode.c_str(), want, type,
              why.c_str());
      return code;
    }
    return 0;
  };
  if (mode == "exchange") {
    if (!conn.write_all(frame(kRequestIdentities, {}), kIoTimeout)) return 11;
    if (int e = expect(kIdentitiesAnswer, 12)) return e;
    Reader r(payload);
    uint32_t n = 0;
    ByteView blob_view;
    std::string comment;
    if (!r.u32(n) || n != 1 || !r.string(blob_view) || !r.cstring(comment) || !r.empty() ||
        !equal(blob_view, fake_key_blob()) || comment != "pipe test key") {
      return 13;
    }
    Bytes blob = to_bytes(blob_view);  // payload is reused by the next reads
    Writer sign;
    sign.string(blob);
    sign.string(std::string_view("data to sign"));
    sign.u32(0);
    // Two requests in one write (pipelined), then an unknown message type.
    Bytes two = frame(kSignRequest, sign.bytes());
    Bytes again = frame(kSignRequest, sign.bytes());
    two.insert(two.end(), again.begin(), again.end());
    if (!conn.write_all(two, kIoTimeout)) return 14;
    if (int e = expect(kSignResponse, 15)) return e;
    Bytes first = payload;
    if (int e = expect(kSignResponse, 16)) return e;
    if (!equal(first, payload)) return 17;
    if (!conn.write_all(frame(200, {}), kIoTimeout)) return 18;
    if (int e = expect(kFailure, 19)) return e;
    // A large request (200 KiB, under the limit) crosses many pipe buffer reads.
    Writer big;
    big.string(blob);
    big.string(Bytes(200 * 1024, 0x5a));
    big.u32(0);
    if (!conn.write_all(frame(kSignRequest, big.bytes()), kIoTimeout)) return 20;
    if (int e = expect(kSignResponse, 21)) return e;
    return 0;
  }
  if (mode == "partial") {
    // A frame that announces 100 bytes, 10 of them sent; then the process just ends.
    Writer w;
    w.u32(100);
    w.u8(kRequestIdentities);
    w.raw(Bytes(9, 0));
    if (!conn.write_all(w.bytes(), kIoTimeout)) return 11;
    Sleep(200);
    ExitProcess(0);  // no orderly close: the handle goes with the process
  }
  if (mode == "oversize") {
    Writer w;
    w.u32(uint32_t(kMaxFrame + 1));
    w.u8(kRequestIdentities);
    if (!conn.write_all(w.bytes(), kIoTimeout)) return 11;
    // The server closes without a reply: we see the end of the pipe, not a message.
    uint8_t b;
    auto n = conn.read_some(&b, 1, kIoTimeout);
    if (!n || *n != 0) return 12;
    return 0;
  }
  fprintf(stderr, "client: unknown mode %s\n", mode.c_str());
  return 2;
}

// ------------------------------------------------------------------ the checks

std::string self_path() {
  char buf[MAX_PATH];
  DWORD n = GetModuleFileNameA(nullptr, buf, sizeof(buf));
  return std::string(buf, n);
}

Result<pid_t> start_client(const std::string& pipe, const std::string& mode) {
  SpawnOptions so;
  so.argv = {self_path(), "client", pipe, mode};
  return spawn_process(so);
}

// Accepts a client started with `mode`, serves it, and checks who it was and how it ended.
void run_client(NamedPipeListener& l, const std::string& mode, FrameResult want_end,
                int want_requests) {
  auto pid = start_client(l.path(), mode);
  check(pid.ok(), mode + ": client process starts", pid ? "" : pid.error().message);
  if (!pid) return;
  auto conn = l.accept(kIoTimeout * 2);
  check(conn.ok(), mode + ": server accepts the client", conn ? "" : conn.error().message);
  if (conn) {
    check((*conn)->peer().pid == uint32_t(*pid), mode + ": recorded client pid is the client's",
          std::to_string((*conn)->peer().pid) + " vs " + std::to_string(*pid));
    auto me = current_user_sid();
    check(me.ok() && (*conn)->peer().user_sid == *me, mode + ": recorded client SID is ours",
          (*conn)->peer().user_sid);
    ServeResult r = serve(**conn);
    check(r.end == want_end, mode + ": connection ends as expected",
          "end " + std::to_string(int(r.end)) + " " + r.why);
    check(r.requests == want_requests, mode + ": requests served",
          std::to_string(r.requests) + " vs " + std::to_string(want_requests));
    (*conn)->close();
  }
  auto code = wait_child(*pid, kIoTimeout * 2);
  if (!code) kill_child(*pid);
  check(code.ok() && *code == 0, mode + ": client process exits 0",
        code ? "exit " + std::to_string(*code) : code.error().message);
}

void check_names() {
  check(pipe_path_for("") == R"(\\.\pipe\openssh-ssh-agent)",
        "default pipe is \\\\.\\pipe\\openssh-ssh-agent");
  check(pipe_path_for("my-agent") == R"(\\.\pipe\my-agent)", "-a NAME goes under \\\\.\\pipe\\");
  check(pipe_path_for(R"(\\.\pipe\x y)") == R"(\\.\pipe\x y)", "-a with a full pipe path is kept");
}

void check_memory() {
  auto locked = LockedBuffer::create(100);
  check(locked.ok(), "LockedBuffer::create succeeds");
  if (!locked) return;
  LockedBuffer& b = **locked;
  memset(b.data(), 0xab, b.size());
  check(b.size() == 100 && b.data()[99] == 0xab, "LockedBuffer is writable");
  check(b.locked(), "LockedBuffer is locked in RAM (VirtualLock)");
  uint8_t x[16];
  memset(x, 0xff, sizeof(x));
  secure_wipe(x, sizeof(x));
  bool zero = true;
  for (uint8_t v : x) zero = zero && v == 0;
  check(zero, "secure_wipe zeroes memory (SecureZeroMemory)");
  check(equal_ct(view("abc"), view("abc")) && !equal_ct(view("abc"), view("abd")) &&
            !equal_ct(view("abc"), view("ab")),
        "equal_ct compares");
}

int run_checks() {
  check_names();
  check_memory();
  auto me = current_user_sid();
  check(me.ok() && me->rfind("S-1-", 0) == 0, "current user SID", me ? *me : me.error().message);

  std::string name = pipe_path_for("skagent-test-" + std::to_string(GetCurrentProcessId()));
  auto l = NamedPipeListener::create(name);
  check(l.ok(), "listener created on " + name, l ? "" : l.error().message);
  if (!l) return 1;
  NamedPipeListener& listener = **l;

  // Only the current user: a protected DACL with one allow entry, for our SID.
  auto sddl = listener.dacl_sddl();
  check(sddl.ok(), "pipe DACL can be read", sddl ? "" : sddl.error().message);
  if (sddl && me) {
    const std::string& d = *sddl;
    size_t aces = 0;
    for (size_t p = d.find('('); p != std::string::npos; p = d.find('(', p + 1)) aces++;
    check(d.rfind("D:P", 0) == 0, "DACL is protected (D:P)", d);
    check(aces == 1, "DACL has exactly one entry", d);
    check(d.find("(A;;") != std::string::npos && d.find(";;;" + *me + ")") != std::string::npos,
          "the entry allows our user", d);
  }

  // A second instance on the same name is refused (FILE_FLAG_FIRST_PIPE_INSTANCE).
  auto second = NamedPipeListener::create(name);
  check(!second.ok() && second.error().code == Errc::exists,
        "second listener on the same name is refused",
        second ? "it was created" : second.error().message);

  // Bounded waits: accept with nobody calling, connect to a pipe that is not there.
  DWORD t0 = GetTickCount();
  auto none = listener.accept(300);
  check(!none.ok() && none.error().code == Errc::timeout, "accept times out with no client",
        none ? "got a client" : none.error().message);
  check(GetTickCount() - t0 < 10000, "accept timeout is bounded");
  auto missing = connect_pipe(
      pipe_path_for("skagent-no-such-pipe-" + std::to_string(GetCurrentProcessId())), 2000);
  check(!missing.ok() && missing.error().code == Errc::not_found,
        "connect to a missing pipe fails (not found)",
        missing ? "connected" : missing.error().message);

  // Clients in their own processes: a full exchange; one that leaves mid-message; one that
  // sends an oversized frame; then a full exchange again (the server is still serving).
  run_client(listener, "exchange", FrameResult::eof, 5);
  run_client(listener, "partial", FrameResult::eof_mid_message, 0);
  run_client(listener, "oversize", FrameResult::oversize, 0);
  run_client(listener, "exchange", FrameResult::eof, 5);

  // The default name works the same way (nothing else holds it here) and is exclusive too.
  {
    auto def = NamedPipeListener::create(pipe_path_for(""));
    check(def.ok(), "listener on the default pipe", def ? "" : def.error().message);
    if (def) {
      auto def2 = NamedPipeListener::create(kDefaultPipePath);
      check(!def2.ok() && def2.error().code == Errc::exists,
            "second listener on the default pipe is refused");
      auto c = connect_pipe(kDefaultPipePath, 5000);
      check(c.ok(), "a client reaches the default pipe", c ? "" : c.error().message);
      if (c) {
        auto s = (*def)->accept(5000);
        check(s.ok() && (*s)->peer().pid == GetCurrentProcessId(),
              "in-process client recorded with our pid",
              s ? std::to_string((*s)->peer().pid) : s.error().message);
      }
    }
  }
  // Once the listener is gone the name is free again.
  l = Result<std::unique_ptr<NamedPipeListener>>(make_error(Errc::internal, "closed"));
  auto again = NamedPipeListener::create(name);
  check(again.ok(), "the name is free again after the listener closes",
        again ? "" : again.error().message);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IONBF, 0);
  if (argc == 4 && strcmp(argv[1], "client") == 0) return client_main(argv[2], argv[3]);
  if (argc != 1) {
    fprintf(stderr, "usage: %s | %s client PIPE MODE\n", argv[0], argv[0]);
    return 2;
  }
  return run_checks();
}
