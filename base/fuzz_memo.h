// SPDX-License-Identifier: BSD-2-Clause
// Fuzzing builds only (make fuzz-build defines SKAGENT_FUZZING): a bounded memo of answers that
// depend on nothing but their key, so that a dispatcher harness repeating a costly check with
// the same inputs (an RSA key's consistency check, a signature verification, a lock password's
// bcrypt hash) pays for it once. Anything that differs in one byte of the key is computed in
// full. Production builds never see this class.
#pragma once

#ifdef SKAGENT_FUZZING

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>

#include "base/bytes.h"

namespace skagent {

template <class V>
class FuzzMemo {
 public:
  explicit FuzzMemo(size_t capacity) : capacity_(capacity) {}

  std::optional<V> find(const Bytes& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = answers_.find(key);
    if (it == answers_.end()) return std::nullopt;
    return it->second;
  }
  // Once `capacity` answers are held, all are forgotten: memory stays bounded however long the
  // harness runs.
  void remember(Bytes key, V answer) {
    std::lock_guard<std::mutex> lock(mu_);
    if (answers_.size() >= capacity_) answers_.clear();
    answers_.emplace(std::move(key), std::move(answer));
  }

 private:
  const size_t capacity_;
  std::mutex mu_;  // the worker pool's threads check keys and signatures too
  std::map<Bytes, V> answers_;
};

}  // namespace skagent

#endif  // SKAGENT_FUZZING
