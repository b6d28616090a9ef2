// SPDX-License-Identifier: BSD-2-Clause
// What a PKCS#11 module says about its keys (attribute values, X.509 certificates, raw
// signatures), turned into SSH keys and signature blobs. The first input byte picks the
// parser; for two-part inputs the second byte is where the first part ends.
#include "pkcs11/key_attributes.h"
#include "tests/common/p256.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;
using namespace skagent::pkcs11;

namespace {

// Whatever a parser accepts must be a key the wire model accepts as it is.
void check_key(const Result<PublicKey>& k) {
  if (!k) return;
  auto again = parse_public_key(k->blob());
  FUZZ_CHECK(again.ok() && equal(again->blob(), k->blob()));
}

const PublicKey& fixed_key(uint8_t which) {
  static const PublicKey keys[] = {
      fuzz::read_key(fuzz::fixed_ed25519_private()).public_key(),
      *ec_key_from_attributes(Bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07},
                              Bytes(skagent::testing::p256_generator().begin(),
                                    skagent::testing::p256_generator().end())),
  };
  return keys[which % 2];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t which = data[0];
  ByteView in(data + 1, size - 1);
  size_t cut = std::min<size_t>(data[1], in.size());
  ByteView a = in.first(cut), b = in.subspan(cut);
  switch (which % 7) {
    case 0:
      if (auto v = der_octet_string(in)) {
        FUZZ_CHECK(v->data() >= in.data() && v->data() + v->size() <= in.data() + in.size());
      }
      break;
    case 1:
      (void)der_ecdsa_signature(in);
      break;
    case 2:
      (void)curve_from_ec_params(in);
      break;
    case 3:
      check_key(ec_key_from_attributes(a, b));
      break;
    case 4:
      check_key(rsa_key_from_attributes(a, b));
      break;
    case 5: {
      std::string subject;
      check_key(key_from_x509(in, &subject));
      break;
    }
    default: {
      const PublicKey& key = fixed_key(which);
      if (auto sig = ssh_signature_blob(key, key_type_info(key.type).name, in)) {
        auto alg = signature_algorithm(*sig);
        FUZZ_CHECK(alg.ok() && *alg == key_type_info(key.type).name);
      }
    }
  }
  return 0;
}
