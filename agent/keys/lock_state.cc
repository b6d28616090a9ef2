// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/lock_state.h"

#include <openssl/rand.h>

#include <algorithm>

#include "base/fuzz_memo.h"
#include "base/wire.h"
#include "ssh/bcrypt_pbkdf.h"

namespace skagent {

namespace {

constexpr size_t kSaltSize = 16, kHashSize = 32;
constexpr uint32_t kRounds = 1;

Result<Bytes> hash_password(ByteView password, ByteView salt) {
#ifdef SKAGENT_FUZZING
  // Fuzzing builds only (make fuzz-build): a password hashed before with the same salt is not
  // hashed again (bcrypt_pbkdf was a quarter of the dispatcher harness's time; its inputs lock
  // and unlock with the same few passwords), and the salt is fixed (fill_salt) so that a lock
  // finds the hash too. Any other password is hashed in full.
  static FuzzMemo<Bytes> seen(4096);
  Writer id;
  id.string(password);
  id.string(salt);
  if (auto hash = seen.find(id.bytes())) return *hash;
#endif
  Bytes out(kHashSize);
  if (auto s = bcrypt_pbkdf(password, salt, out, kRounds); !s) return s.error();
#ifdef SKAGENT_FUZZING
  seen.remember(id.take(), out);
#endif
  return out;
}

bool fill_salt(Bytes& salt) {
#ifdef SKAGENT_FUZZING
  std::fill(salt.begin(), salt.end(), uint8_t(0x5a));
  return true;
#else
  return RAND_bytes(salt.data(), int(salt.size())) == 1;
#endif
}

}  // namespace

Status LockState::lock(ByteView password) {
  if (locked_) return make_error(Errc::denied, "agent already locked");
  if (password.empty()) return make_error(Errc::denied, "empty password not supported");
  salt_.resize(kSaltSize);
  if (!fill_salt(salt_)) {
    return make_error(Errc::crypto, "no randomness for the lock salt");
  }
  auto h = hash_password(password, salt_);
  if (!h) return h.error();
  hash_ = std::move(*h);
  locked_ = true;
  return {};
}

Status LockState::unlock(ByteView password) {
  if (!locked_) return make_error(Errc::denied, "agent is not locked");
  // An empty guess is a failed guess too (bcrypt_pbkdf refuses it), delay included.
  auto h = password.empty() ? Result<Bytes>(Bytes{}) : hash_password(password, salt_);
  if (!h) return h.error();
  if (!equal_ct(*h, hash_)) {
    if (failures_ < 100) failures_++;
    auto delay = step_ * failures_;
    next_attempt_ = Clock::now() + delay;
    auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count() / 100;
    return make_error(Errc::denied, "unlock failed, delaying " + std::to_string(tenths / 10) + "." +
                                        std::to_string(tenths % 10) + " seconds");
  }
  locked_ = false;
  failures_ = 0;
  // Freed, not just emptied: a self-wiping buffer wipes when its memory is released, and the
  // salt and hash are an offline brute-force target for anyone who can read the heap later.
  Bytes().swap(hash_);
  Bytes().swap(salt_);
  return {};
}

}  // namespace skagent
