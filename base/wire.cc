// SPDX-License-Identifier: BSD-2-Clause
#include "base/wire.h"

namespace skagent {

bool Reader::raw(size_t n, ByteView& out) {
  if (n > remaining()) return false;
  out = data_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::u8(uint8_t& out) {
  if (remaining() < 1) return false;
  out = data_[pos_++];
  return true;
}

bool Reader::u32(uint32_t& out) {
  if (remaining() < 4) return false;
  const uint8_t* p = data_.data() + pos_;
  out = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  pos_ += 4;
  return true;
}

bool Reader::u64(uint64_t& out) {
  size_t start = pos_;
  uint32_t hi = 0, lo = 0;
  if (!u32(hi) || !u32(lo)) {
    pos_ = start;
    return false;
  }
  out = (uint64_t{hi} << 32) | lo;
  return true;
}

bool Reader::boolean(bool& out) {
  uint8_t v = 0;
  if (!u8(v)) return false;
  out = v != 0;
  return true;
}

bool Reader::string(ByteView& out) {
  size_t start = pos_;
  uint32_t len = 0;
  if (!u32(len) || !raw(len, out)) {
    pos_ = start;
    return false;
  }
  return true;
}

bool Reader::cstring(std::string& out) {
  size_t start = pos_;
  ByteView b;
  if (!string(b)) return false;
  for (uint8_t c : b) {
    if (c == 0) {
      pos_ = start;
      return false;
    }
  }
  out.assign(as_string(b));
  return true;
}

bool Reader::mpint(ByteView& out) {
  size_t start = pos_;
  ByteView b;
  if (!string(b)) return false;
  // As OpenSSH's sshbuf_get_bignum2_bytes_direct: refuse negative and
  // over-long values, accept and strip any leading zero bytes. Refusing a
  // padded value that OpenSSH accepts lets a peer make a check fail here
  // that passes there (a failed session-bind that ssh ignores).
  constexpr size_t kMaxBytes = 16384 / 8;
  bool negative = !b.empty() && (b[0] & 0x80) != 0;
  bool too_large = b.size() > kMaxBytes + 1 || (b.size() == kMaxBytes + 1 && b[0] != 0);
  if (negative || too_large) {
    pos_ = start;
    return false;
  }
  size_t skip = 0;
  while (skip < b.size() && b[skip] == 0) skip++;
  out = b.subspan(skip);
  return true;
}

bool Reader::mpint(Bytes& out) {
  ByteView v;
  if (!mpint(v)) return false;
  out = to_bytes(v);
  return true;
}

void Writer::u32(uint32_t v) {
  uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  raw(b);
}

void Writer::u64(uint64_t v) {
  u32(uint32_t(v >> 32));
  u32(uint32_t(v));
}

void Writer::string(ByteView b) {
  u32(uint32_t(b.size()));
  raw(b);
}

void Writer::mpint(ByteView magnitude) {
  size_t skip = 0;
  while (skip < magnitude.size() && magnitude[skip] == 0) skip++;
  ByteView m = magnitude.subspan(skip);
  bool pad = !m.empty() && (m[0] & 0x80) != 0;
  u32(uint32_t(m.size() + (pad ? 1 : 0)));
  if (pad) u8(0);
  raw(m);
}

Bytes as_ssh_string(ByteView b) {
  Writer w;
  w.string(b);
  return w.take();
}

}  // namespace skagent
