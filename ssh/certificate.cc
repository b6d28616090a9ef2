// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH certificates (PROTOCOL.certkeys): parsing and CA signature check.
#include "ssh/key.h"

namespace skagent {

namespace {

Error malformed(std::string_view what) {
  return make_error(Errc::malformed, "malformed certificate: " + std::string(what));
}

bool read_principals(ByteView packed, std::vector<std::string>& out) {
  Reader r(packed);
  while (!r.empty()) {
    std::string p;
    if (!r.cstring(p) || out.size() >= 256) return false;
    out.push_back(std::move(p));
  }
  return true;
}

}  // namespace

// Reads what follows the certificate type name; `key` receives the certified
// key's fields. Declared in key.cc, which dispatches here.
Result<Certificate> parse_certificate_body(KeyType type, ByteView blob, Reader& r, PublicKey& key) {
  Certificate c;
  ByteView nonce, principals, critical, extensions, reserved, ca, sig;
  if (!r.string(nonce)) return malformed("missing nonce");
  auto fields = read_plain_public_fields(type, r);
  if (!fields) return fields.error();
  key = std::move(*fields);
  if (!r.u64(c.serial) || !r.u32(c.cert_type) || !r.cstring(c.key_id) || !r.string(principals) ||
      !r.u64(c.valid_after) || !r.u64(c.valid_before) || !r.string(critical) ||
      !r.string(extensions) || !r.string(reserved) || !r.string(ca)) {
    return malformed("truncated");
  }
  c.signed_len = r.position();
  if (!r.string(sig)) return malformed("missing signature");
  if (c.cert_type != Certificate::kUser && c.cert_type != Certificate::kHost) {
    return malformed("unknown certificate type");
  }
  if (!read_principals(principals, c.principals)) return malformed("bad principals");
  auto ca_key = parse_public_key(ca);
  if (!ca_key) return malformed("bad CA key: " + ca_key.error().message);
  if (ca_key->is_cert()) return malformed("CA key is itself a certificate");
  c.blob = to_bytes(blob.first(r.position()));
  c.nonce = to_bytes(nonce);
  c.critical_options = to_bytes(critical);
  c.extensions = to_bytes(extensions);
  c.signature_key = to_bytes(ca);
  c.signature = to_bytes(sig);
  return c;
}

Status verify_certificate_signature(const Certificate& cert) {
  auto ca = parse_public_key(cert.signature_key);
  if (!ca) return ca.error();
  ByteView signed_part = ByteView(cert.blob).first(cert.signed_len);
  return verify_signature(*ca, cert.signature, signed_part);
}

}  // namespace skagent
