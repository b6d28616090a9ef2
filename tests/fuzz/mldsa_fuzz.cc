// SPDX-License-Identifier: BSD-2-Clause
// The ML-DSA-44+Ed25519 parsers and verifier on hostile bytes. The first byte picks what the
// rest is:
//   0: a public key blob, then used to check a real signature (must not verify unless it is
//      the signer's key);
//   1: a signature blob checked against a fixed key and message (must not verify unless it is
//      the real signature: a forgery found here is a crash);
//   2: a private key serialisation after the type name (ADD_IDENTITY's body); a key that
//      validates must sign, and its signature must verify.
#include "ssh/key.h"
#include "ssh/mldsa44_ed25519.h"
#include "ssh/private_key.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

namespace {

struct Fixture {
  PublicKey key;
  Bytes signature;
  Fixture() {
    Bytes seeds(64, 0x5a);
    key.type = KeyType::mldsa44_ed25519;
    key.point = *mldsa44_ed25519::public_key(seeds);
    Writer w;
    w.string(key_type_info(key.type).name);
    w.string(*mldsa44_ed25519::sign(seeds, view("message")));
    signature = w.take();
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Fixture& f = fixture();
  ByteView in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto key = parse_public_key(in);
      if (!key || key->type != KeyType::mldsa44_ed25519) return 0;
      bool ok = verify_signature(*key, f.signature, view("message")).ok();
      FUZZ_CHECK(!ok || same_public_key(key->plain(), f.key));
      return 0;
    }
    case 1:
      if (verify_signature(f.key, in, view("message")).ok()) FUZZ_CHECK(equal(in, f.signature));
      return 0;
    default: {
      Writer w;
      w.string(key_type_info(KeyType::mldsa44_ed25519).name);
      w.raw(in);
      Reader r(w.bytes());
      auto key = PrivateKey::read(r);
      if (!key || !key->validate()) return 0;
      auto sig = key->sign(view("data"));
      FUZZ_CHECK(sig.ok());
      FUZZ_CHECK(verify_signature(key->public_key(), *sig, view("data")).ok());
      return 0;
    }
  }
}
