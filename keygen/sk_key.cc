// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/sk_key.h"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "base/wire.h"

namespace skagent::keygen {

namespace {

bool on_p256(ByteView point) {
  EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT* p = g != nullptr ? EC_POINT_new(g) : nullptr;
  bool ok = p != nullptr && EC_POINT_oct2point(g, p, point.data(), point.size(), nullptr) == 1 &&
            EC_POINT_is_on_curve(g, p, nullptr) == 1 && EC_POINT_is_at_infinity(g, p) == 0;
  EC_POINT_free(p);
  EC_GROUP_free(g);
  return ok;
}

}  // namespace

Result<PrivateKey> make_sk_private_key(KeyType type, const std::string& application,
                                       ByteView public_key, uint8_t flags, ByteView key_handle) {
  if (type != KeyType::sk_ed25519 && type != KeyType::sk_ecdsa_p256) {
    return make_error(Errc::unsupported, "not a security key type");
  }
  if (type == KeyType::sk_ed25519 && public_key.size() != 32) {
    return make_error(Errc::malformed, "the token returned an Ed25519 key of the wrong size");
  }
  if (type == KeyType::sk_ecdsa_p256 &&
      (public_key.size() != 65 || public_key[0] != 0x04 || !on_p256(public_key))) {
    return make_error(Errc::malformed, "the token returned a malformed P-256 key");
  }
  if (key_handle.empty()) return make_error(Errc::malformed, "the token returned no key handle");
  Writer w;
  w.string(key_type_info(type).name);
  if (type == KeyType::sk_ecdsa_p256) w.string(key_type_info(type).curve);
  w.string(public_key);
  w.string(application);
  w.u8(flags);
  w.string(key_handle);
  w.string(std::string_view{});
  Reader r(w.bytes());
  auto key = PrivateKey::read(r);
  if (!key) return key.error();
  if (!r.empty()) return make_error(Errc::internal, "security key serialisation left bytes over");
  if (auto s = key->validate(); !s) return s.error();
  return key;
}

Bytes attestation_blob(const SkEnrollResult& result) {
  Writer w;
  w.string("ssh-sk-attest-v01");
  w.string(result.attestation_cert);
  w.string(result.signature);
  w.string(result.authdata);
  w.u32(0);
  w.string(std::string_view{});
  return w.take();
}

}  // namespace skagent::keygen
