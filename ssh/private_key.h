// SPDX-License-Identifier: BSD-2-Clause
// Private keys in OpenSSH's private serialization (the body of ADD_IDENTITY
// and of each key in an openssh-key-v1 file), and software signing.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"
#include "base/wire.h"

namespace skagent {

class RsaBlinding;  // ssh/rsa_sign.h

class PrivateKey {
 public:
  // Reads one private-key serialization: type name, then type-specific fields.
  static Result<PrivateKey> read(Reader& r);
  // Generates a software key (ed25519, ecdsa 256/384/521, rsa >= 2048).
  static Result<PrivateKey> generate(KeyType type, unsigned bits = 0);

  void write(Writer& w) const;
  const PublicKey& public_key() const { return pub_; }
  bool is_security_key() const { return skagent::is_security_key(pub_.type); }

  // Security-key fields (sk types only).
  uint8_t sk_flags() const { return sk_flags_; }
  const Bytes& sk_key_handle() const { return sk_key_handle_; }
  const Bytes& sk_reserved() const { return sk_reserved_; }

  // Checks that the secret matches the public key and the key is sane (run
  // once when a key is added, not for every signature).
  Status validate() const;

  // Produces an SSH signature blob. Software keys only. RSA: `blinding` (may be null) keeps
  // the blinding pair between signatures with this key (ssh/rsa_sign.h).
  Result<Bytes> sign(ByteView data, RsaHash hash = RsaHash::sha512,
                     RsaBlinding* blinding = nullptr) const;

  // Attaches/strips a certificate (for key files and agent adds).
  void set_public_key(PublicKey pub) { pub_ = std::move(pub); }

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

  struct Secret;  // secret components (ssh/private_key_secret.h), wiped on destruction

 private:
  PrivateKey();
  PublicKey pub_;
  std::unique_ptr<Secret> secret_;
  uint8_t sk_flags_ = 0;
  Bytes sk_key_handle_, sk_reserved_;
};

}  // namespace skagent
