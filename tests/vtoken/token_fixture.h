// SPDX-License-Identifier: BSD-2-Clause
// An in-process authenticator on a temp state file, with helpers to build
// CTAP requests, for unit tests that need no transport.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "vtoken/authenticator.h"
#include "vtoken/cbor.h"
#include "vtoken/client_pin.h"
#include "vtoken/pin_protocol.h"
#include "tests/vtoken/vtoken_process.h"

namespace skagent::vtoken::testing {

class TokenFixture {
 public:
  explicit TokenFixture(TokenConfig config = {}, TouchPolicy policy = {})
      : dir_(make_temp_dir("skvtu")), touch_(policy, 2000) {
    StateFile file(dir_ + "/state");
    auto state = file.load_or_create();
    if (!state) abort();
    auth_ = std::make_unique<Authenticator>(std::move(config), file, std::move(*state), touch_);
  }
  ~TokenFixture() {
    auth_.reset();
    std::filesystem::remove_all(dir_);
  }
  Authenticator& auth() { return *auth_; }
  TouchControl& touch() { return touch_; }
  std::string state_path() const { return dir_ + "/state"; }

  // command byte ‖ raw parameter bytes
  CtapReply raw(uint8_t cmd, ByteView params = {}) {
    Bytes req = {cmd};
    req.insert(req.end(), params.begin(), params.end());
    SleepingWait w;
    return auth_->handle(req, w);
  }
  CtapReply call(uint8_t cmd, const cbor::Item& params) {
    return raw(cmd, cbor::encode(params.get()));
  }

 private:
  std::string dir_;
  TouchControl touch_;
  std::unique_ptr<Authenticator> auth_;
};

inline cbor::Item rp_entity(std::string_view id) {
  return cbor::MapBuilder().add("id", cbor::text(id)).build();
}
inline cbor::Item user_entity(ByteView id, std::string_view name = "u") {
  return cbor::MapBuilder().add("id", cbor::bytes(id)).add("name", cbor::text(name)).build();
}
inline cbor::Item alg_list(int64_t alg) {
  return cbor::ArrayBuilder()
      .add(cbor::MapBuilder()
               .add("alg", cbor::integer(alg))
               .add("type", cbor::text("public-key"))
               .build())
      .build();
}
// The smallest makeCredential a client sends: the command byte 0x01, then its parameters (a
// client data hash of 0x01 bytes, relying party `rp`, user id 01, ES256).
inline Bytes make_credential_message(std::string_view rp) {
  Bytes message = {0x01};
  Bytes params = cbor::encode(cbor::MapBuilder()
                                  .add(1, cbor::bytes(Bytes(32, 1)))
                                  .add(2, rp_entity(rp))
                                  .add(3, user_entity(Bytes{1}))
                                  .add(4, alg_list(-7))
                                  .build()
                                  .get());
  message.insert(message.end(), params.begin(), params.end());
  return message;
}
inline cbor::Item descriptor_list(const std::vector<Bytes>& ids) {
  cbor::ArrayBuilder a;
  for (const auto& id : ids) {
    a.add(cbor::MapBuilder()
              .add("id", cbor::bytes(id))
              .add("type", cbor::text("public-key"))
              .build());
  }
  return a.build();
}

// The platform side of PIN protocol `version`, for in-process tests.
struct PinClient {
  uint8_t version;
  Pkey key;
  Bytes shared;
  CoseKey cose;

  // getKeyAgreement and ECDH against the token.
  bool agree(TokenFixture& t) {
    auto r =
        t.call(0x06, cbor::MapBuilder().add(1, cbor::uint(version)).add(2, cbor::uint(2)).build());
    if (r.status != 0) return false;
    auto m = cbor::decode(r.body);
    if (!m) return false;
    auto theirs = CoseKey::parse_key_agreement(cbor::map_get(m->get(), 1));
    auto mine = p256_generate();
    if (!theirs || !mine) return false;
    key = std::move(*mine);
    auto xy = p256_public_xy(key.get());
    cose = CoseKey{cose::kKtyEc2, cose::kAlgEcdhEsHkdf256, cose::kCrvP256, xy->first, xy->second};
    auto s = PinProtocol(version).shared_secret(key.get(), *theirs);
    if (!s) return false;
    shared = std::move(*s);
    return true;
  }
  Bytes enc(ByteView plain) const { return *PinProtocol(version).encrypt(shared, plain); }
  Bytes auth(ByteView msg) const {
    return PinProtocol(version).authenticate(PinProtocol(version).hmac_key(shared), msg);
  }
  Bytes padded(std::string_view pin) const {
    Bytes p(64, 0);
    std::copy(pin.begin(), pin.end(), p.begin());
    return p;
  }

  CtapReply set_pin(TokenFixture& t, std::string_view pin) {
    if (!agree(t)) return CtapReply::error(0xff);
    Bytes npe = enc(padded(pin));
    return t.call(0x06, cbor::MapBuilder()
                            .add(1, cbor::uint(version))
                            .add(2, cbor::uint(3))
                            .add(3, cose.to_cbor())
                            .add(4, cbor::bytes(auth(npe)))
                            .add(5, cbor::bytes(npe))
                            .build());
  }
  // getPinUvAuthTokenUsingPinWithPermissions; the decrypted token, or empty
  // with the status in `status`.
  Bytes token(TokenFixture& t, std::string_view pin, uint8_t permissions,
              uint8_t* status = nullptr) {
    if (!agree(t)) return {};
    Bytes phe = enc(pin_hash_of(pin));
    auto r = t.call(0x06, cbor::MapBuilder()
                              .add(1, cbor::uint(version))
                              .add(2, cbor::uint(9))
                              .add(3, cose.to_cbor())
                              .add(6, cbor::bytes(phe))
                              .add(9, cbor::uint(permissions))
                              .build());
    if (status != nullptr) *status = r.status;
    if (r.status != 0) return {};
    auto m = cbor::decode(r.body);
    auto et = cbor::get_bytes(cbor::map_get(m->get(), 2), 64);
    return *PinProtocol(version).decrypt(shared, *et);
  }
};

}  // namespace skagent::vtoken::testing
