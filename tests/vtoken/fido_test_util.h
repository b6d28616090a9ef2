// SPDX-License-Identifier: BSD-2-Clause
// RAII and small helpers over libfido2 for the virtual-token tests.
#pragma once

#include <fido.h>
#include <fido/credman.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include <memory>
#include <string>
#include <vector>

#include "vtoken/crypto.h"
#include "fido/fido_ptr.h"
#include "fido/vtoken_io.h"

namespace skagent::vtoken::testing {

// fido/fido_ptr.h's deleters, and those of what only these tests own: an open device (closed
// first) and COSE public keys.
struct FidoFree : skagent::fido::FidoFree {
  using skagent::fido::FidoFree::operator();
  void operator()(fido_dev_t* d) const {
    fido_dev_close(d);
    fido_dev_free(&d);
  }
  void operator()(es256_pk_t* k) const { es256_pk_free(&k); }
  void operator()(eddsa_pk_t* k) const { eddsa_pk_free(&k); }
};
using Dev = std::unique_ptr<fido_dev_t, FidoFree>;
using Cred = std::unique_ptr<fido_cred_t, FidoFree>;
using Assert = std::unique_ptr<fido_assert_t, FidoFree>;

inline void init_libfido2() {
  // No silent fallback to U2F: a broken CBOR answer must be an error.
  fido_init(FIDO_DISABLE_U2F_FALLBACK | (getenv("SKAGENT_TEST_FIDO_DEBUG") ? FIDO_DEBUG : 0));
}

// Opens the token behind `socket_path`; nullptr on failure (`*rc` says why).
inline Dev open_vtoken(const std::string& socket_path, int* rc = nullptr, int timeout_ms = 15000) {
  init_libfido2();
  fido_dev_t* raw = fido_dev_new();
  int r = vtoken_open(raw, socket_path);
  if (rc != nullptr) *rc = r;
  if (r != FIDO_OK) {
    fido_dev_free(&raw);  // never opened: nothing to close
    return nullptr;
  }
  Dev dev(raw);
  fido_dev_set_timeout(dev.get(), timeout_ms);
  return dev;
}

struct CredSpec {
  int type = COSE_ES256;
  std::string rp = "ssh:";
  std::string user_name = "alice";
  std::vector<uint8_t> user_id = {1, 2, 3, 4};
  bool rk = false;
  int cred_protect = 0;  // 0: not requested
  const char* pin = nullptr;
  std::vector<std::vector<uint8_t>> exclude;
};

inline Cred new_cred(const CredSpec& s) {
  Cred c(fido_cred_new());
  Bytes cdh = random_bytes(32);
  fido_cred_set_type(c.get(), s.type);
  fido_cred_set_clientdata_hash(c.get(), cdh.data(), cdh.size());
  fido_cred_set_rp(c.get(), s.rp.c_str(), nullptr);
  fido_cred_set_user(c.get(), s.user_id.data(), s.user_id.size(), s.user_name.c_str(), "Alice",
                     nullptr);
  if (s.rk) fido_cred_set_rk(c.get(), FIDO_OPT_TRUE);
  if (s.cred_protect != 0) fido_cred_set_prot(c.get(), s.cred_protect);
  for (const auto& e : s.exclude) fido_cred_exclude(c.get(), e.data(), e.size());
  return c;
}

// makeCredential; the libfido2 status.
inline int make_cred(fido_dev_t* dev, const CredSpec& s, Cred* out = nullptr) {
  Cred c = new_cred(s);
  int r = fido_dev_make_cred(dev, c.get(), s.pin);
  if (out != nullptr) *out = std::move(c);
  return r;
}

inline std::vector<uint8_t> cred_id(const fido_cred_t* c) {
  return std::vector<uint8_t>(fido_cred_id_ptr(c), fido_cred_id_ptr(c) + fido_cred_id_len(c));
}

struct AssertSpec {
  std::string rp = "ssh:";
  std::vector<std::vector<uint8_t>> allow;
  const char* pin = nullptr;
  fido_opt_t up = FIDO_OPT_OMIT;
  fido_opt_t uv = FIDO_OPT_OMIT;
};

inline int get_assert(fido_dev_t* dev, const AssertSpec& s, Assert* out = nullptr) {
  Assert a(fido_assert_new());
  Bytes cdh = random_bytes(32);
  fido_assert_set_clientdata_hash(a.get(), cdh.data(), cdh.size());
  fido_assert_set_rp(a.get(), s.rp.c_str());
  for (const auto& id : s.allow) fido_assert_allow_cred(a.get(), id.data(), id.size());
  if (s.up != FIDO_OPT_OMIT) fido_assert_set_up(a.get(), s.up);
  if (s.uv != FIDO_OPT_OMIT) fido_assert_set_uv(a.get(), s.uv);
  int r = fido_dev_get_assert(dev, a.get(), s.pin);
  if (out != nullptr) *out = std::move(a);
  return r;
}

// Verifies assertion `idx` with the public key of `cred` (as libfido2 does it).
inline int verify_assert(const fido_assert_t* a, size_t idx, int type, const unsigned char* pk,
                         size_t pk_len) {
  if (type == COSE_ES256) {
    std::unique_ptr<es256_pk_t, FidoFree> k(es256_pk_new());
    if (es256_pk_from_ptr(k.get(), pk, pk_len) != FIDO_OK) return FIDO_ERR_INVALID_ARGUMENT;
    return fido_assert_verify(a, idx, type, k.get());
  }
  std::unique_ptr<eddsa_pk_t, FidoFree> k(eddsa_pk_new());
  if (eddsa_pk_from_ptr(k.get(), pk, pk_len) != FIDO_OK) return FIDO_ERR_INVALID_ARGUMENT;
  return fido_assert_verify(a, idx, type, k.get());
}

inline int verify_assert(const fido_assert_t* a, size_t idx, const fido_cred_t* cred) {
  return verify_assert(a, idx, fido_cred_type(cred), fido_cred_pubkey_ptr(cred),
                       fido_cred_pubkey_len(cred));
}

}  // namespace skagent::vtoken::testing
