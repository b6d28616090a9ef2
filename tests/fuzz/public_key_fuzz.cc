// SPDX-License-Identifier: BSD-2-Clause
// Key blobs and certificates (parse_public_key), as they arrive in SIGN_REQUEST,
// REMOVE_IDENTITY, session-bind and destination constraints. A blob that parses must write
// back to its one canonical encoding (mpints with leading zeros are accepted, as OpenSSH
// accepts them, and written without: never longer than the input, stable once written) and
// survive the rest of the key model.
#include "ssh/fingerprint.h"
#include "ssh/key.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  auto key = parse_public_key(in);
  if (!key) return 0;
  Bytes blob = key->blob();
  FUZZ_CHECK(blob.size() <= in.size());
  auto again = parse_public_key(blob);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(equal(again->blob(), blob));
  FUZZ_CHECK(same_public_key(*key, *again));
  (void)fingerprint(*key, FingerprintHash::sha256);
  (void)fingerprint(*key, FingerprintHash::md5);
  (void)key->bits();
  PublicKey plain = key->plain();
  FUZZ_CHECK(!plain.is_cert());
  FUZZ_CHECK(parse_public_key(plain.blob()).ok());
  if (key->is_cert()) (void)verify_certificate_signature(*key->cert);
  // A signature check with the fuzzed key over fixed data: must fail cleanly, not crash.
  static const uint8_t junk_sig[] = {0,   0,   0,   11, 's', 's', 'h', '-', 'e', 'd', '2', '5',
                                     '5', '1', '9', 0,  0,   0,   4,   1,   2,   3,   4};
  (void)verify_signature(*key, ByteView(junk_sig, sizeof(junk_sig)), view("data"));
  return 0;
}
