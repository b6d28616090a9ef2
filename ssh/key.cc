// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/key.h"

#include <array>

#include "ssh/evp.h"
#include "ssh/mldsa44_ed25519.h"

namespace skagent {

namespace {

constexpr std::array<KeyTypeInfo, 9> kTypes = {{
    {KeyType::dsa, "ssh-dss", "ssh-dss-cert-v01@openssh.com", "", "DSA", false},
    {KeyType::rsa, "ssh-rsa", "ssh-rsa-cert-v01@openssh.com", "", "RSA", false},
    {KeyType::ecdsa_p256, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
     "nistp256", "ECDSA", false},
    {KeyType::ecdsa_p384, "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
     "nistp384", "ECDSA", false},
    {KeyType::ecdsa_p521, "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
     "nistp521", "ECDSA", false},
    {KeyType::ed25519, "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "", "ED25519", false},
    {KeyType::sk_ecdsa_p256, "sk-ecdsa-sha2-nistp256@openssh.com",
     "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "nistp256", "ECDSA-SK", true},
    {KeyType::sk_ed25519, "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com", "",
     "ED25519-SK", true},
    {KeyType::mldsa44_ed25519, "ssh-mldsa44-ed25519@openssh.com",
     "ssh-mldsa44-ed25519-cert-v01@openssh.com", "", "MLDSA44-ED25519", false},
}};

Error malformed(std::string_view what) {
  return make_error(Errc::malformed, "malformed key: " + std::string(what));
}

Result<void> read_ec_point(KeyType type, Reader& r, PublicKey& k) {
  std::string curve;
  ByteView q;
  if (!r.cstring(curve) || !r.string(q)) return malformed("truncated ECDSA key");
  if (curve != key_type_info(type).curve) return malformed("curve does not match key type");
  if (q.size() != evp::ec_curve(type).point_size() || q[0] != 0x04)
    return malformed("bad EC point");
  k.point = to_bytes(q);
  return {};
}

Result<void> read_ed25519_point(Reader& r, PublicKey& k) {
  ByteView pk;
  if (!r.string(pk) || pk.size() != 32) return malformed("bad Ed25519 public key");
  k.point = to_bytes(pk);
  return {};
}

Result<void> read_fields(KeyType type, Reader& r, PublicKey& k) {
  switch (type) {
    case KeyType::dsa:
      if (!r.mpint(k.dsa_p) || !r.mpint(k.dsa_q) || !r.mpint(k.dsa_g) || !r.mpint(k.dsa_y)) {
        return malformed("truncated DSA key");
      }
      if (k.dsa_q.size() != 20 || k.dsa_p.size() > 1024 / 8) return malformed("bad DSA sizes");
      return {};
    case KeyType::rsa:
      if (!r.mpint(k.rsa_e) || !r.mpint(k.rsa_n)) return malformed("truncated RSA key");
      if (k.rsa_n.size() * 8 < 1024 || k.rsa_n.size() * 8 > 16384) {
        return make_error(Errc::unsupported, "RSA modulus size out of range (1024..16384 bits)");
      }
      return {};
    case KeyType::ed25519:
      return read_ed25519_point(r, k);
    case KeyType::mldsa44_ed25519: {
      ByteView pk;
      if (!r.string(pk) || pk.size() != mldsa44_ed25519::kPublicKeySize) {
        return malformed("bad ML-DSA-44+Ed25519 public key");
      }
      k.point = to_bytes(pk);
      return {};
    }
    case KeyType::sk_ed25519:
      if (auto s = read_ed25519_point(r, k); !s) return s;
      break;
    default:  // ECDSA and sk-ECDSA
      if (auto s = read_ec_point(type, r, k); !s) return s;
      if (type != KeyType::sk_ecdsa_p256) return {};
  }
  if (!r.cstring(k.application)) return malformed("truncated security key application");
  return {};
}

}  // namespace

const KeyTypeInfo& key_type_info(KeyType t) { return kTypes[size_t(t)]; }

const KeyTypeInfo* key_type_by_name(std::string_view name, bool* is_cert) {
  for (const auto& t : kTypes) {
    if (name == t.name || name == t.cert_name) {
      if (is_cert != nullptr) *is_cert = (name == t.cert_name);
      return &t;
    }
  }
  return nullptr;
}

bool is_ecdsa(KeyType t) {
  return t == KeyType::ecdsa_p256 || t == KeyType::ecdsa_p384 || t == KeyType::ecdsa_p521 ||
         t == KeyType::sk_ecdsa_p256;
}
bool is_ed25519(KeyType t) { return t == KeyType::ed25519 || t == KeyType::sk_ed25519; }

std::string_view PublicKey::type_name() const {
  const auto& info = key_type_info(type);
  return is_cert() ? info.cert_name : info.name;
}

PublicKey PublicKey::plain() const {
  PublicKey p = *this;
  p.cert.reset();
  return p;
}

void PublicKey::write_plain_fields(Writer& w) const {
  switch (type) {
    case KeyType::dsa:
      w.mpint(dsa_p), w.mpint(dsa_q), w.mpint(dsa_g), w.mpint(dsa_y);
      return;
    case KeyType::rsa:
      w.mpint(rsa_e), w.mpint(rsa_n);
      return;
    case KeyType::ed25519:
    case KeyType::sk_ed25519:
    case KeyType::mldsa44_ed25519:
      w.string(point);
      break;
    default:
      w.string(key_type_info(type).curve);
      w.string(point);
  }
  if (is_security_key(type)) w.string(application);
}

Bytes PublicKey::blob() const {
  if (cert) return cert->blob;
  Writer w;
  w.string(type_name());
  write_plain_fields(w);
  return w.take();
}

unsigned PublicKey::bits() const {
  switch (type) {
    case KeyType::dsa:
      return unsigned(BN_num_bits(evp::bn(dsa_p).get()));
    case KeyType::rsa:
      return unsigned(BN_num_bits(evp::bn(rsa_n).get()));
    case KeyType::ecdsa_p384:
      return 384;
    case KeyType::ecdsa_p521:
      return 521;
    default:
      return 256;
  }
}

Result<PublicKey> read_plain_public_fields(KeyType type, Reader& r) {
  PublicKey k;
  k.type = type;
  if (auto s = read_fields(type, r, k); !s) return s.error();
  return k;
}

Result<Certificate> parse_certificate_body(KeyType type, ByteView blob, Reader& r, PublicKey& key);

Result<PublicKey> parse_public_key(ByteView blob) {
  Reader r(blob);
  std::string name;
  if (!r.cstring(name)) return malformed("missing key type");
  bool cert = false;
  const KeyTypeInfo* info = key_type_by_name(name, &cert);
  if (info == nullptr) return make_error(Errc::unsupported, "unknown key type " + name);
  PublicKey k;
  k.type = info->type;
  if (cert) {
    auto c = parse_certificate_body(info->type, blob, r, k);
    if (!c) return c.error();
    k.cert = std::make_shared<const Certificate>(std::move(*c));
  } else if (auto s = read_fields(info->type, r, k); !s) {
    return s.error();
  }
  if (!r.empty()) return malformed("trailing bytes after key");
  return k;
}

bool same_public_key(const PublicKey& a, const PublicKey& b) {
  return a.type == b.type && equal(a.rsa_e, b.rsa_e) && equal(a.rsa_n, b.rsa_n) &&
         equal(a.dsa_p, b.dsa_p) && equal(a.dsa_q, b.dsa_q) && equal(a.dsa_g, b.dsa_g) &&
         equal(a.dsa_y, b.dsa_y) && equal(a.point, b.point) && a.application == b.application;
}

}  // namespace skagent
