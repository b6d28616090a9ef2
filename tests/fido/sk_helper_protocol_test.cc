// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sk_helper_protocol.h"

#include <gtest/gtest.h>

#include <string>

#include "base/wire.h"

namespace skagent {
namespace {

Bytes bytes_of(std::string_view s) { return to_bytes(view(s)); }

SkSignRequest sample_request() {
  SkSignRequest r;
  r.alg = 1;
  r.data = bytes_of(std::string_view("data\0with\xffnul", 13));
  r.application = "ssh:";
  r.key_handle = bytes_of(std::string_view("\x01\x00\x02handle", 9));
  r.flags = 0x05;
  r.pin.assign("1234");
  return r;
}

SkSignResult sample_result() {
  SkSignResult r;
  r.sig_r = Bytes(32, 0xaa);
  r.sig_s = Bytes(32, 0x55);
  r.flags = 0x01;
  r.counter = 0xdeadbeef;
  return r;
}

void expect_same(const SkSignRequest& a, const SkSignRequest& b) {
  EXPECT_EQ(a.alg, b.alg);
  EXPECT_TRUE(equal(a.data, b.data));
  EXPECT_EQ(a.application, b.application);
  EXPECT_TRUE(equal(a.key_handle, b.key_handle));
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.pin.view(), b.pin.view());
}

TEST(SkHelperProtocol, RequestRoundTrip) {
  SkSignRequest req = sample_request();
  auto back = decode_sign_request(encode_sign_request(req));
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_same(req, *back);
}

TEST(SkHelperProtocol, RequestRoundTripEmptyFields) {
  SkSignRequest req;  // every field empty or zero
  auto back = decode_sign_request(encode_sign_request(req));
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_same(req, *back);
  req.alg = 0xffffffff;
  req.flags = 0xff;
  req.data = Bytes(100000, 0x11);
  auto big = decode_sign_request(encode_sign_request(req));
  ASSERT_TRUE(big.ok()) << big.error().message;
  expect_same(req, *big);
}

TEST(SkHelperProtocol, ReplyRoundTrip) {
  SkSignResult res = sample_result();
  auto back = decode_sign_reply(encode_sign_reply(res));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(equal(back->sig_r, res.sig_r));
  EXPECT_TRUE(equal(back->sig_s, res.sig_s));
  EXPECT_EQ(back->flags, res.flags);
  EXPECT_EQ(back->counter, res.counter);
  SkSignResult ed;  // Ed25519: 64 bytes in sig_r, sig_s empty
  ed.sig_r = Bytes(64, 7);
  auto e = decode_sign_reply(encode_sign_reply(ed));
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->sig_r.size(), 64u);
  EXPECT_TRUE(e->sig_s.empty());
}

TEST(SkHelperProtocol, ErrorReplyRoundTripForEveryCode) {
  for (uint32_t code = 0; code <= uint32_t(Errc::internal); code++) {
    Result<SkSignResult> err = make_error(Errc(code), "reason " + std::to_string(code));
    auto back = decode_sign_reply(encode_sign_reply(err));
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().code, Errc(code));
    EXPECT_EQ(back.error().message, "reason " + std::to_string(code));
  }
  Result<SkSignResult> pin = make_error(Errc::pin_required, "");
  auto back = decode_sign_reply(encode_sign_reply(pin));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, Errc::pin_required);
  EXPECT_EQ(back.error().message, "");
}

// The PIN tries a token has left travel as a field, not inside the message text.
TEST(SkHelperProtocol, ErrorReplyCarriesPinRetries) {
  for (int retries : {0, 1, 7, 255}) {
    Error e = make_error(Errc::pin_invalid, "wrong PIN");  // no number in the text
    e.pin_retries = retries;
    auto back = decode_sign_reply(encode_sign_reply(Result<SkSignResult>(e)));
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().code, Errc::pin_invalid);
    EXPECT_EQ(back.error().message, "wrong PIN");
    EXPECT_EQ(back.error().pin_retries, retries);
  }
  auto unknown = decode_sign_reply(
      encode_sign_reply(Result<SkSignResult>(make_error(Errc::pin_invalid, "2 retries left"))));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().pin_retries, -1) << "read back out of the text";
}

Bytes error_reply(uint32_t code, std::string_view msg) {
  Writer w;
  w.u8(1);
  w.u32(code);
  w.string(msg);
  return w.take();
}

TEST(SkHelperProtocol, BadPinRetriesAreMalformed) {
  for (uint32_t retries : {256u, 0xffffffffu}) {
    Bytes b = error_reply(uint32_t(Errc::pin_invalid), "x");
    Writer w;
    w.u32(retries);
    b.insert(b.end(), w.bytes().begin(), w.bytes().end());
    auto r = decode_sign_reply(b);
    ASSERT_FALSE(r.ok()) << retries;
    EXPECT_EQ(r.error().code, Errc::malformed) << retries;
  }
  Bytes trailing = error_reply(uint32_t(Errc::pin_invalid), "x");
  trailing.push_back(0);  // not a whole uint32
  EXPECT_EQ(decode_sign_reply(trailing).error().code, Errc::malformed);
}

TEST(SkHelperProtocol, ErrorCodeOutOfRangeIsMalformed) {
  for (uint32_t code : {uint32_t(Errc::internal) + 1, 0x100u, 0x80000000u, 0xffffffffu}) {
    auto r = decode_sign_reply(error_reply(code, "x"));
    ASSERT_FALSE(r.ok()) << code;
    EXPECT_EQ(r.error().code, Errc::malformed) << code;
  }
}

TEST(SkHelperProtocol, RequestKinds) {
  auto sign = sk_request_kind(encode_sign_request(sample_request()));
  ASSERT_TRUE(sign.ok());
  EXPECT_EQ(*sign, SkRequestKind::sign);
  auto check = sk_request_kind(encode_check_cards_request());
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, SkRequestKind::check_cards);
  for (Bytes b : {Bytes{}, Bytes{0}, Bytes{3}, Bytes{0xFF}, Bytes{2, 0}, Bytes{2, 2, 2}}) {
    auto k = sk_request_kind(b);
    ASSERT_FALSE(k.ok()) << b.size();
    EXPECT_EQ(k.error().code, Errc::malformed);
  }
}

TEST(SkHelperProtocol, CardCheckReplies) {
  for (bool left : {false, true}) {
    auto r = decode_check_cards_reply(encode_check_cards_reply(left));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, left);
  }
  auto failed = decode_check_cards_reply(error_reply(uint32_t(Errc::io), "no pcscd"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::io);
  EXPECT_EQ(failed.error().message, "no pcscd");
  // Not 0 or 1, truncated, trailing bytes, a sign reply, an unknown status.
  for (Bytes b : {Bytes{}, Bytes{0}, Bytes{0, 2}, Bytes{0, 1, 0}, Bytes{2, 1},
                  encode_sign_reply(sample_result()), error_reply(0xffff, "x")}) {
    auto r = decode_check_cards_reply(b);
    ASSERT_FALSE(r.ok()) << b.size();
    EXPECT_EQ(r.error().code, Errc::malformed);
  }
}

TEST(SkHelperProtocol, EveryTruncationOfRequestFails) {
  Bytes full = encode_sign_request(sample_request());
  for (size_t len = 0; len < full.size(); len++) {
    EXPECT_FALSE(decode_sign_request(ByteView(full.data(), len)).ok()) << len;
  }
}

TEST(SkHelperProtocol, EveryTruncationOfReplyFails) {
  Bytes full = encode_sign_reply(sample_result());
  for (size_t len = 0; len < full.size(); len++) {
    auto r = decode_sign_reply(ByteView(full.data(), len));
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.error().code, Errc::malformed) << len;
  }
}

TEST(SkHelperProtocol, EveryTruncationOfErrorReplyIsMalformed) {
  Bytes full = encode_sign_reply(Result<SkSignResult>(make_error(Errc::denied, "no touch")));
  for (size_t len = 0; len < full.size(); len++) {
    auto r = decode_sign_reply(ByteView(full.data(), len));
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.error().code, Errc::malformed) << len;  // not the helper's "denied"
  }
}

TEST(SkHelperProtocol, TrailingBytesRefused) {
  Bytes req = encode_sign_request(sample_request());
  req.push_back(0);
  EXPECT_FALSE(decode_sign_request(req).ok());
  Bytes ok = encode_sign_reply(sample_result());
  ok.push_back(0);
  EXPECT_FALSE(decode_sign_reply(ok).ok());
  Bytes err = error_reply(uint32_t(Errc::denied), "x");
  err.push_back(0);
  auto r = decode_sign_reply(err);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(SkHelperProtocol, UnknownTypesRefused) {
  Bytes req = encode_sign_request(sample_request());
  for (int t : {0, 2, 255}) {
    req[0] = uint8_t(t);
    EXPECT_FALSE(decode_sign_request(req).ok()) << t;
  }
  Bytes rep = encode_sign_reply(sample_result());
  for (int t : {2, 3, 255}) {
    rep[0] = uint8_t(t);
    auto r = decode_sign_reply(rep);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.error().code, Errc::malformed) << t;
  }
}

TEST(SkHelperProtocol, LengthsPastTheEndRefused) {
  // Request: data length claims 4 GiB.
  Writer w;
  w.u8(1);
  w.u32(0);
  w.u32(0xffffffff);
  w.raw(bytes_of("short"));
  EXPECT_FALSE(decode_sign_request(w.bytes()).ok());
  // Reply: sig_r length one past the end.
  Writer r;
  r.u8(0);
  r.u32(9);
  r.raw(bytes_of("12345678"));
  EXPECT_FALSE(decode_sign_reply(r.bytes()).ok());
  // Error reply: message length past the end.
  Writer e;
  e.u8(1);
  e.u32(0);
  e.u32(0x7fffffff);
  EXPECT_FALSE(decode_sign_reply(e.bytes()).ok());
}

TEST(SkHelperProtocol, TextFieldsWithNulRefused) {
  SkSignRequest app = sample_request();
  app.application = std::string("ssh:\0evil", 9);
  EXPECT_FALSE(decode_sign_request(encode_sign_request(app)).ok());
  SkSignRequest pin = sample_request();
  pin.pin.assign(
      std::string_view("12\0"
                       "34",
                       5));
  EXPECT_FALSE(decode_sign_request(encode_sign_request(pin)).ok());
  auto r = decode_sign_reply(error_reply(0, std::string_view("a\0b", 3)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(SkHelperProtocol, PinsDecodeIntoASecretAndOverlongOnesAreRefused) {
  auto back = decode_sign_request(encode_sign_request(sample_request()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_STREQ(back->pin.c_str(), "1234");  // what the token library gets
  Writer w;
  w.u8(1);
  w.u32(1);
  w.string("");
  w.string("ssh:");
  w.string("");
  w.u8(5);
  w.string(std::string(Secret::kCapacity + 1, '7'));
  auto r = decode_sign_request(w.bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

// Every corruption of one byte (inverted) of `good`: decoding it does not crash, and what
// decodes encodes back to the corrupted bytes, never to the original value.
template <class Decode, class Encode>
void expect_each_corruption_handled(ByteView good, Decode decode, Encode encode) {
  for (size_t i = 0; i < good.size(); i++) {
    Bytes b(good.begin(), good.end());
    b[i] ^= 0xff;
    auto r = decode(b);
    if (r.ok()) {
      EXPECT_EQ(encode(r), b) << i;
    }
  }
}

TEST(SkHelperProtocol, EverySingleByteCorruptionIsHandled) {
  // Not a parser crash, and never the original value when a length changes.
  expect_each_corruption_handled(
      encode_sign_request(sample_request()), [](ByteView b) { return decode_sign_request(b); },
      [](const auto& r) { return encode_sign_request(*r); });
  expect_each_corruption_handled(
      encode_sign_reply(sample_result()), [](ByteView b) { return decode_sign_reply(b); },
      [](const auto& r) { return encode_sign_reply(r); });
}

}  // namespace
}  // namespace skagent
