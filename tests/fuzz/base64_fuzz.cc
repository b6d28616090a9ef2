// SPDX-License-Identifier: BSD-2-Clause
// base64_decode (strict: one text decodes one way) and encode/decode round trips.
#include "ssh/base64.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = base64_decode(text)) {
    std::string enc = base64_encode(*d);
    auto again = base64_decode(enc);
    FUZZ_CHECK(again.ok() && equal(*again, *d));
    // Strictness: the canonical encoding equals the input less its whitespace.
    std::string stripped;
    for (char c : text) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f')
        stripped.push_back(c);
    }
    FUZZ_CHECK(stripped == enc);
  }
  auto raw = base64_decode(base64_encode(ByteView(data, size)));
  FUZZ_CHECK(raw.ok() && equal(*raw, ByteView(data, size)));
  return 0;
}
