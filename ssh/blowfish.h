// SPDX-License-Identifier: BSD-2-Clause
// Blowfish with the expensive key schedule of eksblowfish, as bcrypt_pbkdf
// needs it. OpenSSL 3's default provider has no Blowfish, and none has the
// salted "expandstate" step, so this one primitive is written by hand.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace skagent {

class Blowfish {
 public:
  Blowfish();  // the initial state (digits of pi), before any key
  ~Blowfish();
  Blowfish(const Blowfish&) = delete;
  Blowfish& operator=(const Blowfish&) = delete;

  // One pass of the Blowfish key schedule: XORs `key` (cycled) into the
  // P-array, then refills P and S by encrypting a running block. A fresh
  // object followed by expand(key) is standard Blowfish keying.
  void expand(ByteView key);
  // eksblowfish's salted pass: as expand(key), but the running block is
  // also XORed with `salt` (cycled) before each encryption.
  void expand(ByteView salt, ByteView key);

  // Encrypts one 64-bit block given as two big-endian halves.
  void encrypt(uint32_t& left, uint32_t& right) const;

 private:
  class Cycle;  // reads 32-bit big-endian words from bytes, wrapping around
  void rekey(Cycle& key, Cycle* salt);
  uint32_t f(uint32_t x) const;

  uint32_t p_[18];
  uint32_t s_[4][256];
};

}  // namespace skagent
