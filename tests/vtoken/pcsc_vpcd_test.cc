// SPDX-License-Identifier: BSD-2-Clause
// The virtual token as a contactless card: real pcscd (started privately by
// the test) with vsmartcard's vpcd driver, a libpcsclite client sending the
// FIDO APDUs, and libfido2 verifying what comes back.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "vtoken/cbor.h"
#include "vtoken/crypto.h"
#include "tests/vtoken/fido_test_util.h"
#include "tests/vtoken/pcsc_harness.h"

namespace skagent::vtoken::testing {
namespace {

Bytes make_credential_request(ByteView cdh, size_t junk_excludes) {
  cbor::ArrayBuilder params;
  params.add(cbor::MapBuilder()
                 .add("alg", cbor::integer(-7))
                 .add("type", cbor::text("public-key"))
                 .build());
  cbor::MapBuilder m;
  m.add(1, cbor::bytes(cdh));
  m.add(2, cbor::MapBuilder().add("id", cbor::text("ssh:")).build());
  m.add(3, cbor::MapBuilder()
               .add("id", cbor::bytes(Bytes{7, 7}))
               .add("name", cbor::text("nfc-user"))
               .build());
  m.add(4, params.build());
  if (junk_excludes > 0) {
    // Foreign credential IDs: ignored by the token, but they make the request
    // long enough to need APDU chaining.
    cbor::ArrayBuilder ex;
    for (size_t i = 0; i < junk_excludes; i++) {
      ex.add(cbor::MapBuilder()
                 .add("id", cbor::bytes(Bytes(64, uint8_t(i))))
                 .add("type", cbor::text("public-key"))
                 .build());
    }
    m.add(5, ex.build());
  }
  Bytes out = {0x01};
  Bytes body = cbor::encode(m.build().get());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes get_assertion_request(ByteView cdh, ByteView cred_id) {
  cbor::MapBuilder m;
  m.add(1, cbor::text("ssh:"));
  m.add(2, cbor::bytes(cdh));
  m.add(3, cbor::ArrayBuilder()
               .add(cbor::MapBuilder()
                        .add("id", cbor::bytes(cred_id))
                        .add("type", cbor::text("public-key"))
                        .build())
               .build());
  Bytes out = {0x02};
  Bytes body = cbor::encode(m.build().get());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// libfido2 checks the attestation: a packed self-attestation verifies with
// the credential's own key.
Cred verified_credential(ByteView reply, ByteView cdh) {
  EXPECT_FALSE(reply.empty());
  if (reply.empty()) return nullptr;
  EXPECT_EQ(reply[0], 0x00) << "CTAP status";
  auto item = cbor::decode(reply.subspan(1));
  EXPECT_TRUE(item.ok());
  if (!item) return nullptr;
  auto fmt = cbor::get_text(cbor::map_get(item->get(), 1), 64);
  auto auth_data = cbor::get_bytes(cbor::map_get(item->get(), 2), 4096);
  const cbor_item_t* att = cbor::map_get(item->get(), 3);
  EXPECT_TRUE(fmt && auth_data && att);
  if (!fmt || !auth_data || !att) return nullptr;
  Bytes att_cbor = cbor::encode(att);
  Cred c(fido_cred_new());
  EXPECT_EQ(fido_cred_set_type(c.get(), COSE_ES256), FIDO_OK);
  EXPECT_EQ(fido_cred_set_clientdata_hash(c.get(), cdh.data(), cdh.size()), FIDO_OK);
  EXPECT_EQ(fido_cred_set_rp(c.get(), "ssh:", nullptr), FIDO_OK);
  EXPECT_EQ(fido_cred_set_authdata_raw(c.get(), auth_data->data(), auth_data->size()), FIDO_OK);
  EXPECT_EQ(fido_cred_set_fmt(c.get(), fmt->c_str()), FIDO_OK);
  EXPECT_EQ(fido_cred_set_attstmt(c.get(), att_cbor.data(), att_cbor.size()), FIDO_OK);
  EXPECT_EQ(fido_cred_verify_self(c.get()), FIDO_OK);
  return c;
}

void expect_assertion_verifies(ByteView reply, ByteView cdh, const fido_cred_t* cred) {
  ASSERT_FALSE(reply.empty());
  ASSERT_EQ(reply[0], 0x00) << "CTAP status";
  auto item = cbor::decode(reply.subspan(1));
  ASSERT_TRUE(item.ok());
  auto auth_data = cbor::get_bytes(cbor::map_get(item->get(), 2), 4096);
  auto sig = cbor::get_bytes(cbor::map_get(item->get(), 3), 256);
  ASSERT_TRUE(auth_data && sig);
  Assert a(fido_assert_new());
  ASSERT_EQ(fido_assert_set_count(a.get(), 1), FIDO_OK);
  ASSERT_EQ(fido_assert_set_clientdata_hash(a.get(), cdh.data(), cdh.size()), FIDO_OK);
  ASSERT_EQ(fido_assert_set_rp(a.get(), "ssh:"), FIDO_OK);
  ASSERT_EQ(fido_assert_set_authdata_raw(a.get(), 0, auth_data->data(), auth_data->size()),
            FIDO_OK);
  ASSERT_EQ(fido_assert_set_sig(a.get(), 0, sig->data(), sig->size()), FIDO_OK);
  EXPECT_EQ(verify_assert(a.get(), 0, cred), FIDO_OK);
}

bool have(const char* path) { return access(path, X_OK) == 0 || access(path, R_OK) == 0; }

TEST(VtokenPcsc, MakeCredentialAndGetAssertionThroughPcscdAndVpcd) {
  ASSERT_TRUE(have("/usr/sbin/pcscd")) << "pcscd missing (tests/deps.sh lists it)";
  ASSERT_TRUE(have("/usr/bin/systemd-socket-activate"))
      << "systemd-socket-activate missing (package systemd)";
  ASSERT_TRUE(have(kVpcdDriver)) << "vpcd driver missing (package vsmartcard-vpcd)";
  init_libfido2();
  uint16_t port = free_port_pair();
  ASSERT_NE(port, 0);
  VtokenProcess token({.hid = false, .vpcd = "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(token.ready());
  PcscdProcess pcscd(token.dir(), port);
  ASSERT_TRUE(pcscd.ok()) << pcscd.error();

  PcscClient client;
  std::string err = client.connect("skagent vtoken", 15000);
  ASSERT_EQ(err, "");
  EXPECT_EQ(client.reader().rfind("skagent vtoken 00 00", 0), 0u) << client.reader();

  // SELECT the FIDO applet.
  Bytes sel = client.transmit(
      Bytes{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01, 0x00});
  ASSERT_EQ(as_string(sel), std::string_view("FIDO_2_0\x90\x00", 10));

  // getInfo.
  Bytes info = client.ctap_short(Bytes{0x04});
  ASSERT_FALSE(info.empty());
  ASSERT_EQ(info[0], 0x00);
  auto info_map = cbor::decode(ByteView(info).subspan(1));
  ASSERT_TRUE(info_map.ok());
  EXPECT_TRUE(cbor::is_array(cbor::map_get(info_map->get(), 1)));

  // makeCredential long enough to chain, answer long enough for GET RESPONSE.
  Bytes cdh = random_bytes(32);
  Bytes req = make_credential_request(cdh, 6);
  ASSERT_GT(req.size(), 255u);
  int apdus = 0;
  Bytes reply = client.ctap_short(req, 240, &apdus);
  EXPECT_GE(apdus, 3);  // chained request + at least one GET RESPONSE
  Cred cred = verified_credential(reply, cdh);
  ASSERT_TRUE(cred);
  std::vector<uint8_t> id(fido_cred_id_ptr(cred.get()),
                          fido_cred_id_ptr(cred.get()) + fido_cred_id_len(cred.get()));

  // getAssertion, short APDUs then one extended APDU.
  Bytes cdh2 = random_bytes(32);
  expect_assertion_verifies(client.ctap_short(get_assertion_request(cdh2, id)), cdh2, cred.get());
  Bytes cdh3 = random_bytes(32);
  expect_assertion_verifies(client.ctap_extended(get_assertion_request(cdh3, id)), cdh3,
                            cred.get());
  // Extended makeCredential: the whole answer in one R-APDU.
  Bytes cdh4 = random_bytes(32);
  EXPECT_TRUE(verified_credential(client.ctap_extended(make_credential_request(cdh4, 0)), cdh4));
  EXPECT_EQ(token.control("touches"), "4");

  // A CTAP error travels as a status byte with SW 90 00.
  std::vector<uint8_t> bad_id = id;
  bad_id[30] ^= 0x01;
  Bytes no_cred = client.ctap_short(get_assertion_request(cdh2, bad_id));
  ASSERT_EQ(no_cred.size(), 1u);
  EXPECT_EQ(no_cred[0], 0x2E);

  // Wrong applet: not found; NFCCTAP_MSG without SELECT is refused.
  Bytes other = client.transmit(Bytes{0x00, 0xA4, 0x04, 0x00, 0x05, 1, 2, 3, 4, 5, 0x00});
  EXPECT_EQ(other, (Bytes{0x6A, 0x82}));
  EXPECT_EQ(client.transmit(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}), (Bytes{0x69, 0x85}));
}

}  // namespace
}  // namespace skagent::vtoken::testing
