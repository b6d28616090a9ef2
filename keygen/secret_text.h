// SPDX-License-Identifier: BSD-2-Clause
// A PIN or passphrase: kept in locked memory that is excluded from core dumps
// and wiped when the object goes away.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "platform/secure_memory.h"

namespace skagent::keygen {

class SecretText {
 public:
  static constexpr size_t kMaxSize = 1023;  // as OpenSSH's read_passphrase

  SecretText() = default;
  // A copy of `text`, truncated to kMaxSize bytes; fails when no locked memory is to be had.
  static Result<SecretText> copy_of(std::string_view text) {
    SecretText t;
    auto buf = LockedBuffer::create(kMaxSize + 1);
    if (!buf) return buf.error();
    t.buf_ = std::move(*buf);
    t.size_ = text.size() < kMaxSize ? text.size() : kMaxSize;
    for (size_t i = 0; i < t.size_; i++) t.buf_->data()[i] = uint8_t(text[i]);
    t.buf_->data()[t.size_] = 0;
    return t;
  }
  SecretText(SecretText&&) noexcept = default;
  SecretText& operator=(SecretText&&) noexcept = default;

  // NUL-terminated, for C interfaces.
  const char* c_str() const { return buf_ ? reinterpret_cast<const char*>(buf_->data()) : ""; }
  std::string_view view() const { return {c_str(), size_}; }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<LockedBuffer> buf_;
  size_t size_ = 0;
};

}  // namespace skagent::keygen
