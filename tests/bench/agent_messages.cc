// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/agent_messages.h"

#include <algorithm>

#include "base/wire.h"

namespace skagent::bench {
namespace {

// Reads the type byte and checks it; a FAILURE reply gets its own message
// because it is the one an agent sends on purpose (refusal, unknown key).
Status expect_type(Reader& r, uint8_t want) {
  uint8_t type = 0;
  if (!r.u8(type)) return make_error(Errc::malformed, "empty reply");
  if (type == kFailure) return make_error(Errc::denied, "agent answered FAILURE");
  if (type != want)
    return make_error(Errc::malformed, "unexpected reply type " + std::to_string(type));
  return {};
}

}  // namespace

Bytes encode_request_identities() {
  Writer w;
  w.u8(kRequestIdentities);
  return w.take();
}

Bytes encode_sign_request(ByteView key_blob, ByteView data, uint32_t flags) {
  Writer w;
  w.u8(kSignRequest);
  w.string(key_blob);
  w.string(data);
  w.u32(flags);
  return w.take();
}

Result<std::vector<Identity>> decode_identities(ByteView reply) {
  Reader r(reply);
  if (Status s = expect_type(r, kIdentitiesAnswer); !s) return s.error();
  uint32_t n = 0;
  if (!r.u32(n)) return make_error(Errc::malformed, "identities: no count");
  std::vector<Identity> ids;
  ids.reserve(std::min<uint32_t>(n, 4096));
  for (uint32_t i = 0; i < n; i++) {
    ByteView blob, comment;
    if (!r.string(blob) || !r.string(comment))
      return make_error(Errc::malformed, "identities: truncated entry");
    ids.push_back({to_bytes(blob), std::string(as_string(comment))});
  }
  if (!r.empty()) return make_error(Errc::malformed, "identities: trailing bytes");
  return ids;
}

Result<Bytes> decode_sign_response(ByteView reply) {
  Reader r(reply);
  if (Status s = expect_type(r, kSignResponse); !s) return s.error();
  ByteView sig;
  if (!r.string(sig) || !r.empty())
    return make_error(Errc::malformed, "sign response: bad signature string");
  return to_bytes(sig);
}

}  // namespace skagent::bench
