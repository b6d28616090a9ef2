// SPDX-License-Identifier: BSD-2-Clause
// fido/'s PC/SC framing (fido/apdu.h) against a card whose answers are the input, and the
// conversions of what a token returns (fido/key_format.h). The input is a run of answers,
// each a length byte and that many bytes; whatever the card says, every exchange ends within
// its bounds with a result or an error.
#include <algorithm>

#include "fido/apdu.h"
#include "fido/key_format.h"
#include "fido/options.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  size_t pos = 0;
  int sent = 0;
  fido::apdu::Transmit card = [&](ByteView) -> Result<Bytes> {
    sent++;
    if (pos >= in.size()) return make_error(Errc::io, "card gone");
    size_t n = std::min<size_t>(in[pos], in.size() - pos - 1);
    Bytes answer(in.begin() + long(pos + 1), in.begin() + long(pos + 1 + n));
    pos += 1 + n;
    return answer;
  };
  fido::apdu::Limits limits;
  limits.max_apdus = 64;
  (void)fido::apdu::select(card);
  FUZZ_CHECK(sent <= 8);
  sent = 0;
  if (auto r = fido::apdu::ctap(card, Bytes(300, 0x01), limits))
    FUZZ_CHECK(!r->empty() && r->size() <= limits.max_response);
  FUZZ_CHECK(sent <= limits.max_apdus);
  sent = 0;
  if (auto r = fido::apdu::raw(card, Bytes{0x00, 0x01, 0x02, 0x03, 0x00}, limits))
    FUZZ_CHECK(r->size() >= 2);
  FUZZ_CHECK(sent <= limits.max_apdus);

  for (uint32_t alg : {fido::kAlgEcdsaP256, fido::kAlgEd25519}) {
    if (auto p = fido::ssh_signature_parts(alg, in)) {
      FUZZ_CHECK(alg == fido::kAlgEd25519 ? p->r.size() == 64
                                          : (p->r.size() <= 32 && p->s.size() <= 32));
    }
    if (auto k = fido::ssh_public_key(alg, in))
      FUZZ_CHECK(k->size() == (alg == fido::kAlgEd25519 ? 32u : 65u));
  }
  return 0;
}
