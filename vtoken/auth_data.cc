// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/auth_data.h"

#include "vtoken/cbor.h"
#include "base/wire.h"

namespace skagent::vtoken {

Bytes AuthenticatorData::encode() const {
  Writer w;
  w.raw(rp_id_hash);
  uint8_t f = flags & ~(flags::kAttested | flags::kExtensions);
  if (attested) f |= flags::kAttested;
  if (!extensions.empty()) f |= flags::kExtensions;
  w.u8(f);
  w.u32(counter);
  if (attested) {
    w.raw(attested->aaguid);
    w.u8(uint8_t(attested->credential_id.size() >> 8));
    w.u8(uint8_t(attested->credential_id.size()));
    w.raw(attested->credential_id);
    w.raw(attested->public_key);
  }
  w.raw(extensions);
  return w.take();
}

Result<AuthenticatorData> AuthenticatorData::parse(ByteView data) {
  auto bad = [](const char* why) {
    return make_error(Errc::malformed, std::string("authenticator data: ") + why);
  };
  Reader r(data);
  AuthenticatorData ad;
  ByteView hash;
  if (!r.raw(32, hash) || !r.u8(ad.flags) || !r.u32(ad.counter)) return bad("truncated");
  ad.rp_id_hash = to_bytes(hash);
  if (ad.flags & flags::kAttested) {
    ByteView aaguid, id;
    uint8_t hi = 0, lo = 0;
    if (!r.raw(16, aaguid) || !r.u8(hi) || !r.u8(lo)) return bad("truncated attested data");
    size_t id_len = size_t(hi) << 8 | lo;
    if (id_len > 1023 || !r.raw(id_len, id)) return bad("bad credential id length");
    auto key_len = cbor::canonical_prefix(r.rest());
    if (!key_len) return bad("bad credential public key");
    ByteView key;
    if (!r.raw(*key_len, key)) return bad("truncated public key");
    ad.attested = AttestedCredential{to_bytes(aaguid), to_bytes(id), to_bytes(key)};
  }
  if (ad.flags & flags::kExtensions) {
    auto ext = cbor::decode(r.rest());
    if (!ext || !cbor::is_map(ext->get())) return bad("bad extensions");
    ad.extensions = to_bytes(r.rest());
  } else if (!r.empty()) {
    return bad("trailing bytes");
  }
  return ad;
}

}  // namespace skagent::vtoken
