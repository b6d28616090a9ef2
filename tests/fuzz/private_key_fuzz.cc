// SPDX-License-Identifier: BSD-2-Clause
// PrivateKey::read, the body of ADD_IDENTITY: a key that reads must write back to its one
// canonical encoding (mpints with leading zeros are accepted, as OpenSSH accepts them, and
// written without: never longer than what was read, and stable once written), read again, and
// validate() (the agent's add-time check) must never crash. A key that validates must sign.
#include "ssh/private_key.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r(ByteView(data, size));
  auto key = PrivateKey::read(r);
  if (!key) return 0;
  ByteView consumed(data, r.position());
  Writer w;
  key->write(w);
  FUZZ_CHECK(w.bytes().size() <= consumed.size());
  Reader r2(w.bytes());
  auto again = PrivateKey::read(r2);
  FUZZ_CHECK(again.ok() && r2.empty());
  Writer w2;
  again->write(w2);
  FUZZ_CHECK(equal(w2.bytes(), w.bytes()));
  FUZZ_CHECK(same_public_key(key->public_key(), again->public_key()));
  // RSA validation of a fuzzed modulus can take long; keep inputs where it is cheap.
  if (key->public_key().type == KeyType::rsa && key->public_key().rsa_n.size() > 512) return 0;
  if (key->validate() && !key->is_security_key()) {
    auto sig = key->sign(view("fuzz"), RsaHash::sha256);
    if (sig) FUZZ_CHECK(verify_signature(key->public_key(), *sig, view("fuzz")).ok());
  }
  return 0;
}
