// SPDX-License-Identifier: BSD-2-Clause
// The agent <-> skagent-pkcs11-helper protocol: frames of uint32 length +
// body over a socketpair, parsed with the same bounds-checked reader as the
// agent protocol. One request per frame; the helper answers in order.
//
//   request  byte type, then:
//     1 LOAD   string pin                       log in, list the token keys
//     2 SIGN   string key blob, string data, uint32 agent sign flags
//     3 CHECK                                   is every token still there?
//   reply    byte 1 (failed), uint32 error code, string message
//          | byte 0 (ok), then:
//     LOAD   uint32 n, n x (string key blob, string label), uint32 m, m x string note
//     SIGN   string SSH signature blob
//     CHECK  bool present
// A SIGN failure with the code Errc::not_found means the token (or the session with it) is
// gone: the agent then drops the module's keys.
//
// The helper runs a token library the agent does not trust, so every reply is
// checked as hostile input: sizes are bounded and key blobs must parse as plain
// RSA, ECDSA or Ed25519 public keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::pkcs11 {

inline constexpr size_t kMaxFrame = 2 * 1024 * 1024;
inline constexpr size_t kMaxKeys = 1024;
inline constexpr size_t kMaxNotes = 64;
inline constexpr size_t kMaxPin = 1024;
inline constexpr size_t kMaxSignature = 8192;
inline constexpr size_t kMaxText = 4096;  // labels, notes, error messages

enum class RequestType : uint8_t { load = 1, sign = 2, check = 3 };

struct Request {
  RequestType type = RequestType::check;
  Bytes pin;           // load
  Bytes key_blob;      // sign: the plain public key
  Bytes data;          // sign
  uint32_t flags = 0;  // sign: SSH_AGENT_RSA_SHA2_256 / 512
};

struct TokenKey {
  Bytes blob;         // plain SSH public key blob
  std::string label;  // CKA_LABEL or the certificate subject; may be empty
};

struct LoadReply {
  std::vector<TokenKey> keys;
  std::vector<std::string> notes;  // keys skipped, slots that failed: for the agent's log
};

Bytes encode_load_request(ByteView pin);
Bytes encode_sign_request(ByteView key_blob, ByteView data, uint32_t flags);
Bytes encode_check_request();
Result<Request> decode_request(ByteView body);

Bytes encode_error_reply(const Error& error);
Bytes encode_load_reply(const LoadReply& reply);
Bytes encode_sign_reply(ByteView signature);
Bytes encode_check_reply(bool present);
Result<LoadReply> decode_load_reply(ByteView body);
Result<Bytes> decode_sign_reply(ByteView body);
Result<bool> decode_check_reply(ByteView body);

}  // namespace skagent::pkcs11
