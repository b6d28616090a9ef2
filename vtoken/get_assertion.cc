// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/get_assertion.h"

#include <algorithm>

#include "vtoken/auth_data.h"
#include "vtoken/credential_key.h"
#include "vtoken/key_handle.h"
#include "vtoken/options.h"
#include "vtoken/pin_uv_auth.h"

namespace skagent::vtoken {

namespace {

constexpr auto kNextAssertionWindow = std::chrono::seconds(30);

// Signs one assertion and builds its response.
Result<GetAssertionResponse> assert_one(TokenContext& ctx, const AssertionCandidate& c,
                                        ByteView rp_id_hash, ByteView cdh, uint8_t auth_flags) {
  auto key = CredentialKey::from_private(c.alg, c.private_key);
  if (!key) return key.error();
  TokenState before = ctx.state;
  ctx.state.sign_counter++;
  if (auto st = ctx.persist(); !st) {
    ctx.state = std::move(before);
    return st.error();
  }
  AuthenticatorData ad;
  ad.rp_id_hash = to_bytes(rp_id_hash);
  ad.flags = auth_flags;
  ad.counter = ctx.state.sign_counter;
  GetAssertionResponse resp;
  resp.credential_id = c.id;
  resp.auth_data = ad.encode();
  Bytes msg = resp.auth_data;
  msg.insert(msg.end(), cdh.begin(), cdh.end());
  auto sig = key->sign(msg);
  if (!sig) return sig.error();
  resp.signature = std::move(*sig);
  if (c.resident_index && *c.resident_index < ctx.state.credentials.size()) {
    const ResidentCredential& rc = ctx.state.credentials[*c.resident_index];
    resp.user = UserEntity{rc.user_id, rc.user_name, rc.display_name};
    resp.user_names = (auth_flags & flags::kUserVerified) != 0;
  }
  return resp;
}

std::optional<size_t> resident_index_of(const TokenContext& ctx, ByteView id) {
  for (size_t i = 0; i < ctx.state.credentials.size(); i++) {
    if (equal(ctx.state.credentials[i].id, id)) return i;
  }
  return std::nullopt;
}

}  // namespace

Result<GetAssertionRequest> GetAssertionRequest::parse(const cbor_item_t* params) {
  if (!cbor::is_map(params)) return make_error(Errc::malformed, "parameters are not a map");
  GetAssertionRequest r;
  auto rp = cbor::required_text(params, 0x01, kMaxRpIdLength, "rpId");
  if (!rp) return rp.error();
  r.rp_id = std::move(*rp);
  auto cdh = cbor::required_bytes(params, 0x02, 32, "clientDataHash");
  if (!cdh) return cdh.error();
  if (cdh->size() != 32) return make_error(Errc::malformed, "clientDataHash must be 32 bytes");
  r.client_data_hash = std::move(*cdh);
  if (const cbor_item_t* al = cbor::map_get(params, 0x03)) {
    auto list = parse_credential_list(al);
    if (!list) return list.error();
    r.allow_list = std::move(*list);
    r.has_allow_list = true;
  }
  if (const cbor_item_t* ext = cbor::map_get(params, 0x04); ext != nullptr && !cbor::is_map(ext)) {
    return make_error(Errc::malformed, "extensions is not a map");
  }
  auto opts = RequestOptions::parse(cbor::map_get(params, 0x05));
  if (!opts) return opts.error();
  r.up = opts->up;
  r.uv = opts->uv;
  r.rk = opts->rk;
  if (auto st = cbor::optional_bytes(params, 0x06, 64, r.pin_uv_auth_param); !st) return st.error();
  if (auto st = cbor::optional_int(params, 0x07, r.pin_uv_auth_protocol); !st) return st.error();
  return r;
}

Bytes GetAssertionResponse::encode() const {
  cbor::MapBuilder m;
  m.add(0x01, CredentialDescriptor::to_cbor(credential_id));
  m.add(0x02, cbor::bytes(auth_data));
  m.add(0x03, cbor::bytes(signature));
  if (user) m.add(0x04, user->to_cbor(user_names));
  if (number_of_credentials) m.add(0x05, cbor::uint(*number_of_credentials));
  return cbor::encode(m.build().get());
}

CtapReply handle_get_assertion(TokenContext& ctx, const cbor_item_t* params, PresenceWait& wait) {
  ctx.assertions.reset();
  auto req = GetAssertionRequest::parse(params);
  if (!req) return CtapReply::error(status_for(req.error()));
  if (req->pin_uv_auth_param && req->pin_uv_auth_param->empty()) {
    return CtapReply::error(touch_to_select(ctx, wait));
  }
  if (req->rk.has_value()) return CtapReply::error(ctap::kInvalidOption);
  bool uv = false;
  if (req->pin_uv_auth_param) {
    uint8_t st = verify_pin_uv_auth(ctx, *req->pin_uv_auth_param, req->pin_uv_auth_protocol,
                                    req->client_data_hash, permission::kGetAssertion, req->rp_id);
    if (st != ctap::kOk) return CtapReply::error(st);
    uv = true;
  } else if (req->uv == true) {
    return CtapReply::error(ctap::kInvalidOption);  // no built-in user verification
  }
  bool up = req->up.value_or(true);

  Bytes rp_id_hash = sha256(view(req->rp_id));
  std::vector<AssertionCandidate> found;
  if (req->has_allow_list) {
    for (const Bytes& id : req->allow_list) {
      auto kh = unwrap_key_handle(ctx.state.master_secret, rp_id_hash, id);
      if (!kh || (kh->cred_protect == 3 && !uv)) continue;
      auto resident = resident_index_of(ctx, id);
      if (kh->resident && !resident) continue;  // a deleted discoverable credential
      found.push_back(AssertionCandidate{id, kh->alg, std::move(kh->private_key), resident});
      break;  // one credential answers an allow list
    }
  } else {
    // Discoverable credentials, most recent first; credProtect 2 and 3 hide
    // them from a request without UV.
    for (size_t i = ctx.state.credentials.size(); i-- > 0;) {
      const ResidentCredential& rc = ctx.state.credentials[i];
      if (rc.rp_id != req->rp_id || (rc.cred_protect >= 2 && !uv)) continue;
      auto kh = unwrap_key_handle(ctx.state.master_secret, rp_id_hash, rc.id);
      if (!kh) continue;
      found.push_back(AssertionCandidate{rc.id, kh->alg, std::move(kh->private_key), i});
    }
  }
  if (found.empty()) return CtapReply::error(ctap::kNoCredentials);

  if (up) {
    if (Presence p = ctx.touch.wait(wait); p != Presence::touched)
      return CtapReply::error(status_of(p));
  }
  uint8_t auth_flags = uint8_t((up ? flags::kUserPresent : 0) | (uv ? flags::kUserVerified : 0));
  auto resp = assert_one(ctx, found.front(), rp_id_hash, req->client_data_hash, auth_flags);
  if (!resp) return CtapReply::error(ctap::kOther);
  if (!req->has_allow_list && found.size() > 1) {
    resp->number_of_credentials = found.size();
    AssertionQueue q;
    q.remaining.assign(std::make_move_iterator(found.begin() + 1),
                       std::make_move_iterator(found.end()));
    q.rp_id_hash = rp_id_hash;
    q.client_data_hash = req->client_data_hash;
    q.flags = auth_flags;
    q.deadline = std::chrono::steady_clock::now() + kNextAssertionWindow;
    ctx.assertions = std::move(q);
  }
  return CtapReply::ok(resp->encode());
}

CtapReply handle_get_next_assertion(TokenContext& ctx) {
  if (!ctx.assertions || ctx.assertions->remaining.empty() ||
      std::chrono::steady_clock::now() > ctx.assertions->deadline) {
    ctx.assertions.reset();
    return CtapReply::error(ctap::kNotAllowed);
  }
  AssertionQueue& q = *ctx.assertions;
  AssertionCandidate c = std::move(q.remaining.front());
  q.remaining.erase(q.remaining.begin());
  auto resp = assert_one(ctx, c, q.rp_id_hash, q.client_data_hash, q.flags);
  if (q.remaining.empty()) ctx.assertions.reset();
  if (!resp) return CtapReply::error(ctap::kOther);
  return CtapReply::ok(resp->encode());
}

}  // namespace skagent::vtoken
