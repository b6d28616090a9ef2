// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/fido_load.h"

#include <fido.h>
#include <fido/credman.h>

#include <functional>
#include <memory>

#include "fido/enroll.h"
#include "fido/options.h"
#include "fido/resident_keys.h"
#include "fido/sign.h"
#include "fido/vtoken_io.h"

namespace skagent::bench {

namespace {

const uint8_t kChallenge[32] = {1, 2, 3};
const uint8_t kData[64] = {4, 5, 6};

struct Dev {
  fido_dev_t* d = fido_dev_new();
  ~Dev() {
    fido_dev_close(d);
    fido_dev_free(&d);
  }
};
struct Cred {
  fido_cred_t* c = fido_cred_new();
  ~Cred() { fido_cred_free(&c); }
};
struct Assert {
  fido_assert_t* a = fido_assert_new();
  ~Assert() { fido_assert_free(&a); }
};

Status ok_or(int r, const char* what) {
  if (r == FIDO_OK) return {};
  return make_error(Errc::io, std::string("bare libfido2 ") + what + ": " + fido_strerr(r));
}

// The bare calls: open, the request, (for a new key) the attestation check, close.
Status bare_enroll(const std::string& sock) {
  Dev dev;
  Cred cred;
  static const uint8_t uid[32] = {};
  int r = skagent::vtoken_open(dev.d, sock);
  if (r == FIDO_OK) r = fido_cred_set_type(cred.c, COSE_EDDSA);
  if (r == FIDO_OK) r = fido_cred_set_clientdata(cred.c, kChallenge, sizeof(kChallenge));
  if (r == FIDO_OK) r = fido_cred_set_user(cred.c, uid, sizeof(uid), "openssh", "openssh", nullptr);
  if (r == FIDO_OK) r = fido_cred_set_rp(cred.c, "ssh:", nullptr);
  if (r == FIDO_OK) r = fido_dev_make_cred(dev.d, cred.c, nullptr);
  if (r == FIDO_OK) r = fido_cred_verify_self(cred.c);
  return ok_or(r, "enroll");
}

Status bare_sign(const std::string& sock, ByteView key_handle) {
  Dev dev;
  Assert a;
  int r = skagent::vtoken_open(dev.d, sock);
  if (r == FIDO_OK) r = fido_assert_set_clientdata(a.a, kData, sizeof(kData));
  if (r == FIDO_OK) r = fido_assert_set_rp(a.a, "ssh:");
  if (r == FIDO_OK) r = fido_assert_allow_cred(a.a, key_handle.data(), key_handle.size());
  if (r == FIDO_OK) r = fido_assert_set_up(a.a, FIDO_OPT_TRUE);
  if (r == FIDO_OK) r = fido_dev_get_assert(dev.d, a.a, nullptr);
  return ok_or(r, "sign");
}

Status bare_load(const std::string& sock, const char* pin) {
  Dev dev;
  int r = skagent::vtoken_open(dev.d, sock);
  if (r != FIDO_OK) return ok_or(r, "open");
  fido_credman_metadata_t* meta = fido_credman_metadata_new();
  fido_credman_rp_t* rp = fido_credman_rp_new();
  r = fido_credman_get_dev_metadata(dev.d, meta, pin);
  if (r == FIDO_OK) r = fido_credman_get_dev_rp(dev.d, rp, pin);
  for (size_t i = 0; r == FIDO_OK && i < fido_credman_rp_count(rp); i++) {
    fido_credman_rk_t* rk = fido_credman_rk_new();
    r = fido_credman_get_dev_rk(dev.d, fido_credman_rp_id(rp, i), rk, pin);
    fido_credman_rk_free(&rk);
  }
  fido_credman_rp_free(&rp);
  fido_credman_metadata_free(&meta);
  return ok_or(r, "resident key load");
}

fido::Options named(const std::string& sock) {
  fido::Options o;
  o.device = skagent::vtoken_device_path(sock);
  return o;
}

// Alternates the two sides `rounds` times; any failure ends the measurement.
Result<FidoOpTiming> measure(unsigned rounds, const std::function<Status()>& bare,
                             const std::function<Status()>& fido) {
  std::vector<int64_t> b, f;
  for (unsigned i = 0; i < rounds; i++) {
    for (int side = 0; side < 2; side++) {
      bool bare_first = (i % 2) == 0;
      bool is_bare = (side == 0) == bare_first;
      auto t0 = Clock::now();
      Status s = is_bare ? bare() : fido();
      auto t1 = Clock::now();
      if (!s) return s.error();
      (is_bare ? b : f).push_back(elapsed_ns(t0, t1));
    }
  }
  return FidoOpTiming{summarize(b), summarize(f)};
}

}  // namespace

Result<FidoBenchResult> run_fido_bench(const FidoBench& b) {
  fido_init(0);
  const std::string& sock = b.vtoken_socket;
  const char* pin = b.pin.empty() ? nullptr : b.pin.c_str();
  FidoBenchResult out;

  fido::EnrollRequest er;
  er.challenge = ByteView(kChallenge, sizeof(kChallenge));
  auto enroll_fido = [&]() -> Status {
    auto k = fido::enroll(named(sock), er);
    return k ? Status() : Status(k.error());
  };
  auto e = measure(
      b.rounds, [&] { return bare_enroll(sock); }, enroll_fido);
  if (!e) return e.error();
  out.enroll = *e;

  auto key = fido::enroll(named(sock), er);
  if (!key) return key.error();
  fido::SignRequest sr;
  sr.data = ByteView(kData, sizeof(kData));
  sr.application = "ssh:";
  sr.key_handle = key->key_handle;
  auto sign_with = [&](const fido::Options& o) -> Status {
    auto s = fido::sign(o, sr);
    return s ? Status() : Status(s.error());
  };
  auto s = measure(
      b.rounds, [&] { return bare_sign(sock, key->key_handle); },
      [&] { return sign_with(named(sock)); });
  if (!s) return s.error();
  out.sign = *s;
  // No device named: found through discovery ($SKAGENT_VTOKEN, USB, PC/SC).
  fido::Options discovered;
  discovered.sources.vtokens = {sock};
  auto sd = measure(
      b.rounds, [&] { return bare_sign(sock, key->key_handle); },
      [&] { return sign_with(discovered); });
  if (!sd) return sd.error();
  out.sign_discovery = *sd;

  // Two resident keys to read back.
  fido::EnrollRequest rk = er;
  rk.flags = fido::kUserPresenceRequired | fido::kResidentKey | fido::kForceOperation;
  rk.pin = pin;
  for (const char* app : {"ssh:bench-1", "ssh:bench-2"}) {
    rk.application = app;
    if (auto k = fido::enroll(named(sock), rk); !k) return k.error();
  }
  auto load_fido = [&]() -> Status {
    auto keys = fido::load_resident_keys(named(sock), pin);
    if (!keys) return keys.error();
    if (keys->size() < 2) return make_error(Errc::internal, "resident keys missing");
    return {};
  };
  auto l = measure(
      b.rounds, [&] { return bare_load(sock, pin); }, load_fido);
  if (!l) return l.error();
  out.load = *l;
  return out;
}

}  // namespace skagent::bench
