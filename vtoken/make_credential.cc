// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/make_credential.h"

#include <algorithm>

#include "vtoken/auth_data.h"
#include "vtoken/credential_key.h"
#include "vtoken/key_handle.h"
#include "vtoken/options.h"
#include "vtoken/pin_uv_auth.h"
#include "vtoken/processing.h"

namespace skagent::vtoken {

Result<MakeCredentialRequest> MakeCredentialRequest::parse(const cbor_item_t* params) {
  if (!cbor::is_map(params)) return make_error(Errc::malformed, "parameters are not a map");
  MakeCredentialRequest r;
  auto cdh = cbor::required_bytes(params, 0x01, 32, "clientDataHash");
  if (!cdh) return cdh.error();
  if (cdh->size() != 32) return make_error(Errc::malformed, "clientDataHash must be 32 bytes");
  r.client_data_hash = std::move(*cdh);

  const cbor_item_t* rp = cbor::map_get(params, 0x02);
  if (rp == nullptr) return make_error(Errc::not_found, "missing rp");
  auto rpe = RpEntity::parse(rp);
  if (!rpe) return rpe.error();
  r.rp = std::move(*rpe);

  const cbor_item_t* user = cbor::map_get(params, 0x03);
  if (user == nullptr) return make_error(Errc::not_found, "missing user");
  auto ue = UserEntity::parse(user);
  if (!ue) return ue.error();
  r.user = std::move(*ue);

  const cbor_item_t* algs = cbor::map_get(params, 0x04);
  if (algs == nullptr) return make_error(Errc::not_found, "missing pubKeyCredParams");
  if (!cbor::is_array(algs)) return make_error(Errc::malformed, "pubKeyCredParams is not an array");
  size_t n = cbor_array_size(algs);
  if (n > kMaxCredentialList) return make_error(Errc::limit, "too many pubKeyCredParams");
  for (size_t i = 0; i < n; i++) {
    const cbor_item_t* p = cbor_array_handle(algs)[i];
    if (!cbor::is_map(p)) return make_error(Errc::malformed, "pubKeyCredParam is not a map");
    auto alg = cbor::get_int(cbor::map_get(p, "alg"));
    auto type = cbor::get_text(cbor::map_get(p, "type"), 64);
    if (!alg || !type) return make_error(Errc::malformed, "pubKeyCredParam needs alg and type");
    if (*type == "public-key") r.algorithms.push_back(*alg);
  }

  if (const cbor_item_t* ex = cbor::map_get(params, 0x05)) {
    auto list = parse_credential_list(ex);
    if (!list) return list.error();
    r.exclude_list = std::move(*list);
  }
  if (const cbor_item_t* ext = cbor::map_get(params, 0x06)) {
    if (!cbor::is_map(ext)) return make_error(Errc::malformed, "extensions is not a map");
    if (const cbor_item_t* cp = cbor::map_get(ext, "credProtect")) {
      auto v = cbor::get_uint(cp);
      if (!v) return make_error(Errc::malformed, "credProtect is not an unsigned integer");
      r.cred_protect = *v;
    }
  }
  auto opts = RequestOptions::parse(cbor::map_get(params, 0x07));
  if (!opts) return opts.error();
  r.rk = opts->rk;
  r.up = opts->up;
  r.uv = opts->uv;
  if (auto st = cbor::optional_bytes(params, 0x08, 64, r.pin_uv_auth_param); !st) return st.error();
  if (auto st = cbor::optional_int(params, 0x09, r.pin_uv_auth_protocol); !st) return st.error();
  return r;
}

Bytes MakeCredentialResponse::encode() const {
  cbor::MapBuilder att;
  att.add("alg", cbor::integer(alg));
  att.add("sig", cbor::bytes(signature));
  cbor::MapBuilder m;
  m.add(0x01, cbor::text("packed"));
  m.add(0x02, cbor::bytes(auth_data));
  m.add(0x03, att.build());
  return cbor::encode(m.build().get());
}

namespace {

// Adds or replaces (same RP and user id) a discoverable credential.
uint8_t store_resident(TokenContext& ctx, ResidentCredential cred) {
  auto& creds = ctx.state.credentials;
  for (auto& c : creds) {
    if (c.rp_id == cred.rp_id && equal(c.user_id, cred.user_id)) {
      c = std::move(cred);
      return ctap::kOk;
    }
  }
  if (creds.size() >= ctx.config.max_resident) return ctap::kKeyStoreFull;
  creds.push_back(std::move(cred));
  return ctap::kOk;
}

}  // namespace

CtapReply handle_make_credential(TokenContext& ctx, const cbor_item_t* params, PresenceWait& wait) {
  auto req = MakeCredentialRequest::parse(params);
  if (!req) return CtapReply::error(status_for(req.error()));

  if (req->pin_uv_auth_param && req->pin_uv_auth_param->empty()) {
    return CtapReply::error(touch_to_select(ctx, wait));
  }
  int64_t alg = 0;
  for (int64_t a : req->algorithms) {
    if (CredentialKey::supported(a)) {
      alg = a;
      break;
    }
  }
  if (alg == 0) return CtapReply::error(ctap::kUnsupportedAlgorithm);
  // No built-in user verification: uv must come as a pinUvAuthParam.
  if (req->up == false) return CtapReply::error(ctap::kInvalidOption);
  if (req->rk == true && !ctx.config.resident_keys)
    return CtapReply::error(ctap::kUnsupportedOption);
  if (req->uv == true && !req->pin_uv_auth_param) return CtapReply::error(ctap::kInvalidOption);

  bool uv = false;
  if (req->pin_uv_auth_param) {
    uint8_t st = verify_pin_uv_auth(ctx, *req->pin_uv_auth_param, req->pin_uv_auth_protocol,
                                    req->client_data_hash, permission::kMakeCredential, req->rp.id);
    if (st != ctap::kOk) return CtapReply::error(st);
    uv = true;
  } else if (ctx.state.pin_set() && req->rk == true) {
    return CtapReply::error(ctap::kPinRequired);
  }

  // A token without the extension ignores it, as CTAP says of unknown ones.
  if (!ctx.config.cred_protect) req->cred_protect.reset();
  uint8_t cred_protect = 1;
  if (req->cred_protect) {
    if (*req->cred_protect < 1 || *req->cred_protect > 3)
      return CtapReply::error(ctap::kInvalidOption);
    cred_protect = uint8_t(*req->cred_protect);
  }

  Bytes rp_id_hash = sha256(view(req->rp.id));
  for (const Bytes& id : req->exclude_list) {
    auto kh = unwrap_key_handle(ctx.state.master_secret, rp_id_hash, id);
    if (!kh) continue;
    // A credential that needs UV is invisible without it (credProtect 3);
    // a deleted discoverable credential is gone.
    if (kh->cred_protect == 3 && !uv) continue;
    if (kh->resident &&
        std::none_of(ctx.state.credentials.begin(), ctx.state.credentials.end(),
                     [&](const ResidentCredential& c) { return equal(c.id, id); })) {
      continue;
    }
    Presence p = ctx.touch.wait(wait);
    if (p == Presence::cancelled) return CtapReply::error(ctap::kKeepaliveCancel);
    return CtapReply::error(ctap::kCredentialExcluded);
  }

  if (Presence p = ctx.touch.wait(wait); p != Presence::touched)
    return CtapReply::error(status_of(p));
  if (!process_for(wait, ctx.config.processing_delay_ms))
    return CtapReply::error(ctap::kKeepaliveCancel);

  auto key = CredentialKey::generate(alg);
  if (!key) return CtapReply::error(ctap::kOther);
  auto priv = key->private_bytes();
  auto pub = key->public_key();
  if (!priv || !pub) return CtapReply::error(ctap::kOther);
  KeyHandle kh{alg, cred_protect, req->rk == true, std::move(*priv)};
  auto id = wrap_key_handle(ctx.state.master_secret, rp_id_hash, kh);
  if (!id) return CtapReply::error(ctap::kOther);
  Bytes cose = pub->encode();

  TokenState before = ctx.state;
  if (req->rk == true) {
    ResidentCredential rc;
    rc.id = *id;
    rc.rp_id = req->rp.id;
    rc.user_id = req->user.id;
    rc.user_name = req->user.name;
    rc.display_name = req->user.display_name;
    rc.alg = alg;
    rc.cred_protect = cred_protect;
    rc.public_key = cose;
    if (uint8_t st = store_resident(ctx, std::move(rc)); st != ctap::kOk)
      return CtapReply::error(st);
  }
  ctx.state.sign_counter++;
  if (!ctx.persist()) {
    ctx.state = std::move(before);
    return CtapReply::error(ctap::kOther);
  }

  AuthenticatorData ad;
  ad.rp_id_hash = rp_id_hash;
  ad.flags = flags::kUserPresent | (uv ? flags::kUserVerified : 0);
  ad.counter = ctx.state.sign_counter;
  ad.attested = AttestedCredential{ctx.config.aaguid, *id, cose};
  if (req->cred_protect) {
    ad.extensions =
        cbor::encode(cbor::MapBuilder().add("credProtect", cbor::uint(cred_protect)).build().get());
  }
  MakeCredentialResponse resp;
  resp.auth_data = ad.encode();
  resp.alg = alg;
  Bytes signed_data = resp.auth_data;
  signed_data.insert(signed_data.end(), req->client_data_hash.begin(), req->client_data_hash.end());
  auto sig = key->sign(signed_data);
  if (!sig) return CtapReply::error(ctap::kOther);
  resp.signature = std::move(*sig);
  return CtapReply::ok(resp.encode());
}

}  // namespace skagent::vtoken
