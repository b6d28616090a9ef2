// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace skagent {
namespace {

std::string decode_str(std::string_view text) {
  auto r = base64_decode(text);
  EXPECT_TRUE(r.ok()) << "decoding \"" << text << "\": " << (r ? "" : r.error().message);
  return r ? std::string(as_string(*r)) : std::string("<error>");
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(view(plain)), encoded);
    EXPECT_EQ(decode_str(encoded), plain);
  }
}

TEST(Base64, UnpaddedEncoding) {
  EXPECT_EQ(base64_encode(view("f"), false), "Zg");
  EXPECT_EQ(base64_encode(view("fo"), false), "Zm8");
  EXPECT_EQ(base64_encode(view("foo"), false), "Zm9v");
}

TEST(Base64, AllByteValuesRoundTrip) {
  for (size_t len = 0; len < 300; len++) {
    Bytes data(len);
    for (size_t i = 0; i < len; i++) data[i] = uint8_t(i * 37 + len);
    std::string text = base64_encode(data);
    EXPECT_EQ(text.size(), 4 * ((len + 2) / 3));
    auto back = base64_decode(text);
    ASSERT_TRUE(back.ok()) << len;
    EXPECT_EQ(*back, data) << len;
  }
}

TEST(Base64, WhitespaceIsSkipped) {
  EXPECT_EQ(decode_str("Zm9v\nYmFy\n"), "foobar");
  EXPECT_EQ(decode_str("  Zm 9v\r\nYm\tFy  "), "foobar");
  EXPECT_EQ(decode_str("Zm8=\n"), "fo");
  EXPECT_EQ(decode_str("Zm8\n="), "fo");
  EXPECT_EQ(decode_str("\n \t"), "");
}

// From the base64 fuzz harness (tests/fuzz/base64_fuzz.cc): a lone "\v" decodes to nothing.
// The decoder skips all six ASCII whitespace characters, as isspace() does; the harness's own
// check had left out \v and \f.
TEST(Base64, VerticalTabAndFormFeedAreWhitespace) {
  EXPECT_EQ(decode_str("\v"), "");
  EXPECT_EQ(decode_str("Zm\f9v\v"), "foo");
}

TEST(Base64, RejectsInvalidCharacters) {
  for (const char* bad : {"Zm9*", "Zm9-", "Zm9_", "Zm.v", "Zm9v\x80", "Zm9v!"}) {
    auto r = base64_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::malformed);
  }
  std::string with_nul("Zm9v", 4);
  with_nul.push_back('\0');
  EXPECT_FALSE(base64_decode(with_nul).ok());
}

TEST(Base64, RejectsBadPadding) {
  for (const char* bad :
       {"Zg", "Zg=", "Zm8", "Z", "Zg===", "Z===", "====", "Zg==Zg==", "Zg=a", "Zm9vY", "=Zm9"}) {
    EXPECT_FALSE(base64_decode(bad).ok()) << bad;
  }
}

TEST(Base64, RejectsNonCanonicalPaddingBits) {
  EXPECT_FALSE(base64_decode("Zh==").ok());  // 'h' leaves bits under "=="
  EXPECT_FALSE(base64_decode("Zm9=").ok());  // '9' leaves bits under "="
  EXPECT_TRUE(base64_decode("Zg==").ok());
  EXPECT_TRUE(base64_decode("Zm8=").ok());
}

}  // namespace
}  // namespace skagent
