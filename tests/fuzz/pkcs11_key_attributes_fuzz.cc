// SPDX-License-Identifier: BSD-2-Clause
// What a PKCS#11 module says about its keys (attribute values, X.509 certificates, raw
// signatures), turned into SSH keys and signature blobs. The first input byte picks the
// parser; for two-part inputs the second byte is where the first part ends.
#include "pkcs11/key_attributes.h"
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
      *ec_key_from_attributes(
          Bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07},
          Bytes{0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
                0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
                0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e,
                0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e,
                0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5}),  // the P-256 generator
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
