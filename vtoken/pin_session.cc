// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/pin_session.h"

#include <cstdlib>

#include "vtoken/ctap_status.h"

namespace skagent::vtoken {

void PinSession::power_up() {
  regenerate_key_agreement();
  invalidate_token();
  consecutive_failures_ = 0;
}

void PinSession::regenerate_key_agreement() {
  auto k = p256_generate();
  if (!k) abort();  // OpenSSL cannot make a P-256 key: nothing works then
  key_agreement_ = std::move(*k);
}

Result<CoseKey> PinSession::key_agreement_public() const {
  auto xy = p256_public_xy(key_agreement_.get());
  if (!xy) return xy.error();
  CoseKey k;
  k.kty = cose::kKtyEc2;
  k.alg = cose::kAlgEcdhEsHkdf256;
  k.crv = cose::kCrvP256;
  k.x = std::move(xy->first);
  k.y = std::move(xy->second);
  return k;
}

const Bytes& PinSession::issue_token(uint8_t permissions, std::string rp_id) {
  token_ = random_bytes(32);
  token_valid_ = true;
  permissions_ = permissions;
  rp_id_ = std::move(rp_id);
  return token_;
}

void PinSession::invalidate_token() {
  token_ = random_bytes(32);
  token_valid_ = false;
  permissions_ = 0;
  rp_id_.clear();
}

uint8_t PinSession::check(const PinProtocol& protocol, ByteView param, ByteView message,
                          uint8_t permission, const std::string& rp_id) {
  if (!token_valid_ || !protocol.verify(token_, message, param)) return ctap::kPinAuthInvalid;
  if ((permissions_ & permission) == 0) return ctap::kUnauthorizedPermission;
  if (!rp_id.empty()) {
    if (rp_id_.empty()) rp_id_ = rp_id;
    else if (rp_id_ != rp_id) return ctap::kUnauthorizedPermission;
  }
  return ctap::kOk;
}

}  // namespace skagent::vtoken
