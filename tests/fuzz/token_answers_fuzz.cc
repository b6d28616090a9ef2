// SPDX-License-Identifier: BSD-2-Clause
// fido/'s middleware against a token whose CTAP answers are the input: sign (getAssertion),
// enroll (makeCredential, with the resident-key lookup and the attestation check) and
// resident-key loading (credential management), through fido/vtoken_io and libfido2's CTAPHID
// and CBOR code, as skagent-sk-helper runs them. libfido2 decodes the CBOR; what fido/ makes of
// it (device capabilities, key formats, signature parts, flag and count checks) is what this
// exercises. Whatever the token says, each operation ends in an error or in a result that
// keeps fido/'s promises.
//
// Input: op ‖ flags ‖ key-handle length ‖ key handle ‖ answers, each a big-endian u16 length
// and that many bytes (CTAP status ‖ CBOR), handed out in order to the CBOR requests, getInfo
// included. Seeds (tests/fuzz/corpus/token_answers/) are a real skagent-vtoken's answers:
// SKAGENT_FUZZ_MAKE_SEEDS=DIR writes them.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>

#include "fido/enroll.h"
#include "fido/resident_keys.h"
#include "fido/sign.h"
#include "vtoken/authenticator.h"
#include "vtoken/client_pin.h"
#include "tests/fido/hostile_token.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

namespace {

constexpr char kApplication[] = "ssh:fuzz";
constexpr char kPin[] = "1234";

struct Input {
  enum class Op { sign, enroll, resident_keys } op = Op::sign;
  uint8_t flags = 0;  // bit 0: ECDSA (else Ed25519); bit 1: a PIN; bits 2..7: key flags >> 2
  Bytes key_handle;
  std::vector<Bytes> answers;

  uint32_t alg() const { return (flags & 1) ? fido::kAlgEcdsaP256 : fido::kAlgEd25519; }
  const char* pin() const { return (flags & 2) ? kPin : nullptr; }
  uint8_t key_flags() const { return uint8_t((flags & 0xfc) | fido::kUserPresenceRequired); }

  static std::optional<Input> parse(ByteView in) {
    if (in.size() < 3) return std::nullopt;
    Input x;
    x.op = Op(in[0] % 3);
    x.flags = in[1];
    size_t pos = 3 + std::min<size_t>(in[2], in.size() - 3);
    x.key_handle.assign(in.begin() + 3, in.begin() + long(pos));
    while (pos + 2 <= in.size()) {
      size_t n = std::min<size_t>(size_t(in[pos]) << 8 | in[pos + 1], in.size() - pos - 2);
      x.answers.emplace_back(in.begin() + long(pos + 2), in.begin() + long(pos + 2 + n));
      pos += 2 + n;
    }
    return x;
  }
  Bytes encode() const {
    Bytes b = {uint8_t(op), flags, uint8_t(key_handle.size())};
    b.insert(b.end(), key_handle.begin(), key_handle.end());
    for (const auto& a : answers) {
      b.push_back(uint8_t(a.size() >> 8));
      b.push_back(uint8_t(a.size()));
      b.insert(b.end(), a.begin(), a.end());
    }
    return b;
  }
};

// Where a CBOR request's answer comes from: the input's next one, or (to make seeds) a real
// virtual token whose answers are recorded. The token's server thread asks; a mutex hands over.
class AnswerSource {
 public:
  void replay(const std::vector<Bytes>& answers) {
    std::lock_guard<std::mutex> l(mu_);
    answers_ = answers;
    next_ = 0;
    real_ = nullptr;
  }
  void record(vtoken::Authenticator* real) {
    std::lock_guard<std::mutex> l(mu_);
    answers_.clear();
    real_ = real;
  }
  std::vector<Bytes> recorded() {
    std::lock_guard<std::mutex> l(mu_);
    return answers_;
  }
  std::optional<Bytes> answer(uint8_t cmd, ByteView params) {
    std::lock_guard<std::mutex> l(mu_);
    if (real_ != nullptr) {
      Bytes req = {cmd};
      req.insert(req.end(), params.begin(), params.end());
      vtoken::SleepingWait w;
      answers_.push_back(real_->handle(req, w).wire());
      return answers_.back();
    }
    if (next_ >= answers_.size()) return std::nullopt;
    return answers_[next_++];
  }

 private:
  std::mutex mu_;
  std::vector<Bytes> answers_;
  size_t next_ = 0;
  vtoken::Authenticator* real_ = nullptr;
};

// One socket and server thread for the whole run.
struct Token {
  AnswerSource source;
  fido::testing::HostileToken token{
      {[this](uint8_t cmd, ByteView p) { return source.answer(cmd, p); }}};

  fido::Options options() const {
    fido::Options o;
    o.device = token.device();
    o.sources.usb = o.sources.pcsc = false;
    o.timeout = std::chrono::milliseconds(5000);
    return o;
  }
};

Token& token() {
  static Token t;  // its destructor stops the thread and removes the socket at exit
  return t;
}

bool run_sign(const fido::Options& o, const Input& in) {
  fido::SignRequest req;
  req.alg = in.alg();
  req.data = view("data to sign");
  req.application = kApplication;
  req.key_handle = in.key_handle;
  req.flags = in.key_flags();
  req.pin = in.pin();
  auto s = fido::sign(o, req);
  if (!s) return false;
  if (req.alg == fido::kAlgEd25519) {
    FUZZ_CHECK(s->sig_r.size() == 64 && s->sig_s.empty());
  } else {
    FUZZ_CHECK(!s->sig_r.empty() && s->sig_r.size() <= 32 && !s->sig_s.empty() &&
               s->sig_s.size() <= 32);
  }
  FUZZ_CHECK(s->flags & fido::kUserPresenceRequired);
  if (req.flags & fido::kUserVerificationRequired)
    FUZZ_CHECK(s->flags & fido::kUserVerificationRequired);
  return true;
}

std::optional<Bytes> run_enroll(const fido::Options& o, const Input& in) {
  fido::EnrollRequest req;
  req.alg = in.alg();
  req.challenge = view("challenge");
  req.application = kApplication;
  req.flags = in.key_flags();
  req.pin = in.pin();
  auto k = fido::enroll(o, req);
  if (!k) return std::nullopt;
  FUZZ_CHECK(k->public_key.size() == (req.alg == fido::kAlgEd25519 ? 32u : 65u));
  if (req.alg == fido::kAlgEcdsaP256) FUZZ_CHECK(k->public_key[0] == 0x04);
  FUZZ_CHECK(!k->key_handle.empty());
  return k->key_handle;
}

bool run_resident(const fido::Options& o, const Input& in) {
  auto keys = fido::load_resident_keys(o, in.pin());
  if (!keys) return false;
  for (const auto& k : *keys) {
    FUZZ_CHECK(k.application.rfind("ssh:", 0) == 0);
    FUZZ_CHECK(k.key.public_key.size() == (k.alg == fido::kAlgEd25519 ? 32u : 65u));
    FUZZ_CHECK(!k.key.key_handle.empty());
    FUZZ_CHECK(k.flags & fido::kResidentKey);
  }
  return true;
}

bool run(const Input& in) {
  auto o = token().options();
  switch (in.op) {
    case Input::Op::sign:
      return run_sign(o, in);
    case Input::Op::enroll:
      return run_enroll(o, in).has_value();
    case Input::Op::resident_keys:
      return run_resident(o, in);
  }
  return false;
}

// ---- seeds: each operation against an in-process skagent-vtoken (PIN 1234), its answers kept

// Runs `op` against the real token; the answers it gave, or nothing when `op` failed.
template <class Op>
std::optional<std::vector<Bytes>> answers_of(vtoken::Authenticator& real, Op op) {
  token().source.record(&real);
  if (!op()) return std::nullopt;
  return token().source.recorded();
}

bool save_seed(Input in, std::optional<std::vector<Bytes>> answers, const std::string& path) {
  if (!answers)
    return fprintf(stderr, "%s: the operation failed against the real token\n", path.c_str()),
           false;
  in.answers = std::move(*answers);
  Bytes b = in.encode();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  return true;
}

bool write_seeds(const std::string& dir) {
  std::filesystem::create_directories(dir + "/.state");
  vtoken::TokenState state;
  state.master_secret = Bytes(32, 0x5a);
  if (!vtoken::set_pin_directly(state, kPin)) return false;
  vtoken::TouchControl touch;
  vtoken::Authenticator real({}, vtoken::StateFile(dir + "/.state/state"), std::move(state), touch);
  auto o = token().options();
  constexpr uint8_t kEcdsa = 1, kWithPin = 2;
  constexpr uint8_t kUv = fido::kUserVerificationRequired, kRk = fido::kResidentKey;
  bool ok = true;
  for (uint8_t flags :
       {uint8_t(0), kEcdsa, uint8_t(kWithPin | kRk), uint8_t(kEcdsa | kWithPin | kUv)}) {
    Input enroll{Input::Op::enroll, flags, {}, {}};
    std::optional<Bytes> handle;
    auto made = answers_of(real, [&] { return (handle = run_enroll(o, enroll)).has_value(); });
    ok = ok && save_seed(enroll, made, dir + "/enroll-" + std::to_string(flags));
    if (!handle || handle->size() > 255) return false;
    Input sign{Input::Op::sign, flags, *handle, {}};
    ok = ok && save_seed(sign, answers_of(real, [&] { return run_sign(o, sign); }),
                         dir + "/sign-" + std::to_string(flags));
  }
  Input rk{Input::Op::resident_keys, kWithPin, {}, {}};
  ok = ok &&
       save_seed(rk, answers_of(real, [&] { return run_resident(o, rk); }), dir + "/resident-keys");
  std::filesystem::remove_all(dir + "/.state");
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = getenv("SKAGENT_FUZZ_MAKE_SEEDS")) exit(write_seeds(dir) ? 0 : 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = Input::parse(ByteView(data, size));
  if (!in) return 0;
  token().source.replay(in->answers);
  (void)run(*in);
  return 0;
}
