// SPDX-License-Identifier: BSD-2-Clause
// CTAPHID framing (CTAP 2.1 §11.2): 64-byte reports, an initialization packet
// (CID ‖ CMD|0x80 ‖ BCNT ‖ 57 data bytes) then continuation packets (CID ‖ SEQ
// ‖ 59 data bytes), at most 7609 payload bytes. The Reassembler is the
// per-connection channel state: one message in flight, sequence checks,
// and the errors a device sends for broken framing.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken::ctaphid {

inline constexpr size_t kReportSize = 64;
inline constexpr size_t kInitDataSize = kReportSize - 7;
inline constexpr size_t kContDataSize = kReportSize - 5;
inline constexpr size_t kMaxPayload = kInitDataSize + 128 * kContDataSize;  // 7609
inline constexpr uint32_t kBroadcastCid = 0xffffffff;

// Commands without the 0x80 frame-type bit.
inline constexpr uint8_t kPing = 0x01;
inline constexpr uint8_t kMsg = 0x03;
inline constexpr uint8_t kLock = 0x04;
inline constexpr uint8_t kInit = 0x06;
inline constexpr uint8_t kWink = 0x08;
inline constexpr uint8_t kCbor = 0x10;
inline constexpr uint8_t kCancel = 0x11;
inline constexpr uint8_t kKeepalive = 0x3b;
inline constexpr uint8_t kError = 0x3f;

// ERROR payloads.
inline constexpr uint8_t kErrInvalidCmd = 0x01;
inline constexpr uint8_t kErrInvalidPar = 0x02;
inline constexpr uint8_t kErrInvalidLen = 0x03;
inline constexpr uint8_t kErrInvalidSeq = 0x04;
inline constexpr uint8_t kErrMsgTimeout = 0x05;
inline constexpr uint8_t kErrChannelBusy = 0x06;
inline constexpr uint8_t kErrInvalidChannel = 0x0b;
inline constexpr uint8_t kErrOther = 0x7f;

// KEEPALIVE payloads.
inline constexpr uint8_t kStatusProcessing = 1;
inline constexpr uint8_t kStatusUpNeeded = 2;

// INIT response capability flags.
inline constexpr uint8_t kCapWink = 0x01;
inline constexpr uint8_t kCapCbor = 0x04;
inline constexpr uint8_t kCapNoMsg = 0x08;

using Report = std::array<uint8_t, kReportSize>;

struct Message {
  uint32_t cid = 0;
  uint8_t cmd = 0;  // without 0x80
  Bytes payload;
};

// Splits a message into reports (zero-padded). Fails over kMaxPayload.
Result<std::vector<Report>> fragment(uint32_t cid, uint8_t cmd, ByteView payload);

// An INIT response: nonce ‖ new CID ‖ protocol 2 ‖ version ‖ capabilities.
Bytes init_response(ByteView nonce, uint32_t new_cid, uint8_t capabilities);

class Reassembler {
 public:
  struct Event {
    enum Kind { none, message, error } kind = none;
    uint32_t cid = 0;
    uint8_t error_code = 0;  // kind == error: answer ERROR on `cid`
    Message msg;             // kind == message
  };

  // Feeds one report. A message completes, or an error must be answered, or
  // nothing happens yet.
  Event feed(const Report& report, std::chrono::steady_clock::time_point now);
  // A message whose continuation packets stopped coming: after `timeout`
  // the device answers ERR_MSG_TIMEOUT and forgets it.
  Event expire(std::chrono::steady_clock::time_point now, std::chrono::milliseconds timeout);
  bool busy() const { return pending_.has_value(); }
  std::optional<std::chrono::steady_clock::time_point> started() const;

 private:
  struct Pending {
    Message msg;
    size_t expected = 0;
    uint8_t next_seq = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::optional<Pending> pending_;
};

}  // namespace skagent::vtoken::ctaphid
