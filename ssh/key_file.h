// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH key files: openssh-key-v1 private keys (PROTOCOL.key), plain or
// passphrase-protected, and one-line public keys ("type base64 comment", as
// in id_ed25519.pub and id_ed25519-cert.pub).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"
#include "ssh/private_key.h"

namespace skagent {

struct LoadedPrivateKey {
  PrivateKey key;
  std::string comment;
};

// What can be learnt from a private key file without its passphrase.
struct PrivateKeyFileInfo {
  PublicKey public_key;
  std::string cipher;   // "none", "aes256-ctr", ...
  std::string kdf;      // "none" or "bcrypt"
  uint32_t rounds = 0;  // bcrypt rounds (0 when unencrypted)
  bool encrypted() const { return kdf != "none"; }
};

// Parses the armour and the unencrypted envelope only.
Result<PrivateKeyFileInfo> inspect_private_key_file(ByteView text);

// Reads and, when needed, decrypts a private key file. Errors: Errc::pin_required
// (encrypted, empty passphrase), Errc::pin_invalid (wrong passphrase),
// Errc::unsupported (unknown cipher, KDF or key type), Errc::malformed.
// Like OpenSSH, only one key per file, and text after the END line is ignored.
Result<LoadedPrivateKey> read_private_key_file(ByteView text, std::string_view passphrase);

struct KeyFileWriteOptions {
  std::string_view passphrase;  // empty: unencrypted (cipher and KDF "none")
  std::string_view cipher = "aes256-ctr";
  uint32_t rounds = 16;  // bcrypt rounds, as ssh-keygen -a
};

// Serialises `key` as ssh-keygen does: 70-column base64, random check
// integers and salt, padding 1, 2, 3, ...
Result<std::string> write_private_key_file(const PrivateKey& key, std::string_view comment,
                                           const KeyFileWriteOptions& options = {});

struct PublicKeyLine {
  PublicKey key;
  std::string comment;  // may be empty
};

// Parses one public key line; surrounding whitespace and a final newline
// are allowed. The type word must name the blob's own type.
Result<PublicKeyLine> parse_public_key_line(std::string_view line);

// "type base64[ comment]", without a trailing newline.
std::string format_public_key_line(const PublicKey& key, std::string_view comment);

}  // namespace skagent
