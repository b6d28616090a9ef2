// SPDX-License-Identifier: BSD-2-Clause
// CTAP2 status codes and the reply shape every command handler returns.
// A status is a protocol value sent to the platform (like an agent FAILURE
// reply), not an error type: internal failures still travel as skagent::Error
// and are turned into a status at the handler boundary by status_for().
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken {

namespace ctap {
inline constexpr uint8_t kOk = 0x00;
inline constexpr uint8_t kInvalidCommand = 0x01;
inline constexpr uint8_t kInvalidParameter = 0x02;
inline constexpr uint8_t kInvalidLength = 0x03;
inline constexpr uint8_t kCborUnexpectedType = 0x11;
inline constexpr uint8_t kInvalidCbor = 0x12;
inline constexpr uint8_t kMissingParameter = 0x14;
inline constexpr uint8_t kLimitExceeded = 0x15;
inline constexpr uint8_t kCredentialExcluded = 0x19;
inline constexpr uint8_t kUnsupportedAlgorithm = 0x26;
inline constexpr uint8_t kOperationDenied = 0x27;
inline constexpr uint8_t kKeyStoreFull = 0x28;
inline constexpr uint8_t kUnsupportedOption = 0x2B;
inline constexpr uint8_t kInvalidOption = 0x2C;
inline constexpr uint8_t kKeepaliveCancel = 0x2D;
inline constexpr uint8_t kNoCredentials = 0x2E;
inline constexpr uint8_t kUserActionTimeout = 0x2F;
inline constexpr uint8_t kNotAllowed = 0x30;
inline constexpr uint8_t kPinInvalid = 0x31;
inline constexpr uint8_t kPinBlocked = 0x32;
inline constexpr uint8_t kPinAuthInvalid = 0x33;
inline constexpr uint8_t kPinAuthBlocked = 0x34;
inline constexpr uint8_t kPinNotSet = 0x35;
inline constexpr uint8_t kPinRequired = 0x36;  // CTAP 2.1: PUAT_REQUIRED
inline constexpr uint8_t kPinPolicyViolation = 0x37;
inline constexpr uint8_t kRequestTooLarge = 0x39;
inline constexpr uint8_t kInvalidSubcommand = 0x3E;
inline constexpr uint8_t kUnauthorizedPermission = 0x40;
inline constexpr uint8_t kOther = 0x7F;

// authenticator commands (first byte of a CTAPHID CBOR / NFCCTAP_MSG payload)
inline constexpr uint8_t kMakeCredential = 0x01;
inline constexpr uint8_t kGetAssertion = 0x02;
inline constexpr uint8_t kGetInfo = 0x04;
inline constexpr uint8_t kClientPin = 0x06;
inline constexpr uint8_t kReset = 0x07;
inline constexpr uint8_t kGetNextAssertion = 0x08;
inline constexpr uint8_t kCredentialManagement = 0x0A;
inline constexpr uint8_t kSelection = 0x0B;
inline constexpr uint8_t kCredentialManagementPreview = 0x41;
}  // namespace ctap

// What a command handler answers: a status and, on success, a CBOR map.
struct CtapReply {
  uint8_t status = ctap::kOk;
  Bytes body;

  static CtapReply error(uint8_t status) { return CtapReply{status, {}}; }
  static CtapReply ok(Bytes body) { return CtapReply{ctap::kOk, std::move(body)}; }
  // The wire form: status byte, then the body.
  Bytes wire() const {
    Bytes out;
    out.reserve(body.size() + 1);
    out.push_back(status);
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }
};

// Parser errors to statuses: a missing field (Errc::not_found) is
// MISSING_PARAMETER, a size bound LIMIT_EXCEEDED, an unsupported choice
// UNSUPPORTED_OPTION, anything else malformed CBOR_UNEXPECTED_TYPE.
inline uint8_t status_for(const Error& e) {
  switch (e.code) {
    case Errc::not_found:
      return ctap::kMissingParameter;
    case Errc::limit:
      return ctap::kLimitExceeded;
    case Errc::unsupported:
      return ctap::kUnsupportedOption;
    case Errc::malformed:
      return ctap::kCborUnexpectedType;
    default:
      return ctap::kOther;
  }
}

}  // namespace skagent::vtoken
