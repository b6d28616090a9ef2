// SPDX-License-Identifier: BSD-2-Clause
// The agent <-> skagent-sk-helper protocol: the bodies of the frames on a
// helper channel (platform/helper_channel.h), parsed with the same
// bounds-checked reader as the agent protocol. One request per frame;
// replies come back in request order.
// The PIN is a Secret (locked memory) on both sides; the byte buffers that
// carry it wipe themselves when freed (Bytes), and their owners wipe spare
// capacity (wipe_spare) so no copy lingers in a reused buffer.
#pragma once

#include <cstdint>
#include <string>

#include "platform/secret.h"
#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

inline constexpr size_t kMaxHelperFrame = 2 * 1024 * 1024;

struct SkSignRequest {
  uint32_t alg = 0;  // fido::kAlgEcdsaP256 or fido::kAlgEd25519 (fido/sk_abi.h)
  Bytes data;        // the raw message; the provider hashes it
  std::string application;
  Bytes key_handle;
  uint8_t flags = 0;
  Secret pin;  // empty: none
};

struct SkSignResult {
  Bytes sig_r, sig_s;  // Ed25519: 64 bytes in sig_r
  uint8_t flags = 0;
  uint32_t counter = 0;
};

// What a request asks: a signature, or whether a PC/SC card the helper
// signed with has left its reader since (fido/card_watch.h).
enum class SkRequestKind { sign, check_cards };
Result<SkRequestKind> sk_request_kind(ByteView body);

Bytes encode_sign_request(const SkSignRequest& req);
Result<SkSignRequest> decode_sign_request(ByteView body);
Bytes encode_sign_reply(const Result<SkSignResult>& reply);
Result<SkSignResult> decode_sign_reply(ByteView body);
Bytes encode_check_cards_request();
Bytes encode_check_cards_reply(bool card_left);
Result<bool> decode_check_cards_reply(ByteView body);

}  // namespace skagent
