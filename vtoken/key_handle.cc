// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/key_handle.h"

#include "vtoken/cose_key.h"
#include "vtoken/crypto.h"

namespace skagent::vtoken {

namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kHeader = 4, kNonce = 12;

Bytes wrapping_key(ByteView master) {
  return hmac_sha256(master, view("skagent-vtoken key handle v1"));
}

uint8_t alg_code(int64_t alg) {
  return alg == cose::kAlgEs256 ? 1 : alg == cose::kAlgEdDsa ? 2 : 0;
}

Bytes aad_of(ByteView header, ByteView rp_id_hash) {
  Bytes aad(header.begin(), header.end());
  aad.insert(aad.end(), rp_id_hash.begin(), rp_id_hash.end());
  return aad;
}

}  // namespace

Result<Bytes> wrap_key_handle(ByteView master, ByteView rp_id_hash, const KeyHandle& kh) {
  uint8_t code = alg_code(kh.alg);
  if (code == 0 || kh.private_key.size() != 32 || kh.cred_protect < 1 || kh.cred_protect > 3) {
    return make_error(Errc::internal, "key handle fields out of range");
  }
  Bytes out = {kVersion, code, kh.cred_protect, uint8_t(kh.resident ? 1 : 0)};
  Bytes nonce = random_bytes(kNonce);
  auto sealed = aes256_gcm_seal(wrapping_key(master), nonce,
                                aad_of(ByteView(out).first(kHeader), rp_id_hash), kh.private_key);
  if (!sealed) return sealed.error();
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), sealed->begin(), sealed->end());
  return out;
}

Result<KeyHandle> unwrap_key_handle(ByteView master, ByteView rp_id_hash, ByteView id) {
  auto foreign = [] {
    return make_error(Errc::not_found, "not a credential of this token for this RP");
  };
  if (id.size() != kKeyHandleSize || id[0] != kVersion) return foreign();
  KeyHandle kh;
  kh.alg = id[1] == 1 ? cose::kAlgEs256 : id[1] == 2 ? cose::kAlgEdDsa : 0;
  kh.cred_protect = id[2];
  if (kh.alg == 0 || kh.cred_protect < 1 || kh.cred_protect > 3 || id[3] > 1) return foreign();
  kh.resident = id[3] == 1;
  auto plain = aes256_gcm_open(wrapping_key(master), id.subspan(kHeader, kNonce),
                               aad_of(id.first(kHeader), rp_id_hash), id.subspan(kHeader + kNonce));
  if (!plain || plain->size() != 32) return foreign();
  kh.private_key = std::move(*plain);
  return kh;
}

}  // namespace skagent::vtoken
