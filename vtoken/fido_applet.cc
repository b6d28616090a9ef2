// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/fido_applet.h"

#include <algorithm>

namespace skagent::vtoken {

namespace {

constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsGetResponse = 0xC0;
constexpr uint8_t kInsNfcCtapMsg = 0x10;
constexpr uint8_t kInsNfcCtapGetResponse = 0x11;
constexpr uint8_t kClaChain = 0x10;
constexpr uint8_t kP1GetResponseSupported = 0x80;
constexpr uint16_t kSwStatusUpdate = 0x9100;
// How long one APDU waits for a running request before answering 9100.
constexpr auto kPollSlice = std::chrono::milliseconds(100);

Bytes status_only(uint16_t s) { return response_apdu({}, s); }

}  // namespace

void FidoApplet::reset() {
  running_.reset();
  selected_ = false;
  chain_.clear();
  pending_.clear();
}

Bytes FidoApplet::deliver(Bytes payload, uint32_t le) {
  size_t chunk = std::max<size_t>(1, std::min<size_t>(le, 65536));
  if (payload.size() <= chunk) {
    pending_.clear();
    return response_apdu(payload, sw::kOk);
  }
  Bytes head(payload.begin(), payload.begin() + long(chunk));
  pending_.assign(payload.begin() + long(chunk), payload.end());
  uint16_t status = uint16_t(sw::kBytesRemaining | (pending_.size() >= 256 ? 0 : pending_.size()));
  return response_apdu(head, status);
}

Bytes FidoApplet::poll_running(uint32_t le) {
  auto reply = running_->poll(kPollSlice);
  if (!reply) return response_apdu(Bytes{running_->status()}, kSwStatusUpdate);
  running_.reset();
  return deliver(reply->wire(), le);
}

Bytes FidoApplet::process(ByteView capdu, PresenceWait& wait) {
  auto parsed = CommandApdu::parse(capdu);
  bool polls = parsed && parsed->cla == 0x80 && parsed->ins == kInsNfcCtapGetResponse;
  if (running_ && !polls) running_.reset();  // anything else cancels the request
  if (!parsed) {
    chain_.clear();
    return status_only(sw::kWrongLength);
  }
  CommandApdu& c = *parsed;
  if (c.ins != kInsGetResponse) pending_.clear();
  if (c.cla & kClaChain) {
    if ((!chain_.empty() && c.ins != chain_ins_) ||
        chain_.size() + c.data.size() > kMaxChainedRequest) {
      chain_.clear();
      return status_only(sw::kWrongLength);
    }
    chain_ins_ = c.ins;
    chain_.insert(chain_.end(), c.data.begin(), c.data.end());
    return status_only(sw::kOk);
  }
  if (!chain_.empty()) {
    bool same = c.ins == chain_ins_;
    Bytes whole = std::move(chain_);
    chain_.clear();
    if (!same) return status_only(sw::kConditionsNotSatisfied);
    if (whole.size() + c.data.size() > kMaxChainedRequest) return status_only(sw::kWrongLength);
    whole.insert(whole.end(), c.data.begin(), c.data.end());
    c.data = std::move(whole);
  }
  uint32_t le = c.le.value_or(256);
  if (!c.extended) le = std::min<uint32_t>(le, 256);
  switch (c.ins) {
    case kInsSelect: {
      if (c.cla != 0x00) return status_only(sw::kClaNotSupported);
      if (c.p1 != 0x04) return status_only(sw::kWrongP1P2);
      if (!equal(c.data, ByteView(kFidoAid, sizeof(kFidoAid)))) {
        selected_ = false;
        return status_only(sw::kFileNotFound);
      }
      selected_ = true;
      return response_apdu(view("FIDO_2_0"), sw::kOk);
    }
    case kInsGetResponse: {
      if (pending_.empty()) return status_only(sw::kConditionsNotSatisfied);
      Bytes rest = std::move(pending_);
      pending_.clear();
      return deliver(std::move(rest), le);
    }
    case kInsNfcCtapMsg: {
      if (c.cla != 0x80) return status_only(sw::kClaNotSupported);
      if (!selected_) return status_only(sw::kConditionsNotSatisfied);
      if (c.data.empty()) return status_only(sw::kWrongLength);
      if (c.p1 & kP1GetResponseSupported) {
        running_ = std::make_unique<BackgroundRequest>(auth_, std::move(c.data));
        return poll_running(le);
      }
      return deliver(auth_.handle(c.data, wait).wire(), le);
    }
    case kInsNfcCtapGetResponse: {
      if (c.cla != 0x80) return status_only(sw::kClaNotSupported);
      if (!running_) return status_only(sw::kConditionsNotSatisfied);
      return poll_running(le);
    }
    default:
      return status_only(sw::kInsNotSupported);  // no U2F
  }
}

}  // namespace skagent::vtoken
