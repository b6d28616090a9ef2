// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/get_info.h"

#include "vtoken/cose_key.h"
#include "vtoken/key_handle.h"

namespace skagent::vtoken {

GetInfoResponse GetInfoResponse::describe(const TokenContext& ctx) {
  GetInfoResponse r;
  r.versions = {"FIDO_2_0", "FIDO_2_1"};
  if (ctx.config.cred_protect) r.extensions = {"credProtect"};
  r.aaguid = ctx.config.aaguid;
  r.options = {
      {"rk", ctx.config.resident_keys},
      {"up", true},
      {"plat", false},
      {"clientPin", ctx.state.pin_set()},
      {"credMgmt", true},
      {"credentialMgmtPreview", true},
      {"pinUvAuthToken", true},
      // Non-discoverable credentials need no PIN even when one is set (as
      // OpenSSH expects of CTAP 2.1 keys); discoverable ones do.
      {"makeCredUvNotRqd", true},
  };
  r.pin_protocols = ctx.config.pin_protocols;
  r.max_credential_id_length = kKeyHandleSize;
  r.transports = {"nfc", "usb"};
  r.algorithms = {cose::kAlgEs256, cose::kAlgEdDsa};
  size_t used = ctx.state.credentials.size();
  r.min_pin_length = ctx.config.min_pin_length;
  r.remaining_discoverable = used < ctx.config.max_resident ? ctx.config.max_resident - used : 0;
  return r;
}

Bytes GetInfoResponse::encode() const {
  auto strings = [](const std::vector<std::string>& v) {
    cbor::ArrayBuilder a;
    for (const auto& s : v) a.add(cbor::text(s));
    return a.build();
  };
  cbor::MapBuilder opts;
  for (const auto& [name, value] : options) opts.add(name, cbor::boolean(value));
  cbor::ArrayBuilder protocols;
  for (uint8_t p : pin_protocols) protocols.add(cbor::uint(p));
  cbor::ArrayBuilder algs;
  for (int64_t a : algorithms) {
    algs.add(cbor::MapBuilder()
                 .add("alg", cbor::integer(a))
                 .add("type", cbor::text("public-key"))
                 .build());
  }
  cbor::MapBuilder m;
  m.add(0x01, strings(versions));
  if (!extensions.empty()) m.add(0x02, strings(extensions));
  m.add(0x03, cbor::bytes(aaguid));
  m.add(0x04, opts.build());
  m.add(0x05, cbor::uint(max_msg_size));
  m.add(0x06, protocols.build());
  m.add(0x07, cbor::uint(max_credential_count_in_list));
  m.add(0x08, cbor::uint(max_credential_id_length));
  m.add(0x09, strings(transports));
  m.add(0x0A, algs.build());
  m.add(0x0D, cbor::uint(min_pin_length));
  m.add(0x0E, cbor::uint(firmware_version));
  m.add(0x14, cbor::uint(remaining_discoverable));
  return cbor::encode(m.build().get());
}

CtapReply handle_get_info(const TokenContext& ctx) {
  return CtapReply::ok(GetInfoResponse::describe(ctx).encode());
}

}  // namespace skagent::vtoken
