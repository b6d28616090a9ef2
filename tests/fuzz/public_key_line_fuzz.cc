// SPDX-License-Identifier: BSD-2-Clause
// One-line public keys ("type base64 comment", id_*.pub and *-cert.pub), as ssh-add and
// skagent-keygen read them. A line that parses must format and parse back to the same key.
#include "ssh/key_file.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto k = parse_public_key_line(line);
  if (!k) return 0;
  std::string out = format_public_key_line(k->key, k->comment);
  auto again = parse_public_key_line(out);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(equal(again->key.blob(), k->key.blob()));
  return 0;
}
