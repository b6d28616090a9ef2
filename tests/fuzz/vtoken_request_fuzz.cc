// SPDX-License-Identifier: BSD-2-Clause
// skagent-vtoken's request side against a hostile platform: CTAPHID reassembly
// (vtoken/ctaphid.h), the ISO 7816 APDU parser and the NFC FIDO applet
// (vtoken/apdu.h, fido_applet.h), the strict CBOR pre-scan (vtoken/cbor.h) and the
// authenticator's dispatch to every command handler, on a token with a PIN set.
// Every request gets an answer, and what the token accepts or builds keeps its form.
//
// Input: transport ‖ stream.
//   0: 64-byte CTAPHID reports; complete CBOR messages go to the authenticator
//   1: C-APDUs, each a big-endian u16 length and that many bytes, to the FIDO applet
//   2: CTAP requests (command ‖ CBOR), each a big-endian u16 length and that many bytes
// Seeds: tests/fuzz/corpus/vtoken_request/ (SKAGENT_FUZZ_MAKE_SEEDS=DIR writes them: a real
// libfido2 session's reports, and its requests as APDUs and as plain CTAP requests).
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "vtoken/apdu.h"
#include "vtoken/authenticator.h"
#include "vtoken/cbor.h"
#include "vtoken/client_pin.h"
#include "vtoken/ctaphid.h"
#include "vtoken/fido_applet.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/vtoken_request_seeds.h"

using namespace skagent;
using namespace skagent::vtoken;

namespace {

// A token as skagent-vtoken --pin 1234 sets one up; its state file lives in memory (/dev/shm),
// so saves cost little.
class FuzzToken {
 public:
  FuzzToken() : dir_(make_dir()), touch_(TouchPolicy{}, 100) {}
  ~FuzzToken() { std::filesystem::remove_all(dir_); }

  // A fresh authenticator on the same starting state for every input.
  std::unique_ptr<Authenticator> fresh() {
    return std::make_unique<Authenticator>(TokenConfig{}, StateFile(dir_ + "/state"), start_state(),
                                           touch_);
  }

 private:
  static std::string make_dir() {
    std::string tmpl = "/dev/shm/skvtfuzz-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) abort();
    return tmpl;
  }
  static TokenState start_state() {
    TokenState s;
    s.master_secret = Bytes(32, 0x5a);
    if (!set_pin_directly(s, "1234")) abort();
    return s;
  }

  std::string dir_;
  TouchControl touch_;
};

// u16-length-prefixed records.
std::vector<ByteView> records(ByteView in) {
  std::vector<ByteView> out;
  size_t pos = 0;
  while (pos + 2 <= in.size()) {
    size_t n = std::min<size_t>(size_t(in[pos]) << 8 | in[pos + 1], in.size() - pos - 2);
    out.push_back(in.subspan(pos + 2, n));
    pos += 2 + n;
  }
  return out;
}

// What holds for any request the authenticator answers, and for what it accepted.
void check_ctap(Authenticator& auth, ByteView request) {
  SleepingWait wait;
  CtapReply reply = auth.handle(request, wait);
  if (reply.status != 0) {
    FUZZ_CHECK(reply.body.empty());
    return;
  }
  // Success bodies are canonical CBOR (libfido2 refuses anything else), and fit CTAPHID.
  if (!reply.body.empty()) FUZZ_CHECK(cbor::check_canonical(reply.body).ok());
  FUZZ_CHECK(reply.wire().size() <= ctaphid::kMaxPayload);
}

// Canonical CBOR survives a round trip through libcbor unchanged.
void check_cbor(ByteView params) {
  auto item = cbor::decode(params);
  if (!item) return;
  FUZZ_CHECK(equal(cbor::encode(item->get()), params));
}

void run_hid(Authenticator& auth, ByteView stream) {
  ctaphid::Reassembler reasm;
  auto now = std::chrono::steady_clock::now();
  for (size_t off = 0; off + ctaphid::kReportSize <= stream.size(); off += ctaphid::kReportSize) {
    ctaphid::Report r;
    std::copy_n(stream.begin() + long(off), r.size(), r.begin());
    auto ev = reasm.feed(r, now);
    if (ev.kind != ctaphid::Reassembler::Event::message) continue;
    const ctaphid::Message& m = ev.msg;
    FUZZ_CHECK(m.payload.size() <= ctaphid::kMaxPayload);
    // What was reassembled fragments back into reports that reassemble to the same message.
    auto frags = ctaphid::fragment(m.cid, m.cmd, m.payload);
    FUZZ_CHECK(frags.ok());
    ctaphid::Reassembler again;
    ctaphid::Reassembler::Event back;
    for (const auto& f : *frags) back = again.feed(f, now);
    FUZZ_CHECK(back.kind == ctaphid::Reassembler::Event::message && back.msg.cmd == m.cmd &&
               back.msg.cid == m.cid && equal(back.msg.payload, m.payload));
    if (m.cmd == ctaphid::kInit) {
      if (m.payload.size() == 8)
        FUZZ_CHECK(ctaphid::init_response(m.payload, 7, ctaphid::kCapCbor).size() == 17);
    } else if (m.cmd == ctaphid::kCbor && !m.payload.empty()) {
      check_ctap(auth, m.payload);
    }
  }
  (void)reasm.expire(now + std::chrono::seconds(10), std::chrono::milliseconds(500));
  FUZZ_CHECK(!reasm.busy());
}

void run_apdus(Authenticator& auth, ByteView stream) {
  FidoApplet applet(auth);
  SleepingWait wait;
  for (ByteView capdu : records(stream)) {
    if (auto c = CommandApdu::parse(capdu)) {
      // What the parser accepts encodes back to the same APDU.
      FUZZ_CHECK(equal(c->encode(), capdu));
    }
    Bytes r = applet.process(capdu, wait);
    FUZZ_CHECK(r.size() >= 2);
  }
}

void run_ctap(Authenticator& auth, ByteView stream) {
  for (ByteView req : records(stream)) {
    if (!req.empty()) check_cbor(req.subspan(1));
    check_ctap(auth, req);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // SKAGENT_FUZZ_MAKE_SEEDS=DIR: write seeds from a real libfido2 session, then exit.
  if (const char* dir = getenv("SKAGENT_FUZZ_MAKE_SEEDS"))
    exit(fuzz::write_vtoken_request_seeds(dir) ? 0 : 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzToken token;  // removes its directory at exit
  if (size < 1) return 0;
  auto auth = token.fresh();
  ByteView stream(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      run_hid(*auth, stream);
      break;
    case 1:
      run_apdus(*auth, stream);
      break;
    case 2:
      run_ctap(*auth, stream);
      break;
  }
  return 0;
}
