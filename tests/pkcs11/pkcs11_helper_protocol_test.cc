// SPDX-License-Identifier: BSD-2-Clause
// The agent <-> skagent-pkcs11-helper protocol: round trips, and hostile
// input from either side (the helper runs a library we do not trust).
#include "pkcs11/pkcs11_helper_protocol.h"

#include <gtest/gtest.h>

#include <random>

#include "ssh/private_key.h"
#include "base/wire.h"
#include "tests/common/mutate.h"

namespace skagent::pkcs11 {
namespace {

Bytes bytes_of(std::string_view s) { return to_bytes(view(s)); }

Bytes key_blob(KeyType t, unsigned bits = 0) {
  auto k = PrivateKey::generate(t, bits);
  EXPECT_TRUE(k.ok());
  return k->public_key().blob();
}

LoadReply sample_load() {
  LoadReply r;
  r.keys.push_back({key_blob(KeyType::ecdsa_p256), "ec key"});
  r.keys.push_back({key_blob(KeyType::ed25519), ""});
  r.keys.push_back({key_blob(KeyType::ecdsa_p384), "label with\nnewline"});
  r.notes = {"certificate \"x\" skipped: whatever", ""};
  return r;
}

TEST(Pkcs11Protocol, RequestsRoundTrip) {
  Bytes pin =
      bytes_of(std::string_view("12\0"
                                "34",
                                5));  // a PIN is bytes, NUL included
  auto load = decode_request(encode_load_request(pin));
  ASSERT_TRUE(load.ok()) << load.error().message;
  EXPECT_EQ(load->type, RequestType::load);
  EXPECT_EQ(load->pin, pin);

  auto empty_pin = decode_request(encode_load_request({}));
  ASSERT_TRUE(empty_pin.ok());
  EXPECT_TRUE(empty_pin->pin.empty());

  Bytes blob = key_blob(KeyType::ed25519);
  Bytes data(100000, 0x5a);
  auto sign = decode_request(encode_sign_request(blob, data, 0x04));
  ASSERT_TRUE(sign.ok()) << sign.error().message;
  EXPECT_EQ(sign->type, RequestType::sign);
  EXPECT_EQ(sign->key_blob, blob);
  EXPECT_EQ(sign->data, data);
  EXPECT_EQ(sign->flags, 0x04u);

  auto check = decode_request(encode_check_request());
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->type, RequestType::check);
}

TEST(Pkcs11Protocol, RepliesRoundTrip) {
  LoadReply in = sample_load();
  auto out = decode_load_reply(encode_load_reply(in));
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->keys.size(), in.keys.size());
  for (size_t i = 0; i < in.keys.size(); i++) {
    EXPECT_EQ(out->keys[i].blob, in.keys[i].blob);
    EXPECT_EQ(out->keys[i].label, in.keys[i].label);
  }
  EXPECT_EQ(out->notes, in.notes);

  Bytes sig = bytes_of("signature blob");
  auto s = decode_sign_reply(encode_sign_reply(sig));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, sig);

  for (bool present : {true, false}) {
    auto c = decode_check_reply(encode_check_reply(present));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c, present);
  }
}

TEST(Pkcs11Protocol, ErrorsKeepTheirCodeAndMessage) {
  for (Errc code : {Errc::not_found, Errc::pin_invalid, Errc::timeout, Errc::internal}) {
    Bytes e = encode_error_reply(make_error(code, "C_Sign: CKR_DEVICE_REMOVED"));
    auto l = decode_load_reply(e);
    auto s = decode_sign_reply(e);
    auto c = decode_check_reply(e);
    ASSERT_FALSE(l.ok());
    ASSERT_FALSE(s.ok());
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(l.error().code, code);
    EXPECT_EQ(s.error().code, code);
    EXPECT_EQ(s.error().message, "C_Sign: CKR_DEVICE_REMOVED");
  }
  // A NUL in a message from the module is replaced, not a reason to drop the error.
  auto s = decode_sign_reply(encode_error_reply(make_error(Errc::crypto, std::string("a\0b", 3))));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::crypto);
  EXPECT_EQ(s.error().message, "a?b");
}

TEST(Pkcs11Protocol, HostileRequestsAreRefused) {
  EXPECT_FALSE(decode_request({}).ok());
  EXPECT_FALSE(decode_request(Bytes{0}).ok());
  EXPECT_FALSE(decode_request(Bytes{4}).ok());
  EXPECT_FALSE(decode_request(Bytes{0xff}).ok());
  Bytes check = encode_check_request();
  check.push_back(0);
  EXPECT_FALSE(decode_request(check).ok());
  Bytes long_pin(kMaxPin + 1, '1');
  EXPECT_FALSE(decode_request(encode_load_request(long_pin)).ok());
  EXPECT_TRUE(decode_request(encode_load_request(Bytes(kMaxPin, '1'))).ok());
  // Every truncation and every extension of valid requests fails cleanly.
  for (const Bytes& full : {encode_load_request(bytes_of("1234")),
                            encode_sign_request(key_blob(KeyType::ed25519), bytes_of("data"), 2)}) {
    for (size_t n = 0; n < full.size(); n++) {
      EXPECT_FALSE(decode_request(ByteView(full).first(n)).ok()) << n;
    }
    Bytes longer = full;
    longer.push_back(0);
    EXPECT_FALSE(decode_request(longer).ok());
  }
  // A length field claiming more than there is.
  Bytes lie = {uint8_t(RequestType::load), 0xff, 0xff, 0xff, 0xff, '1'};
  EXPECT_FALSE(decode_request(lie).ok());
}

TEST(Pkcs11Protocol, HostileRepliesAreRefused) {
  EXPECT_FALSE(decode_load_reply({}).ok());
  EXPECT_FALSE(decode_sign_reply(Bytes{2}).ok());  // unknown status
  // Truncations of every reply, each read by its own decoder; a truncated
  // error reply is malformed, not the error it was carrying.
  Bytes load_full = encode_load_reply(sample_load());
  for (size_t n = 0; n < load_full.size(); n++) {
    EXPECT_FALSE(decode_load_reply(ByteView(load_full).first(n)).ok()) << n;
  }
  Bytes sign_full = encode_sign_reply(bytes_of("sig"));
  for (size_t n = 0; n < sign_full.size(); n++) {
    EXPECT_FALSE(decode_sign_reply(ByteView(sign_full).first(n)).ok()) << n;
  }
  Bytes check_full = encode_check_reply(false);
  for (size_t n = 0; n < check_full.size(); n++) {
    EXPECT_FALSE(decode_check_reply(ByteView(check_full).first(n)).ok()) << n;
  }
  Bytes err_full = encode_error_reply(make_error(Errc::io, "x"));
  for (size_t n = 1; n < err_full.size(); n++) {
    auto r = decode_sign_reply(ByteView(err_full).first(n));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::malformed) << n;
  }
  // Trailing bytes.
  Bytes load = encode_load_reply(sample_load());
  load.push_back(0);
  EXPECT_FALSE(decode_load_reply(load).ok());
  Bytes check = encode_check_reply(true);
  check.push_back(1);
  EXPECT_FALSE(decode_check_reply(check).ok());
  // Error codes outside the enum.
  Writer bad_code;
  bad_code.u8(1);
  bad_code.u32(uint32_t(Errc::internal) + 1);
  bad_code.string("x");
  EXPECT_EQ(decode_sign_reply(bad_code.bytes()).error().code, Errc::malformed);
  // An empty or oversized signature.
  EXPECT_FALSE(decode_sign_reply(encode_sign_reply({})).ok());
  EXPECT_FALSE(decode_sign_reply(encode_sign_reply(Bytes(kMaxSignature + 1, 1))).ok());
}

TEST(Pkcs11Protocol, LoadRepliesOnlyCarryPlainTokenKeyTypes) {
  auto with_key = [](Bytes blob) {
    LoadReply r;
    r.keys.push_back({std::move(blob), "k"});
    return decode_load_reply(encode_load_reply(r));
  };
  EXPECT_TRUE(with_key(key_blob(KeyType::rsa, 2048)).ok());
  EXPECT_TRUE(with_key(key_blob(KeyType::ecdsa_p521)).ok());
  EXPECT_FALSE(with_key(bytes_of("not a key")).ok());
  EXPECT_FALSE(with_key({}).ok());
  Bytes ed = key_blob(KeyType::ed25519);
  ed.push_back(0);  // trailing byte inside the blob
  EXPECT_FALSE(with_key(ed).ok());
  // A security-key type is never a token key.
  Writer sk;
  sk.string("sk-ssh-ed25519@openssh.com");
  sk.string(Bytes(32, 1));
  sk.string("ssh:");
  EXPECT_FALSE(with_key(sk.take()).ok());
}

TEST(Pkcs11Protocol, LoadReplyCountsAndSizesAreBounded) {
  Writer many;
  many.u8(0);
  many.u32(uint32_t(kMaxKeys + 1));
  EXPECT_FALSE(decode_load_reply(many.bytes()).ok());
  Writer notes;
  notes.u8(0);
  notes.u32(0);
  notes.u32(uint32_t(kMaxNotes + 1));
  EXPECT_FALSE(decode_load_reply(notes.bytes()).ok());
  LoadReply long_label;
  long_label.keys.push_back({key_blob(KeyType::ed25519), std::string(kMaxText + 1, 'a')});
  EXPECT_FALSE(decode_load_reply(encode_load_reply(long_label)).ok());
  LoadReply nul_label;
  nul_label.keys.push_back({key_blob(KeyType::ed25519), std::string("a\0b", 3)});
  EXPECT_FALSE(decode_load_reply(encode_load_reply(nul_label)).ok());
  // Count says 2, one key follows.
  Writer short_list;
  short_list.u8(0);
  short_list.u32(2);
  short_list.string(key_blob(KeyType::ed25519));
  short_list.string("k");
  short_list.u32(0);
  EXPECT_FALSE(decode_load_reply(short_list.bytes()).ok());
}

TEST(Pkcs11Protocol, RandomMutationsNeverCrash) {
  std::mt19937 rng(1234);
  std::vector<Bytes> seeds = {encode_load_request(bytes_of("1234")),
                              encode_sign_request(key_blob(KeyType::ecdsa_p256), bytes_of("d"), 0),
                              encode_load_reply(sample_load()),
                              encode_sign_reply(bytes_of("s")),
                              encode_check_reply(true),
                              encode_error_reply(make_error(Errc::io, "e"))};
  for (int i = 0; i < 20000; i++) {
    Bytes b = seeds[size_t(i) % seeds.size()];
    skagent::testing::mutate(b, rng);
    (void)decode_request(b);
    (void)decode_load_reply(b);
    (void)decode_sign_reply(b);
    (void)decode_check_reply(b);
  }
  SUCCEED();
}

}  // namespace
}  // namespace skagent::pkcs11
