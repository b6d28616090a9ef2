// SPDX-License-Identifier: BSD-2-Clause
// openssh-key-v1 private key files: inspect_private_key_file, then read_private_key_file with
// no passphrase and with one. bcrypt rounds are attacker-chosen work: files asking for more
// than 16 are inspected only.
#include "ssh/key_file.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView text(data, size);
  auto info = inspect_private_key_file(text);
  if (!info) {
    // Whatever inspect refuses, read must refuse as well.
    FUZZ_CHECK(!read_private_key_file(text, "").ok());
    return 0;
  }
  if (info->rounds > 16) return 0;
  auto plain = read_private_key_file(text, "");
  if (plain) {
    FUZZ_CHECK(!info->encrypted());
    FUZZ_CHECK(same_public_key(plain->key.public_key(), info->public_key));
    Writer w;
    plain->key.write(w);
    Reader r(w.bytes());
    FUZZ_CHECK(PrivateKey::read(r).ok());
  }
  if (info->encrypted()) {
    auto dec = read_private_key_file(text, "passphrase");
    if (dec) FUZZ_CHECK(same_public_key(dec->key.public_key(), info->public_key));
  }
  return 0;
}
