// SPDX-License-Identifier: BSD-2-Clause
#include "fido/key_format.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#include "fido/options.h"
#include "ssh/evp.h"

namespace skagent::fido {

namespace {

constexpr size_t kP256Coordinate = 32;
constexpr size_t kEd25519Key = 32;
constexpr size_t kEd25519Sig = 64;
constexpr size_t kMaxDerSignature = 80;  // 2 × (32 + sign byte) + headers, with room

Error bad(const char* what) {
  return make_error(Errc::malformed, std::string("security key sent ") + what);
}

Result<Bytes> p256_point(ByteView xy) {
  if (xy.size() != 2 * kP256Coordinate) return bad("an ECDSA public key of the wrong length");
  evp::Owned<EC_GROUP> g(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  evp::Owned<EC_POINT> q(g ? EC_POINT_new(g.get()) : nullptr);
  evp::Owned<BIGNUM> x(BN_bin2bn(xy.data(), int(kP256Coordinate), nullptr));
  evp::Owned<BIGNUM> y(BN_bin2bn(xy.data() + kP256Coordinate, int(kP256Coordinate), nullptr));
  if (!g || !q || !x || !y) return make_error(Errc::crypto, "OpenSSL: out of memory");
  if (EC_POINT_set_affine_coordinates(g.get(), q.get(), x.get(), y.get(), nullptr) != 1 ||
      EC_POINT_is_on_curve(g.get(), q.get(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(g.get(), q.get())) {
    return bad("an ECDSA public key that is not a point on P-256");
  }
  Bytes out(1 + 2 * kP256Coordinate);
  if (EC_POINT_point2oct(g.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         nullptr) != out.size()) {
    return make_error(Errc::crypto, "OpenSSL: cannot encode the P-256 point");
  }
  return out;
}

Result<SignatureParts> ecdsa_parts(ByteView der) {
  if (der.empty() || der.size() > kMaxDerSignature)
    return bad("an ECDSA signature of impossible length");
  const unsigned char* p = der.data();
  evp::Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
  if (!sig || p != der.data() + der.size()) return bad("an ECDSA signature that is not DER");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_is_zero(r) || BN_is_zero(s) || BN_is_negative(r) || BN_is_negative(s) ||
      size_t(BN_num_bytes(r)) > kP256Coordinate || size_t(BN_num_bytes(s)) > kP256Coordinate) {
    return bad("an ECDSA signature with out-of-range numbers");
  }
  return SignatureParts{evp::bn_bytes(r), evp::bn_bytes(s)};
}

}  // namespace

Result<Bytes> ssh_public_key(uint32_t alg, ByteView raw) {
  switch (alg) {
    case kAlgEcdsaP256:
      return p256_point(raw);
    case kAlgEd25519:
      if (raw.size() != kEd25519Key) return bad("an Ed25519 public key of the wrong length");
      return to_bytes(raw);
    default:
      return make_error(Errc::unsupported, "unsupported key algorithm " + std::to_string(alg));
  }
}

Result<SignatureParts> ssh_signature_parts(uint32_t alg, ByteView sig) {
  switch (alg) {
    case kAlgEcdsaP256:
      return ecdsa_parts(sig);
    case kAlgEd25519:
      if (sig.size() != kEd25519Sig) return bad("an Ed25519 signature of the wrong length");
      return SignatureParts{to_bytes(sig), {}};
    default:
      return make_error(Errc::unsupported, "unsupported key algorithm " + std::to_string(alg));
  }
}

}  // namespace skagent::fido
