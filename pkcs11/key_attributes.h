// SPDX-License-Identifier: BSD-2-Clause
// Turning what a PKCS#11 token says about a key (attribute values, X.509
// certificates, raw signatures) into SSH public keys and SSH signature blobs.
// Pure functions over byte spans: every input comes from a token library and
// is treated as hostile.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"
#include "ssh/private_key.h"

namespace skagent::pkcs11 {

// DER: the input must be exactly one OCTET STRING; returns its contents.
// A big-endian number without its leading zero bytes (PKCS#11 modules pad some).
Bytes strip_zeros(ByteView v);

Result<ByteView> der_octet_string(ByteView der);
// DER: SEQUENCE { INTEGER r, INTEGER s } (nothing trailing) -> magnitudes.
Result<std::pair<Bytes, Bytes>> der_ecdsa_signature(ByteView der);

// CKA_EC_PARAMS -> ecdsa_p256/p384/p521 (named-curve OIDs) or ed25519
// (OID 1.3.101.112 or the PrintableString "edwards25519").
Result<KeyType> curve_from_ec_params(ByteView params);

// CKA_MODULUS and CKA_PUBLIC_EXPONENT (big-endian, leading zeros allowed).
Result<PublicKey> rsa_key_from_attributes(ByteView modulus, ByteView exponent);
// CKA_EC_PARAMS and CKA_EC_POINT (a DER OCTET STRING, or the raw point as
// some modules return it).
Result<PublicKey> ec_key_from_attributes(ByteView params, ByteView point);
// The public key of a DER X.509 certificate (CKA_VALUE); `subject` gets the
// certificate's subject as one line.
Result<PublicKey> key_from_x509(ByteView der, std::string* subject);

// The signature algorithm for a key and the agent's sign flags:
// rsa-sha2-256/512 or ssh-rsa for RSA, the key type name otherwise.
std::string signature_algorithm_for(const PublicKey& key, uint32_t flags);
// The digest the algorithm uses ("sha1", "sha256", "sha384", "sha512"), or
// empty for Ed25519 (which signs the message itself).
std::string_view digest_name_for(const PublicKey& key, std::string_view alg);
Result<Bytes> digest(std::string_view name, ByteView data);
// PKCS#1 v1.5 DigestInfo for CKM_RSA_PKCS: the DER prefix, then the digest.
Result<Bytes> rsa_digest_info(std::string_view digest_name, ByteView digest);

// A token's raw signature (RSA: the PKCS#1 block; ECDSA: r||s, or DER as some
// modules return it; Ed25519: 64 bytes) as an SSH signature blob.
Result<Bytes> ssh_signature_blob(const PublicKey& key, std::string_view alg, ByteView raw);

}  // namespace skagent::pkcs11
