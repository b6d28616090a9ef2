// SPDX-License-Identifier: BSD-2-Clause
// Bounds-checked reader and writer for the SSH wire types (RFC 4251 §5).
// Every read is checked: a read that would pass the end fails and leaves the
// reader unchanged, so a parser can never look outside the span it was given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace skagent {

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  [[nodiscard]] bool u8(uint8_t& out);
  [[nodiscard]] bool u32(uint32_t& out);
  [[nodiscard]] bool u64(uint64_t& out);
  [[nodiscard]] bool boolean(bool& out);
  [[nodiscard]] bool raw(size_t n, ByteView& out);
  // string: uint32 length then bytes; the view points into the input.
  [[nodiscard]] bool string(ByteView& out);
  // A string that must be text: no NUL bytes allowed.
  [[nodiscard]] bool cstring(std::string& out);
  // mpint as a non-negative magnitude without leading zeros: negative and
  // over-long (> 16384 bits) values are refused, leading zero bytes are
  // accepted and stripped, exactly as OpenSSH's sshbuf_get_bignum2 does.
  [[nodiscard]] bool mpint(ByteView& out);
  // The same, copied out (key components that outlive the input).
  [[nodiscard]] bool mpint(Bytes& out);

  ByteView rest() const { return data_.subspan(pos_); }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return pos_ == data_.size(); }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(v); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void boolean(bool v) { u8(v ? 1 : 0); }
  void raw(ByteView b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void string(ByteView b);
  void string(std::string_view s) { string(view(s)); }
  // mpint from a big-endian magnitude (leading zeros are stripped).
  void mpint(ByteView magnitude);

  // Room for n more bytes: a large message written in many small steps then grows once
  // instead of by doubling (each step copying the buffer and wiping the old one).
  void reserve(size_t n) { buf_.reserve(buf_.size() + n); }

  const Bytes& bytes() const { return buf_; }
  Bytes take() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }

 private:
  Bytes buf_;
};

// Wraps a writer's bytes as one SSH string (used for nested structures).
Bytes as_ssh_string(ByteView b);

}  // namespace skagent
