// SPDX-License-Identifier: BSD-2-Clause
// The symmetric ciphers OpenSSH accepts for the private section of an
// openssh-key-v1 file (ssh-keygen -Z), by their SSH names, over OpenSSL EVP.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

struct KeyCipher {
  enum class Mode { none, plain, gcm, chachapoly };
  std::string_view name;  // "aes256-ctr", "aes256-gcm@openssh.com", ...
  Mode mode;
  size_t key_len;  // bytes of key, then iv_len bytes of IV, from the KDF
  size_t iv_len;
  size_t block_size;  // the private section is padded to this
  size_t tag_len;     // authentication tag stored after the ciphertext
};

// nullptr when the name is not a cipher OpenSSH uses for key files.
const KeyCipher* key_cipher_by_name(std::string_view name);

// `key_iv` is key_len + iv_len bytes. `plain` must be a whole number of
// blocks. Returns the ciphertext followed by tag_len tag bytes.
Result<Bytes> key_cipher_encrypt(const KeyCipher& c, ByteView key_iv, ByteView plain);

// Checks `tag` (tag_len bytes) and decrypts. A tag mismatch fails with
// Errc::pin_invalid: for a key file it means the passphrase was wrong.
Result<Bytes> key_cipher_decrypt(const KeyCipher& c, ByteView key_iv, ByteView ciphertext,
                                 ByteView tag);

}  // namespace skagent
