// SPDX-License-Identifier: BSD-2-Clause
// The SSH public-key model: every key type the agent handles, plain and as an
// OpenSSH certificate (PROTOCOL.certkeys), parsed from and written to wire blobs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/wire.h"

namespace skagent {

enum class KeyType : uint8_t {
  dsa,
  rsa,
  ecdsa_p256,
  ecdsa_p384,
  ecdsa_p521,
  ed25519,
  sk_ecdsa_p256,
  sk_ed25519,
  mldsa44_ed25519,  // ML-DSA-44 + Ed25519 composite (ssh/mldsa44_ed25519.h)
};

struct KeyTypeInfo {
  KeyType type;
  std::string_view name;        // "ecdsa-sha2-nistp256"
  std::string_view cert_name;   // "ecdsa-sha2-nistp256-cert-v01@openssh.com"
  std::string_view curve;       // "nistp256" for ECDSA types, empty otherwise
  std::string_view short_name;  // "ECDSA", "ED25519-SK", as ssh-keygen -l prints
  bool security_key;
};

const KeyTypeInfo& key_type_info(KeyType t);
// Looks up a wire name, plain or certificate; nullptr when unknown.
const KeyTypeInfo* key_type_by_name(std::string_view name, bool* is_cert);

bool is_ecdsa(KeyType t);
bool is_ed25519(KeyType t);

// Hash selection for RSA signatures; ignored by other key types.
enum class RsaHash { sha1, sha256, sha512 };
inline bool is_security_key(KeyType t) { return key_type_info(t).security_key; }

struct Certificate;

// A public key: the plain key's fields, plus the certificate when the key is
// one. Fields unused by a type stay empty.
struct PublicKey {
  KeyType type = KeyType::ed25519;
  Bytes rsa_e, rsa_n;                // RSA
  Bytes dsa_p, dsa_q, dsa_g, dsa_y;  // DSA
  Bytes point;                       // ECDSA Q (uncompressed), Ed25519 pk, ML-DSA-44+Ed25519 pk
  std::string application;           // security keys
  std::shared_ptr<const Certificate> cert;

  bool is_cert() const { return cert != nullptr; }
  std::string_view type_name() const;        // wire name (certificate name if cert)
  PublicKey plain() const;                   // the same key without its certificate
  Bytes blob() const;                        // the wire blob (the certificate if cert)
  void write_plain_fields(Writer& w) const;  // fields after the type name
  unsigned bits() const;                     // key size as ssh-keygen -l reports it
};

// OpenSSH certificate (PROTOCOL.certkeys).
struct Certificate {
  static constexpr uint32_t kUser = 1;
  static constexpr uint32_t kHost = 2;
  Bytes blob;             // the whole certificate blob
  size_t signed_len = 0;  // prefix of blob covered by the CA signature
  Bytes nonce;
  uint64_t serial = 0;
  uint32_t cert_type = 0;
  std::string key_id;
  std::vector<std::string> principals;
  uint64_t valid_after = 0, valid_before = 0;
  Bytes critical_options, extensions;
  Bytes signature_key;  // the CA's public key blob
  Bytes signature;
};

// Parses a complete public key or certificate blob (no trailing bytes).
Result<PublicKey> parse_public_key(ByteView blob);
// Reads the public fields of a plain key of known type from a reader.
Result<PublicKey> read_plain_public_fields(KeyType type, Reader& r);

// True when both are the same underlying key (certificates ignored), like
// OpenSSH's sshkey_equal_public.
bool same_public_key(const PublicKey& a, const PublicKey& b);

// Checks that a parsed key is a usable key of its type, as OpenSSH's sshkey_froms does before
// it takes one: an ECDSA (or sk-ECDSA) point on its curve, a certificate's own key likewise.
// parse_public_key leaves this to verification; keys that are only compared, never verified
// against (destination hop keys, associated certificates), need it on their own.
Status check_public_key(const PublicKey& key);

// Verifies an SSH signature blob over data. For RSA, `required_alg` (when not
// empty) must equal the signature's algorithm name.
Status verify_signature(const PublicKey& key, ByteView signature, ByteView data,
                        std::string_view required_alg = {});

// Checks the CA signature on a certificate (not its validity period).
Status verify_certificate_signature(const Certificate& cert);

// The signature algorithm name inside a signature blob.
Result<std::string> signature_algorithm(ByteView signature);

}  // namespace skagent
