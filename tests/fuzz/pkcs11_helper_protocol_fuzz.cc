// SPDX-License-Identifier: BSD-2-Clause
// The agent <-> skagent-pkcs11-helper protocol: the helper decodes requests, the agent decodes
// replies (from a process running a PKCS#11 module, so not trusted). What decodes must encode
// and decode to the same thing.
#include "pkcs11/pkcs11_helper_protocol.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;
using namespace skagent::pkcs11;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  if (auto req = decode_request(in)) {
    Bytes enc = req->type == RequestType::load ? encode_load_request(req->pin)
                : req->type == RequestType::sign
                    ? encode_sign_request(req->key_blob, req->data, req->flags)
                    : encode_check_request();
    FUZZ_CHECK(equal(enc, in));  // one encoding per request
  }
  if (auto load = decode_load_reply(in)) {
    FUZZ_CHECK(load->keys.size() <= kMaxKeys && load->notes.size() <= kMaxNotes);
    auto again = decode_load_reply(encode_load_reply(*load));
    FUZZ_CHECK(again.ok() && again->keys.size() == load->keys.size() &&
               again->notes == load->notes);
    for (size_t i = 0; i < load->keys.size(); i++) {
      FUZZ_CHECK(equal(again->keys[i].blob, load->keys[i].blob));
      FUZZ_CHECK(again->keys[i].label == load->keys[i].label);
    }
  } else {
    // An error reply keeps its code and message through a re-encoding.
    auto again = decode_load_reply(encode_error_reply(load.error()));
    FUZZ_CHECK(!again.ok() && again.error().code == load.error().code);
  }
  if (auto sig = pkcs11::decode_sign_reply(in)) {
    FUZZ_CHECK(!sig->empty() && sig->size() <= kMaxSignature);
    auto again = pkcs11::decode_sign_reply(pkcs11::encode_sign_reply(*sig));
    FUZZ_CHECK(again.ok() && equal(*again, *sig));
  }
  if (auto present = decode_check_reply(in)) {
    auto again = decode_check_reply(encode_check_reply(*present));
    FUZZ_CHECK(again.ok() && *again == *present);
  }
  return 0;
}
