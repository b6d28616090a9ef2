// SPDX-License-Identifier: BSD-2-Clause
// skagent-pkcs11-helper MODULE: loads one PKCS#11 module for the agent and
// serves it over fd 3, one frame at a time (pkcs11/pkcs11_helper_protocol.h).
// Token libraries run here so a crash or hang costs this process, never the
// agent: the agent kills a helper that does not answer in time.
// The module runs sandboxed (platform/sandbox.h), from its constructors on: the same seccomp
// filter as the sk helper (no TIOCSTI or other terminal ioctls, no signals to other processes,
// no ptrace, exec or network sockets: each ends this helper), and Landlock: read everything,
// write only its own store (pkcs11/module_store.h) and /dev/null.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <thread>

#include "pkcs11/module.h"
#include "pkcs11/module_store.h"
#include "pkcs11/pkcs11_helper_protocol.h"
#include "platform/hardening.h"
#include "platform/helper_channel.h"
#include "platform/sandbox.h"
#include "ssh/crypto_memory.h"
#include "base/wire.h"

namespace {

using namespace skagent;
using namespace skagent::pkcs11;

// After the agent closes the channel (ssh-add -e, or the agent is gone), this long to log out
// and finalize the module before the watchdog ends the process.
constexpr auto kFinalizeGrace = std::chrono::milliseconds(1500);

// The main thread may be stuck in a module call for good, where it would never read the
// end of the channel: a watchdog thread sees the agent hang up (or die) and ends the process.
// (Not PR_SET_PDEATHSIG: the helper's parent may be a short-lived spawner process.)
void start_watchdog() {
  std::thread([] {
    struct pollfd p = {kHelperChannelFd, POLLRDHUP, 0};
    while (poll(&p, 1, -1) < 0 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) {}
    std::this_thread::sleep_for(kFinalizeGrace);
    _exit(1);
  }).detach();
}

struct State {
  std::string path;
  std::unique_ptr<Module> module;
  bool exit_after_reply = false;
};

Bytes handle(State& st, ByteView body) {
  auto req = decode_request(body);
  if (!req) return encode_error_reply(req.error());
  switch (req->type) {
    case RequestType::load: {
      if (st.module) return encode_error_reply(make_error(Errc::exists, "module already loaded"));
      auto m = Module::open(st.path);
      if (!m) {
        // Whatever the library did while it was being looked at stays in this
        // process: it ends after the reply.
        st.exit_after_reply = true;
        return encode_error_reply(m.error());
      }
      st.module = std::move(*m);
      auto keys = st.module->login_and_list(req->pin);
      if (!keys) return encode_error_reply(keys.error());
      return encode_load_reply(*keys);
    }
    case RequestType::sign: {
      if (!st.module) return encode_error_reply(make_error(Errc::internal, "module not loaded"));
      auto sig = st.module->sign(req->key_blob, req->data, req->flags);
      return sig ? encode_sign_reply(*sig) : encode_error_reply(sig.error());
    }
    case RequestType::check:
      return encode_check_reply(st.module != nullptr && st.module->present());
  }
  return encode_error_reply(make_error(Errc::internal, "unreachable"));
}

}  // namespace

int main(int argc, char** argv) {
  if (!install_wiping_crypto_allocator()) {
    fprintf(stderr, "%s: cannot make OpenSSL wipe the memory it frees\n", argv[0]);
    return 1;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: skagent-pkcs11-helper module-path (started by skagent)\n");
    return 2;
  }
  (void)harden_process();
  // Before the watchdog thread starts, so that Landlock (per thread) covers it too.
  HelperSandboxRules rules;
  const char* conf = getenv("SOFTHSM2_CONF");
  rules.stores = module_stores(conf != nullptr ? conf : kSoftHsm2DefaultConf);
  // Fail closed: a helper that cannot confine itself does not load its library.
  if (auto s = apply_helper_sandbox(rules); !s) {
    fprintf(stderr, "skagent-pkcs11-helper: sandbox: %s\n", s.error().message.c_str());
    return 1;
  }
  start_watchdog();
  signal(SIGPIPE, SIG_IGN);
  State st;
  st.path = argv[1];
  for (Bytes body;;) {
    FrameRead got = read_frame(kHelperChannelFd, kMaxFrame, body);
    if (got == FrameRead::closed) break;
    if (got == FrameRead::broken) return 1;
    bool sent = write_frame(kHelperChannelFd, handle(st, body));
    wipe_frame(body);
    if (!sent) return 1;
    if (st.exit_after_reply) return 1;
  }
  st.module.reset();  // C_Finalize: logs out and closes the sessions
  return 0;
}
