// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/cose_key.h"

namespace skagent::vtoken {

cbor::Item CoseKey::to_cbor() const {
  cbor::MapBuilder m;
  m.add(1, cbor::integer(kty));
  if (alg != 0) m.add(3, cbor::integer(alg));
  m.add(-1, cbor::integer(crv));
  m.add(-2, cbor::bytes(x));
  if (kty == cose::kKtyEc2) m.add(-3, cbor::bytes(y));
  return m.build();
}

Result<CoseKey> CoseKey::parse(const cbor_item_t* item) {
  if (!cbor::is_map(item)) return make_error(Errc::malformed, "COSE key is not a map");
  CoseKey k;
  auto kty = cbor::get_int(cbor::map_get(item, 1));
  auto crv = cbor::get_int(cbor::map_get(item, -1));
  if (!kty || !crv) return make_error(Errc::malformed, "COSE key without kty or crv");
  k.kty = *kty;
  k.crv = *crv;
  if (const cbor_item_t* a = cbor::map_get(item, 3)) {
    auto alg = cbor::get_int(a);
    if (!alg) return make_error(Errc::malformed, "COSE alg is not an integer");
    k.alg = *alg;
  }
  auto x = cbor::get_bytes(cbor::map_get(item, -2), 32);
  if (!x || x->size() != 32) return make_error(Errc::malformed, "COSE x must be 32 bytes");
  k.x = std::move(*x);
  if (k.kty == cose::kKtyEc2 && k.crv == cose::kCrvP256) {
    auto y = cbor::get_bytes(cbor::map_get(item, -3), 32);
    if (!y || y->size() != 32) return make_error(Errc::malformed, "COSE y must be 32 bytes");
    k.y = std::move(*y);
  } else if (!(k.kty == cose::kKtyOkp && k.crv == cose::kCrvEd25519)) {
    return make_error(Errc::unsupported, "COSE key type/curve not supported");
  }
  return k;
}

Result<CoseKey> CoseKey::parse_key_agreement(const cbor_item_t* item) {
  auto k = parse(item);
  if (!k) return k;
  if (k->kty != cose::kKtyEc2 || k->crv != cose::kCrvP256) {
    return make_error(Errc::malformed, "key agreement key must be EC2 P-256");
  }
  if (k->alg != 0 && k->alg != cose::kAlgEcdhEsHkdf256) {
    return make_error(Errc::malformed, "key agreement alg must be -25");
  }
  return k;
}

}  // namespace skagent::vtoken
