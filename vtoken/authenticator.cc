// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/authenticator.h"

#include "vtoken/client_pin.h"
#include "vtoken/credential_management.h"
#include "vtoken/get_assertion.h"
#include "vtoken/get_info.h"
#include "vtoken/make_credential.h"
#include "vtoken/reset.h"

namespace skagent::vtoken {

Authenticator::Authenticator(TokenConfig config, StateFile file, TokenState state,
                             TouchControl& touch)
    : ctx_{std::move(config), std::move(file), std::move(state), touch, {}, {}, {}} {
  update_summary();
}

CtapReply Authenticator::handle(ByteView request, PresenceWait& wait) {
  std::lock_guard lock(mu_);
  if (request.empty()) return CtapReply::error(ctap::kInvalidLength);
  if (request.size() > kMaxMsgSize) return CtapReply::error(ctap::kRequestTooLarge);
  CtapReply reply = dispatch(request[0], request.subspan(1), wait);
  update_summary();
  return reply;
}

CtapReply Authenticator::dispatch(uint8_t command, ByteView params, PresenceWait& wait) {
  // Multi-step cursors survive only their own follow-up commands.
  if (command != ctap::kGetNextAssertion) ctx_.assertions.reset();
  if (command != ctap::kCredentialManagement && command != ctap::kCredentialManagementPreview) {
    ctx_.credman.clear();
  }
  bool takes_params = command == ctap::kMakeCredential || command == ctap::kGetAssertion ||
                      command == ctap::kClientPin || command == ctap::kCredentialManagement ||
                      command == ctap::kCredentialManagementPreview;
  cbor::Item item;
  if (takes_params) {
    if (params.empty()) return CtapReply::error(ctap::kMissingParameter);
    auto decoded = cbor::decode(params);
    if (!decoded) return CtapReply::error(ctap::kInvalidCbor);
    item = std::move(*decoded);
    if (!cbor::is_map(item.get())) return CtapReply::error(ctap::kCborUnexpectedType);
  } else if (!params.empty()) {
    return CtapReply::error(ctap::kInvalidLength);
  }
  switch (command) {
    case ctap::kMakeCredential:
      return handle_make_credential(ctx_, item.get(), wait);
    case ctap::kGetAssertion:
      return handle_get_assertion(ctx_, item.get(), wait);
    case ctap::kGetNextAssertion:
      return handle_get_next_assertion(ctx_);
    case ctap::kGetInfo:
      return handle_get_info(ctx_);
    case ctap::kClientPin:
      return handle_client_pin(ctx_, item.get());
    case ctap::kReset:
      return handle_reset(ctx_, wait);
    case ctap::kCredentialManagement:
    case ctap::kCredentialManagementPreview:
      return handle_credential_management(ctx_, item.get());
    case ctap::kSelection: {
      Presence p = ctx_.touch.wait(wait);
      return CtapReply::error(status_of(p));
    }
    default:
      return CtapReply::error(ctap::kInvalidCommand);
  }
}

bool Authenticator::power_cycle() {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  ctx_.pin.power_up();
  ctx_.assertions.reset();
  ctx_.credman.clear();
  ctx_.powered_up = std::chrono::steady_clock::now();
  update_summary();
  return true;
}

void Authenticator::update_summary() {
  Summary s;
  s.pin_set = ctx_.state.pin_set();
  s.pin_retries = ctx_.state.pin_retries;
  s.pin_auth_blocked = ctx_.pin.auth_blocked();
  s.resident_credentials = ctx_.state.credentials.size();
  s.sign_counter = ctx_.state.sign_counter;
  std::lock_guard lock(summary_mu_);
  summary_ = s;
}

Authenticator::Summary Authenticator::summary() const {
  std::lock_guard lock(summary_mu_);
  return summary_;
}

}  // namespace skagent::vtoken
