// SPDX-License-Identifier: BSD-2-Clause
// skagent-sk-helper [--no-token] PROVIDER [VTOKENS]: loads one SecurityKeyProvider library and signs
// for the agent over fd 3, one frame at a time. VTOKENS, from the agent's $SKAGENT_VTOKEN,
// names the virtual tokens the built-in middleware may use (socket paths separated by commas). Token libraries run here so a
// crash or hang costs this process, never the agent. PROVIDER "internal" is
// the built-in middleware (fido/), called directly: no library is loaded; a
// touch it waits for is cancelled when the agent goes away (fd 3 hangs up).
// A PIN is decoded from the (self-wiping) frame straight into a Secret in
// locked memory and handed to the token library as its NUL-terminated c_str().
// The agent also asks, while it keeps a PIN, whether a PC/SC card that signed
// here has left its reader (fido/card_watch.h).
// The sandbox (platform/sandbox.h) is in place before the provider is loaded, so its
// constructors run inside it too. Landlock lets it write only the hidraw nodes present at start:
// after a failed signature, if the nodes changed (a key plugged in), the helper ends once it has
// replied, and the agent's next request starts one that can reach the new node.
// --no-token: a spare for a provider whose signatures need no token (agent/helpers/
// sk_helper_client.h): no device node (not even to read) and no socket but its channel to the
// agent, so it cannot reach a token, pcscd or a virtual token at all. Where the kernel has no Landlock it could still open
// a device node: it refuses to start (fail closed).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

#include "fido/card_watch.h"
#include "fido/device.h"
#include "fido/options.h"
#include "fido/sign.h"
#include "fido/sk_helper_protocol.h"
#include "fido/sk_provider.h"
#include "platform/hardening.h"
#include "platform/helper_channel.h"
#include "platform/sandbox.h"
#include "ssh/crypto_memory.h"
#include "base/wire.h"

namespace {

using Signer = std::function<skagent::Result<skagent::SkSignResult>(const skagent::SkSignRequest&)>;

skagent::Result<skagent::SkSignResult> sign_internal(const skagent::SkSignRequest& req,
                                                     const skagent::fido::DeviceSources& sources,
                                                     skagent::fido::CardWatch& cards) {
  using namespace skagent;
  fido::Options o;
  o.sources = sources;
  o.requester_fd = kHelperChannelFd;
  fido::SignRequest r;
  r.alg = req.alg;
  r.data = req.data;
  r.application = req.application;
  r.key_handle = req.key_handle;
  r.flags = req.flags;
  r.pin = req.pin.empty() ? nullptr : req.pin.c_str();
  auto s = fido::sign(o, r);
  if (!s) return s.error();
  cards.signed_with(s->device);
  SkSignResult out;
  out.sig_r = std::move(s->sig_r);
  out.sig_s = std::move(s->sig_s);
  out.flags = s->flags;
  out.counter = s->counter;
  return out;
}

// A load failure is reported per request, so the agent can log the reason.
// The built-in middleware also notes the PC/SC cards that signed in `cards`.
Signer signer_for(const char* provider, skagent::fido::DeviceSources sources,
                  skagent::fido::CardWatch& cards) {
  using namespace skagent;
  if (std::string_view(provider) == "internal") {
    return [sources = std::move(sources), &cards](const SkSignRequest& req) {
      return sign_internal(req, sources, cards);
    };
  }
  auto loaded = std::make_shared<Result<SkProvider>>(SkProvider::load(provider));
  return [loaded](const SkSignRequest& req) -> Result<SkSignResult> {
    if (!*loaded) return loaded->error();
    return (*loaded)->sign(req);
  };
}

// `failed` is set when a signature was asked for and not made.
skagent::Bytes handle(const Signer& signer, skagent::fido::CardWatch& cards, skagent::ByteView body,
                      bool& failed) {
  using namespace skagent;
  auto kind = sk_request_kind(body);
  if (!kind) return encode_sign_reply(kind.error());
  if (*kind == SkRequestKind::check_cards) return encode_check_cards_reply(cards.card_left());
  auto req = decode_sign_request(body);
  if (!req) return encode_sign_reply(req.error());
  auto result = signer(*req);
  failed = !result;
  return encode_sign_reply(result);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skagent;
  if (!install_wiping_crypto_allocator()) {
    fprintf(stderr, "%s: cannot make OpenSSL wipe the memory it frees\n", argv[0]);
    return 1;
  }
  const bool no_token = argc > 1 && std::string_view(argv[1]) == "--no-token";
  if (no_token) {
    argv++;
    argc--;
  }
  if ((argc != 2 && argc != 3) || (no_token && std::string_view(argv[1]) == "internal")) {
    fprintf(stderr,
            "usage: skagent-sk-helper [--no-token] provider-path|internal [vtoken-sockets] "
            "(started by skagent; no --no-token for internal)\n");
    return 2;
  }
  (void)harden_process();
  // The only environment read here: a debugging switch, inherited from the agent.
  fido::set_fido_debug(getenv("SKAGENT_FIDO_DEBUG") != nullptr);
  // From here on (the provider's constructors included) a forbidden system call ends this
  // helper only.
  HelperSandboxRules rules;
  if (no_token) {
    if (landlock_abi() == 0) {
      fprintf(stderr, "skagent-sk-helper: --no-token needs Landlock to keep devices away\n");
      return 1;
    }
    rules.token_free = true;
  } else {
    rules.devices = hidraw_nodes();
  }
  // Fail closed: a helper that cannot confine itself does not load its library.
  if (auto s = apply_helper_sandbox(rules); !s) {
    fprintf(stderr, "skagent-sk-helper: sandbox: %s\n", s.error().message.c_str());
    return 1;
  }
  fido::CardWatch cards;
  Signer signer = signer_for(argv[1], fido::device_sources(argc == 3 ? argv[2] : nullptr), cards);
  for (Bytes body;;) {
    FrameRead got = read_frame(kHelperChannelFd, kMaxHelperFrame, body);
    if (got != FrameRead::ok) return got == FrameRead::closed ? 0 : 1;
    bool failed = false;
    bool sent = write_frame(kHelperChannelFd, handle(signer, cards, body, failed));
    wipe_frame(body);
    if (!sent) return 1;
    if (failed && !no_token && hidraw_nodes() != rules.devices) return 0;
  }
}
