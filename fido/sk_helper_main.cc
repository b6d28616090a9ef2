// skagent-sk-helper PROVIDER: loads one SecurityKeyProvider library and signs
// for the agent over fd 3, one frame at a time. Token libraries run here so a
// crash or hang costs this process, never the agent.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "fido/sk_helper_protocol.h"
#include "fido/sk_provider.h"
#include "platform/hardening.h"
#include "ssh/wire.h"

namespace {

constexpr int kChannelFd = 3;

bool read_exact(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

bool write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

skagent::Bytes handle(const skagent::Result<skagent::SkProvider>& provider,
                      skagent::ByteView body) {
  using namespace skagent;
  auto req = decode_sign_request(body);
  if (!req) return encode_sign_reply(req.error());
  if (!provider) return encode_sign_reply(provider.error());
  return encode_sign_reply(provider->sign(*req));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skagent;
  if (argc != 2) {
    fprintf(stderr, "usage: skagent-sk-helper provider-path (started by skagent)\n");
    return 2;
  }
  (void)harden_process();
  // A load failure is reported per request, so the agent can log the reason.
  auto provider = SkProvider::load(argv[1]);
  for (;;) {
    uint8_t len_bytes[4];
    if (!read_exact(kChannelFd, len_bytes, 4)) return 0;
    uint32_t len = 0;
    Reader lr(len_bytes);
    if (!lr.u32(len) || len > kMaxHelperFrame) return 1;
    Bytes body(len);
    if (!read_exact(kChannelFd, body.data(), len)) return 1;
    Bytes reply = frame(handle(provider, body));
    if (!write_all(kChannelFd, reply.data(), reply.size())) return 1;
  }
}
