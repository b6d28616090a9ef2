// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/private_key.h"

#include <openssl/core_names.h>

#include "ssh/private_key_secret.h"

namespace skagent {

namespace {

Error malformed(std::string_view what) {
  return make_error(Errc::malformed, "malformed private key: " + std::string(what));
}

}  // namespace

PrivateKey::PrivateKey() : secret_(std::make_unique<Secret>()) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

// Reads what a plain key carries before its secret; RSA's order differs from
// its public blob (n before e).
static Result<PublicKey> read_private_public_part(KeyType type, Reader& r) {
  if (type != KeyType::rsa) return read_plain_public_fields(type, r);
  PublicKey k;
  k.type = type;
  if (!r.mpint(k.rsa_n) || !r.mpint(k.rsa_e)) return malformed("truncated RSA key");
  if (k.rsa_n.size() * 8 < 1024 || k.rsa_n.size() * 8 > 16384) {
    return make_error(Errc::unsupported, "RSA modulus size out of range (1024..16384 bits)");
  }
  return k;
}

static Result<PublicKey> read_certificate(KeyType type, Reader& r) {
  ByteView blob;
  if (!r.string(blob)) return malformed("missing certificate");
  auto k = parse_public_key(blob);
  if (!k) return k.error();
  if (!k->is_cert() || k->type != type) return malformed("certificate type mismatch");
  return k;
}

Result<PrivateKey> PrivateKey::read(Reader& r) {
  std::string name;
  if (!r.cstring(name)) return malformed("missing key type");
  bool cert = false;
  const KeyTypeInfo* info = key_type_by_name(name, &cert);
  if (info == nullptr) return make_error(Errc::unsupported, "unknown key type " + name);
  KeyType t = info->type;
  auto pub = cert ? read_certificate(t, r) : read_private_public_part(t, r);
  if (!pub) return pub.error();
  PrivateKey k;
  k.pub_ = std::move(*pub);
  Secret& s = *k.secret_;
  bool ok = true;
  switch (t) {
    case KeyType::dsa:
      ok = r.mpint(s.x);
      break;
    case KeyType::rsa:
      ok = r.mpint(s.x) && r.mpint(s.rsa_iqmp) && r.mpint(s.rsa_p) && r.mpint(s.rsa_q);
      break;
    case KeyType::ed25519: {
      ByteView pk, sk;
      ok = cert ? (r.string(pk) && r.string(sk)) : r.string(sk);
      if (ok && cert && !equal(pk, k.pub_.point))
        return malformed("key does not match certificate");
      ok = ok && sk.size() == 64;
      if (ok) s.x = to_bytes(sk);
      break;
    }
    case KeyType::mldsa44_ed25519: {
      // The seed pair only; unlike Ed25519, a certificate carries no copy of the public key.
      ByteView sk;
      ok = r.string(sk) && sk.size() == 64;
      if (ok) s.x = to_bytes(sk);
      break;
    }
    case KeyType::sk_ed25519:
    case KeyType::sk_ecdsa_p256: {
      ByteView pk, kh, reserved;
      std::string app;
      if (cert && t == KeyType::sk_ed25519) ok = r.string(pk) && equal(pk, k.pub_.point);
      if (cert) ok = ok && r.cstring(app) && app == k.pub_.application;
      ok = ok && r.u8(k.sk_flags_) && r.string(kh) && r.string(reserved);
      if (ok) k.sk_key_handle_ = to_bytes(kh), k.sk_reserved_ = to_bytes(reserved);
      break;
    }
    default:  // ECDSA
      ok = r.mpint(s.x);
  }
  if (!ok) return malformed("truncated or inconsistent secret");
  return k;
}

void PrivateKey::write(Writer& w) const {
  const Secret& s = *secret_;
  w.string(pub_.type_name());
  bool cert = pub_.is_cert();
  if (cert) {
    w.string(pub_.cert->blob);
  } else if (pub_.type == KeyType::rsa) {
    w.mpint(pub_.rsa_n), w.mpint(pub_.rsa_e);
  } else if (pub_.type != KeyType::ed25519) {
    pub_.write_plain_fields(w);
  }
  switch (pub_.type) {
    case KeyType::rsa:
      w.mpint(s.x), w.mpint(s.rsa_iqmp), w.mpint(s.rsa_p), w.mpint(s.rsa_q);
      return;
    case KeyType::ed25519:
      w.string(pub_.point), w.string(s.x);
      return;
    case KeyType::mldsa44_ed25519:
      w.string(s.x);
      return;
    case KeyType::sk_ed25519:
    case KeyType::sk_ecdsa_p256:
      if (cert && pub_.type == KeyType::sk_ed25519) w.string(pub_.point);
      if (cert) w.string(pub_.application);
      w.u8(sk_flags_), w.string(sk_key_handle_), w.string(sk_reserved_);
      return;
    default:  // DSA x, ECDSA d
      w.mpint(s.x);
  }
}

}  // namespace skagent
