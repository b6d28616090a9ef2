// SPDX-License-Identifier: BSD-2-Clause
// The agent <-> skagent-sk-helper protocol: the helper decodes requests, the agent decodes
// replies (from a process running a token library, so not trusted). What decodes must encode
// and decode to the same thing.
#include "fido/sk_helper_protocol.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  // A request the helper takes is of one kind or the other.
  auto kind = sk_request_kind(in);
  if (decode_sign_request(in).ok()) FUZZ_CHECK(kind.ok() && *kind == SkRequestKind::sign);
  if (kind && *kind == SkRequestKind::check_cards)
    FUZZ_CHECK(equal(in, encode_check_cards_request()));
  if (auto left = decode_check_cards_reply(in)) {
    FUZZ_CHECK(equal(in, encode_check_cards_reply(*left)));
  }
  if (auto req = decode_sign_request(in)) {
    Bytes enc = encode_sign_request(*req);
    auto again = decode_sign_request(enc);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->alg == req->alg && again->flags == req->flags);
    FUZZ_CHECK(equal(again->data, req->data) && equal(again->key_handle, req->key_handle));
    FUZZ_CHECK(again->application == req->application && again->pin == req->pin);
  }
  auto reply = decode_sign_reply(in);
  Bytes enc = encode_sign_reply(reply);
  auto again = decode_sign_reply(enc);
  FUZZ_CHECK(again.ok() == reply.ok());
  if (reply) {
    FUZZ_CHECK(equal(again->sig_r, reply->sig_r) && equal(again->sig_s, reply->sig_s));
    FUZZ_CHECK(again->flags == reply->flags && again->counter == reply->counter);
  }
  return 0;
}
