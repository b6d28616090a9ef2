// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/printable.h"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace skagent {

namespace {

// Code points that must not reach a person as themselves: they break or
// reorder lines, or are invisible (Unicode Zl, Zp, Cf, C1, and the spaces
// other than U+0020 that can fake alignment), so a client, a server, a key
// comment or a command line could forge prompt lines with them.
bool hidden_code_point(uint32_t cp) {
  static constexpr std::pair<uint32_t, uint32_t> kRanges[] = {
      {0x0080, 0x00a0},   {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x0600, 0x0605},
      {0x061c, 0x061c},   {0x06dd, 0x06dd},   {0x070f, 0x070f},   {0x0890, 0x0891},
      {0x08e2, 0x08e2},   {0x115f, 0x1160},   {0x1680, 0x1680},   {0x180b, 0x180f},
      {0x2000, 0x200f},   {0x2028, 0x202f},   {0x205f, 0x206f},   {0x3000, 0x3000},
      {0x3164, 0x3164},   {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},   {0xffa0, 0xffa0},
      {0xfff0, 0xfffb},   {0xfffe, 0xffff},   {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
      {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0000, 0xe0fff},
  };
  for (const auto& [lo, hi] : kRanges) {
    if (cp >= lo && cp <= hi) return true;
  }
  return false;
}

// One UTF-8 sequence at s[i]: its length and code point, or 0 when invalid
// (bad lead or continuation byte, truncated, overlong, surrogate, > U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c >= 0xc2 && c < 0xe0   ? 2
               : c >= 0xe0 && c < 0xf0 ? 3
               : c >= 0xf0 && c < 0xf5 ? 4
                                       : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
  for (size_t k = 1; k < len; k++) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

std::string hex_escape(const char* fmt, uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof(buf), fmt, unsigned(v));
  return buf;
}

}  // namespace

std::string printable(std::string_view s, size_t max) {
  static constexpr std::string_view kCut = "...[cut]";
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::string piece;
    size_t used = 1;
    uint32_t cp = 0;
    if (c == '\\') {
      piece = "\\\\";  // so that a visible escape cannot be faked
    } else if (c >= 0x20 && c < 0x7f) {
      piece.assign(1, char(c));
    } else if (c < 0x80) {
      piece = hex_escape("\\x%02x", c);  // C0 controls and DEL
    } else if (size_t len = utf8_sequence(s, i, cp); len == 0) {
      piece = hex_escape("\\x%02x", c);  // invalid UTF-8, one byte at a time
    } else if (hidden_code_point(cp)) {
      piece = hex_escape(cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
      used = len;
    } else {
      piece.assign(s.substr(i, len));
      used = len;
    }
    if (out.size() + piece.size() > max) break;  // never half an escape or character
    out += piece;
    i += used;
  }
  if (i < s.size()) out += kCut;
  return out;
}

}  // namespace skagent
