// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/credential_management.h"

#include <algorithm>

#include "vtoken/pin_protocol.h"

namespace skagent::vtoken {

namespace {

// The subcommand numbers of authenticatorCredentialManagement (CTAP 2.1 §6.8).
enum class Subcommand : uint64_t {
  kGetCredsMetadata = 0x01,
  kEnumerateRpsBegin = 0x02,
  kEnumerateRpsGetNextRp = 0x03,
  kEnumerateCredentialsBegin = 0x04,
  kEnumerateCredentialsGetNextCredential = 0x05,
  kDeleteCredential = 0x06,
  kUpdateUserInformation = 0x07,
};

using Response = CredentialManagementResponse;

bool needs_auth(Subcommand sub) {
  return sub != Subcommand::kEnumerateRpsGetNextRp &&
         sub != Subcommand::kEnumerateCredentialsGetNextCredential;
}

uint8_t authorize(TokenContext& ctx, const CredentialManagementRequest& req) {
  if (!req.pin_uv_auth_param) return ctap::kPinRequired;
  if (!req.protocol) return ctap::kMissingParameter;
  if (!PinProtocol::supported(*req.protocol) || !ctx.protocol_offered(*req.protocol)) {
    return ctap::kInvalidParameter;
  }
  Bytes msg = {uint8_t(req.subcommand)};
  msg.insert(msg.end(), req.params_cbor.begin(), req.params_cbor.end());
  return ctx.pin.check(PinProtocol(uint8_t(*req.protocol)), *req.pin_uv_auth_param, msg,
                       permission::kCredentialManagement, "");
}

Response describe_credential(const ResidentCredential& c) {
  Response r;
  r.user = UserEntity{c.user_id, c.user_name, c.display_name};
  r.credential_id = c.id;
  r.public_key = c.public_key;
  r.cred_protect = c.cred_protect;
  return r;
}

Response describe_rp(const std::string& rp_id) {
  Response r;
  r.rp_id = rp_id;
  r.rp_id_hash = sha256(view(rp_id));
  return r;
}

CtapReply enumerate_rps_begin(TokenContext& ctx) {
  ctx.credman.clear();
  for (const auto& c : ctx.state.credentials) {
    auto& ids = ctx.credman.rp_ids;
    if (std::find(ids.begin(), ids.end(), c.rp_id) == ids.end()) ids.push_back(c.rp_id);
  }
  if (ctx.credman.rp_ids.empty()) return CtapReply::error(ctap::kNoCredentials);
  Response r = describe_rp(ctx.credman.rp_ids[0]);
  r.total_rps = ctx.credman.rp_ids.size();
  ctx.credman.next_rp = 1;
  return CtapReply::ok(r.encode());
}

CtapReply enumerate_rps_next(TokenContext& ctx) {
  if (ctx.credman.next_rp == 0 || ctx.credman.next_rp >= ctx.credman.rp_ids.size()) {
    return CtapReply::error(ctap::kNotAllowed);
  }
  return CtapReply::ok(describe_rp(ctx.credman.rp_ids[ctx.credman.next_rp++]).encode());
}

CtapReply enumerate_credentials_begin(TokenContext& ctx, const CredentialManagementRequest& req) {
  if (!req.rp_id_hash) return CtapReply::error(ctap::kMissingParameter);
  ctx.credman.clear();
  for (size_t i = 0; i < ctx.state.credentials.size(); i++) {
    if (equal(ctx.state.credentials[i].rp_id_hash(), *req.rp_id_hash)) {
      ctx.credman.credentials.push_back(i);
    }
  }
  if (ctx.credman.credentials.empty()) return CtapReply::error(ctap::kNoCredentials);
  Response r = describe_credential(ctx.state.credentials[ctx.credman.credentials[0]]);
  r.total_credentials = ctx.credman.credentials.size();
  ctx.credman.next_credential = 1;
  return CtapReply::ok(r.encode());
}

CtapReply enumerate_credentials_next(TokenContext& ctx) {
  auto& cur = ctx.credman;
  if (cur.next_credential == 0 || cur.next_credential >= cur.credentials.size()) {
    return CtapReply::error(ctap::kNotAllowed);
  }
  size_t index = cur.credentials[cur.next_credential++];
  if (index >= ctx.state.credentials.size()) return CtapReply::error(ctap::kNotAllowed);
  return CtapReply::ok(describe_credential(ctx.state.credentials[index]).encode());
}

CtapReply delete_credential(TokenContext& ctx, const CredentialManagementRequest& req) {
  if (!req.credential_id) return CtapReply::error(ctap::kMissingParameter);
  auto& creds = ctx.state.credentials;
  auto it = std::find_if(creds.begin(), creds.end(), [&](const ResidentCredential& c) {
    return equal(c.id, *req.credential_id);
  });
  if (it == creds.end()) return CtapReply::error(ctap::kNoCredentials);
  TokenState before = ctx.state;
  creds.erase(it);
  ctx.credman.clear();  // indices into the list just changed
  if (!ctx.persist()) {
    ctx.state = std::move(before);
    return CtapReply::error(ctap::kOther);
  }
  return CtapReply::error(ctap::kOk);
}

CtapReply update_user(TokenContext& ctx, const CredentialManagementRequest& req) {
  if (!req.credential_id || !req.user) return CtapReply::error(ctap::kMissingParameter);
  for (auto& c : ctx.state.credentials) {
    if (!equal(c.id, *req.credential_id)) continue;
    if (!equal(c.user_id, req.user->id)) return CtapReply::error(ctap::kInvalidParameter);
    TokenState before = ctx.state;
    c.user_name = req.user->name;
    c.display_name = req.user->display_name;
    if (!ctx.persist()) {
      ctx.state = std::move(before);
      return CtapReply::error(ctap::kOther);
    }
    return CtapReply::error(ctap::kOk);
  }
  return CtapReply::error(ctap::kNoCredentials);
}

}  // namespace

Result<CredentialManagementRequest> CredentialManagementRequest::parse(const cbor_item_t* params) {
  if (!cbor::is_map(params)) return make_error(Errc::malformed, "parameters are not a map");
  CredentialManagementRequest r;
  const cbor_item_t* sub = cbor::map_get(params, 0x01);
  if (sub == nullptr) return make_error(Errc::not_found, "missing subCommand");
  auto s = cbor::get_uint(sub);
  if (!s) return s.error();
  r.subcommand = *s;
  if (const cbor_item_t* p = cbor::map_get(params, 0x02)) {
    if (!cbor::is_map(p)) return make_error(Errc::malformed, "subCommandParams is not a map");
    // The request passed the canonical check, so re-encoding gives the bytes
    // the platform authenticated.
    r.params_cbor = cbor::encode(p);
    if (const cbor_item_t* h = cbor::map_get(p, 0x01)) {
      auto b = cbor::get_bytes(h, 32);
      if (!b || b->size() != 32) return make_error(Errc::malformed, "rpIDHash must be 32 bytes");
      r.rp_id_hash = std::move(*b);
    }
    if (const cbor_item_t* d = cbor::map_get(p, 0x02)) {
      auto desc = CredentialDescriptor::parse(d);
      if (!desc) return desc.error();
      r.credential_id = std::move(desc->id);
    }
    if (const cbor_item_t* u = cbor::map_get(p, 0x03)) {
      auto user = UserEntity::parse(u);
      if (!user) return user.error();
      r.user = std::move(*user);
    }
  }
  if (auto st = cbor::optional_int(params, 0x03, r.protocol); !st) return st.error();
  if (auto st = cbor::optional_bytes(params, 0x04, 64, r.pin_uv_auth_param); !st) return st.error();
  return r;
}

Bytes CredentialManagementResponse::encode() const {
  cbor::MapBuilder m;
  if (existing_count) m.add(0x01, cbor::uint(*existing_count));
  if (remaining_count) m.add(0x02, cbor::uint(*remaining_count));
  if (rp_id) m.add(0x03, cbor::MapBuilder().add("id", cbor::text(*rp_id)).build());
  if (rp_id_hash) m.add(0x04, cbor::bytes(*rp_id_hash));
  if (total_rps) m.add(0x05, cbor::uint(*total_rps));
  if (user) m.add(0x06, user->to_cbor(true));
  if (credential_id) m.add(0x07, CredentialDescriptor::to_cbor(*credential_id));
  if (public_key) {
    auto k = cbor::decode(*public_key);
    if (k) m.add(0x08, std::move(*k));
  }
  if (total_credentials) m.add(0x09, cbor::uint(*total_credentials));
  if (cred_protect) m.add(0x0A, cbor::uint(*cred_protect));
  return cbor::encode(m.build().get());
}

CtapReply handle_credential_management(TokenContext& ctx, const cbor_item_t* params) {
  auto req = CredentialManagementRequest::parse(params);
  if (!req) return CtapReply::error(status_for(req.error()));
  auto sub = Subcommand(req->subcommand);
  if (needs_auth(sub)) {
    if (uint8_t st = authorize(ctx, *req); st != ctap::kOk) return CtapReply::error(st);
  }
  switch (sub) {
    case Subcommand::kGetCredsMetadata: {
      Response r;
      size_t used = ctx.state.credentials.size();
      r.existing_count = used;
      r.remaining_count = used < ctx.config.max_resident ? ctx.config.max_resident - used : 0;
      return CtapReply::ok(r.encode());
    }
    case Subcommand::kEnumerateRpsBegin:
      return enumerate_rps_begin(ctx);
    case Subcommand::kEnumerateRpsGetNextRp:
      return enumerate_rps_next(ctx);
    case Subcommand::kEnumerateCredentialsBegin:
      return enumerate_credentials_begin(ctx, *req);
    case Subcommand::kEnumerateCredentialsGetNextCredential:
      return enumerate_credentials_next(ctx);
    case Subcommand::kDeleteCredential:
      return delete_credential(ctx, *req);
    case Subcommand::kUpdateUserInformation:
      return update_user(ctx, *req);
    default:
      return CtapReply::error(ctap::kInvalidSubcommand);
  }
}

}  // namespace skagent::vtoken
