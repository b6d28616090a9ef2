// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/base64.h"

#include <openssl/evp.h>

#include <climits>

namespace skagent {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Alphabet value of c, or -1.
int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

Error bad(const char* why) { return make_error(Errc::malformed, std::string("base64: ") + why); }

// Strips whitespace into `out` and checks the alphabet and the padding's
// shape; counts the padding characters.
Status compact(std::string_view text, std::string& out, size_t& padding) {
  out.reserve(text.size());
  padding = 0;
  for (char c : text) {
    if (is_space(c)) continue;
    if (c == '=') {
      padding++;
    } else if (padding != 0) {
      return bad("data after padding");
    } else if (value_of(c) < 0) {
      return bad("invalid character");
    }
    out.push_back(c);
  }
  if (out.size() % 4 != 0) return bad("length is not a multiple of 4");
  if (padding > 2) return bad("too much padding");
  if (out.size() > size_t(INT_MAX)) return make_error(Errc::limit, "base64: input too large");
  return {};
}

Result<Bytes> decode_compact(const std::string& s, size_t padding) {
  if (s.empty()) return Bytes{};
  // Bits hidden under the padding must be zero (canonical encoding).
  int last = value_of(s[s.size() - 1 - padding]);
  if ((padding == 1 && (last & 0x03) != 0) || (padding == 2 && (last & 0x0f) != 0)) {
    return bad("non-zero bits under padding");
  }
  Bytes out(s.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0 || size_t(n) != out.size()) return bad("decoder failed");
  // EVP_DecodeBlock counts padded positions as zero bytes.
  out.resize(out.size() - padding);
  return out;
}

}  // namespace

std::string base64_encode(ByteView data, bool pad) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  // EVP_EncodeBlock takes an int length; key material is far below that.
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(n < 0 ? 0 : size_t(n));
  if (!pad) {
    while (!out.empty() && out.back() == '=') out.pop_back();
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  // The text may be an unencrypted private key: wipe the working copy.
  std::string compacted;
  size_t padding = 0;
  Status st = compact(text, compacted, padding);
  Result<Bytes> out = st ? decode_compact(compacted, padding) : Result<Bytes>(st.error());
  secure_wipe(compacted.data(), compacted.size());
  return out;
}

}  // namespace skagent
