// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/pin_protocol.h"

namespace skagent::vtoken {

Result<Bytes> PinProtocol::shared_secret(EVP_PKEY* ours, const CoseKey& platform) const {
  auto peer = p256_from_public(platform.x, platform.y);
  if (!peer) return peer.error();
  auto z = p256_ecdh(ours, peer->get());
  if (!z) return z.error();
  if (version_ == 1) return sha256(*z);
  Bytes out = hkdf_sha256(*z, "CTAP2 HMAC key", 32);
  Bytes aes = hkdf_sha256(*z, "CTAP2 AES key", 32);
  out.insert(out.end(), aes.begin(), aes.end());
  return out;
}

Result<Bytes> PinProtocol::encrypt(ByteView shared, ByteView plain) const {
  if (version_ == 1) {
    uint8_t iv[16] = {};
    return aes256_cbc_encrypt(shared.first(32), iv, plain);
  }
  Bytes iv = random_bytes(16);
  auto ct = aes256_cbc_encrypt(shared.subspan(32, 32), iv, plain);
  if (!ct) return ct;
  iv.insert(iv.end(), ct->begin(), ct->end());
  return iv;
}

Result<Bytes> PinProtocol::decrypt(ByteView shared, ByteView cipher) const {
  if (version_ == 1) {
    uint8_t iv[16] = {};
    return aes256_cbc_decrypt(shared.first(32), iv, cipher);
  }
  if (cipher.size() < 16) return make_error(Errc::malformed, "ciphertext shorter than its IV");
  return aes256_cbc_decrypt(shared.subspan(32, 32), cipher.first(16), cipher.subspan(16));
}

Bytes PinProtocol::authenticate(ByteView key, ByteView message) const {
  Bytes mac = hmac_sha256(key, message);
  if (version_ == 1) mac.resize(16);
  return mac;
}

bool PinProtocol::verify(ByteView key, ByteView message, ByteView signature) const {
  Bytes expected = authenticate(key, message);
  return equal_ct(expected, signature);
}

ByteView PinProtocol::hmac_key(ByteView shared) const {
  // v1's secret is the HMAC key; v2's HMAC key is its first half.
  return shared.first(32);
}

}  // namespace skagent::vtoken
