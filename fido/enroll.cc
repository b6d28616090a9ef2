// SPDX-License-Identifier: BSD-2-Clause
#include "fido/enroll.h"

#include "fido/cancel.h"
#include "fido/device_select.h"
#include "fido/fido_error.h"
#include "fido/fido_ptr.h"
#include "fido/key_format.h"

namespace skagent::fido {

namespace {

constexpr std::string_view kWhat = "enrolling a security key";

Result<int> cose_alg(uint32_t alg) {
  if (alg == kAlgEcdsaP256) return COSE_ES256;
  if (alg == kAlgEd25519) return COSE_EDDSA;
  return make_error(Errc::unsupported,
                    std::string(kWhat) + ": unsupported key algorithm " + std::to_string(alg));
}

Bytes user_id_of(const EnrollRequest& req) {
  return req.user_id.empty() ? Bytes(kDefaultUserIdSize, 0) : req.user_id;
}

// Whether the token already holds a resident key for this application and
// user (OpenSSH's key_lookup): found, not found, or why it cannot tell.
Result<bool> resident_key_exists(const Device& dev, const EnrollRequest& req) {
  static constexpr uint8_t kHash[32] = {};
  AssertPtr a(fido_assert_new());
  if (!a) return make_error(Errc::internal, "fido_assert_new failed");
  fido_opt_t uv = req.pin == nullptr && dev.has_builtin_uv() ? FIDO_OPT_TRUE : FIDO_OPT_OMIT;
  int r = fido_assert_set_clientdata_hash(a.get(), kHash, sizeof(kHash));
  if (r == FIDO_OK) r = fido_assert_set_rp(a.get(), req.application.c_str());
  if (r == FIDO_OK) r = fido_assert_set_up(a.get(), FIDO_OPT_FALSE);
  if (r == FIDO_OK) r = fido_assert_set_uv(a.get(), uv);
  if (r == FIDO_OK) r = fido_dev_get_assert(dev.get(), a.get(), req.pin);
  if (r == FIDO_ERR_NO_CREDENTIALS) return false;
  if (r != FIDO_OK) return fido_error(r, kWhat, dev.get());
  Bytes uid = user_id_of(req);
  for (size_t i = 0; i < fido_assert_count(a.get()); i++) {
    if (equal(ByteView(fido_assert_user_id_ptr(a.get(), i), fido_assert_user_id_len(a.get(), i)),
              uid)) {
      return true;
    }
  }
  return false;
}

Result<CredPtr> new_credential(const Device& dev, const EnrollRequest& req, int cose) {
  CredPtr c(fido_cred_new());
  if (!c) return make_error(Errc::internal, "fido_cred_new failed");
  Bytes uid = user_id_of(req);
  int r = fido_cred_set_type(c.get(), cose);
  if (r == FIDO_OK)
    r = fido_cred_set_clientdata(c.get(), req.challenge.data(), req.challenge.size());
  if (r == FIDO_OK)
    r = fido_cred_set_rk(c.get(), (req.flags & kResidentKey) ? FIDO_OPT_TRUE : FIDO_OPT_OMIT);
  if (r == FIDO_OK)
    r = fido_cred_set_user(c.get(), uid.data(), uid.size(), "openssh", "openssh", nullptr);
  if (r == FIDO_OK) r = fido_cred_set_rp(c.get(), req.application.c_str(), nullptr);
  if (r != FIDO_OK) return fido_error(r, kWhat);
  if (req.flags & (kResidentKey | kUserVerificationRequired)) {
    if (!dev.supports_cred_prot()) {
      return make_error(Errc::unsupported,
                        std::string(kWhat) + ": the security key " + dev.path() +
                            " cannot protect credentials (no credProtect), so it cannot hold a "
                            "resident or verify-required key safely");
    }
    int prot = (req.flags & kUserVerificationRequired) ? FIDO_CRED_PROT_UV_REQUIRED
                                                       : FIDO_CRED_PROT_UV_OPTIONAL_WITH_ID;
    if ((r = fido_cred_set_prot(c.get(), prot)) != FIDO_OK) return fido_error(r, kWhat);
  }
  return c;
}

Status check_attestation(const fido_cred_t* c) {
  int r = fido_cred_x5c_ptr(c) != nullptr ? fido_cred_verify(c) : fido_cred_verify_self(c);
  if (r != FIDO_OK) {
    return make_error(Errc::crypto, std::string(kWhat) +
                                        ": the attestation the security key returned does "
                                        "not verify (libfido2: " +
                                        fido_strerr(r) + ")");
  }
  return {};
}

Bytes copy(const unsigned char* p, size_t n) { return p == nullptr ? Bytes() : Bytes(p, p + n); }

Result<EnrolledKey> pack(const fido_cred_t* c, const EnrollRequest& req, const Device& dev,
                         int cose) {
  if (fido_cred_type(c) != cose)
    return make_error(Errc::malformed,
                      std::string(kWhat) + ": the security key made a key of another type");
  auto pk = ssh_public_key(req.alg, ByteView(fido_cred_pubkey_ptr(c), fido_cred_pubkey_len(c)));
  if (!pk) return pk.error();
  EnrolledKey k;
  k.flags = req.flags;
  k.public_key = std::move(*pk);
  k.key_handle = copy(fido_cred_id_ptr(c), fido_cred_id_len(c));
  if (k.key_handle.empty())
    return make_error(Errc::malformed,
                      std::string(kWhat) + ": the security key returned no key handle");
  k.signature = copy(fido_cred_sig_ptr(c), fido_cred_sig_len(c));
  k.attestation_cert = copy(fido_cred_x5c_ptr(c), fido_cred_x5c_len(c));
  k.authdata = copy(fido_cred_authdata_ptr(c), fido_cred_authdata_len(c));
  k.device = dev.path();
  return k;
}

}  // namespace

Result<EnrolledKey> enroll(const Options& o, const EnrollRequest& req) {
  auto cose = cose_alg(req.alg);
  if (!cose) return cose.error();
  if (req.application.rfind("ssh:", 0) != 0) {
    return make_error(Errc::unsupported,
                      std::string(kWhat) + ": the application must start with \"ssh:\"");
  }
  Interrupts in(o);
  auto dev = choose_device(o, in, kWhat);
  if (!dev) return dev.error();
  if (req.flags & kResidentKey) {
    auto rk = dev->supports_resident_keys();
    if (!rk) return rk.error();
    if (!*rk) {
      return make_error(Errc::unsupported, std::string(kWhat) + ": the security key " +
                                               dev->path() +
                                               " cannot store resident keys (no \"rk\" option)");
    }
  }
  if ((req.flags & kResidentKey) && !(req.flags & kForceOperation)) {
    auto exists = resident_key_exists(*dev, req);
    if (!exists) return exists.error();
    if (*exists) {
      return make_error(Errc::exists, std::string(kWhat) +
                                          ": the security key already holds a resident key for " +
                                          req.application +
                                          " and this user: pick another application or "
                                          "user, or confirm overwriting it");
    }
  }
  auto cred = new_credential(*dev, req, *cose);
  if (!cred) return cred.error();
  if (o.on_touch) o.on_touch();
  int r;
  {
    CancelWatch watch(in, *dev);
    r = fido_dev_make_cred(dev->get(), cred->get(), req.pin);
    if (r != FIDO_OK) return watch.error(r, kWhat, dev->get());
  }
  if (auto s = check_attestation(cred->get()); !s) return s.error();
  return pack(cred->get(), req, *dev, *cose);
}

}  // namespace skagent::fido
