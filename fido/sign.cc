// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sign.h"

#include "fido/cancel.h"
#include "fido/device_select.h"
#include "fido/fido_error.h"
#include "fido/fido_ptr.h"
#include "fido/key_format.h"

namespace skagent::fido {

namespace {

constexpr std::string_view kWhat = "signing with the security key";

Result<AssertPtr> new_assertion(const Device& dev, const SignRequest& req) {
  AssertPtr a(fido_assert_new());
  if (!a) return make_error(Errc::internal, "fido_assert_new failed");
  std::string app(req.application);
  int r = fido_assert_set_clientdata(a.get(), req.data.data(), req.data.size());
  if (r == FIDO_OK) r = fido_assert_set_rp(a.get(), app.c_str());
  if (r == FIDO_OK)
    r = fido_assert_allow_cred(a.get(), req.key_handle.data(), req.key_handle.size());
  if (r == FIDO_OK) {
    r = fido_assert_set_up(a.get(),
                           (req.flags & kUserPresenceRequired) ? FIDO_OPT_TRUE : FIDO_OPT_FALSE);
  }
  if (r != FIDO_OK) return fido_error(r, kWhat);
  if (req.pin == nullptr && (req.flags & kUserVerificationRequired)) {
    if (!dev.has_builtin_uv()) {
      return make_error(Errc::pin_required, std::string(kWhat) +
                                                ": this key requires user verification: "
                                                "give the security key's PIN");
    }
    if ((r = fido_assert_set_uv(a.get(), FIDO_OPT_TRUE)) != FIDO_OK) return fido_error(r, kWhat);
  }
  return a;
}

// The token's answer, checked: one assertion, the presence and verification
// the key demands, a signature of the right form.
Result<Signature> unpack(const fido_assert_t* a, const SignRequest& req, const Device& dev) {
  if (fido_assert_count(a) < 1)
    return make_error(Errc::malformed,
                      std::string(kWhat) + ": the security key returned no signature");
  uint8_t flags = fido_assert_flags(a, 0);
  if ((req.flags & kUserPresenceRequired) && !(flags & kUserPresenceRequired)) {
    return make_error(Errc::denied,
                      std::string(kWhat) + ": the security key did not confirm a touch");
  }
  if ((req.flags & kUserVerificationRequired) && !(flags & kUserVerificationRequired)) {
    return make_error(Errc::denied,
                      std::string(kWhat) + ": the security key did not verify the user");
  }
  auto parts =
      ssh_signature_parts(req.alg, ByteView(fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0)));
  if (!parts) return parts.error();
  Signature s;
  s.flags = flags;
  s.counter = fido_assert_sigcount(a, 0);
  s.sig_r = std::move(parts->r);
  s.sig_s = std::move(parts->s);
  s.device = dev.path();
  return s;
}

}  // namespace

Result<Signature> sign(const Options& o, const SignRequest& req) {
  if (req.alg != kAlgEcdsaP256 && req.alg != kAlgEd25519) {
    return make_error(Errc::unsupported, std::string(kWhat) + ": unsupported key algorithm " +
                                             std::to_string(req.alg));
  }
  if (req.key_handle.empty())
    return make_error(Errc::malformed, std::string(kWhat) + ": empty key handle");
  Interrupts in(o);
  auto dev = choose_device(o, in, kWhat, req.application, req.key_handle);
  if (!dev) return dev.error();
  auto a = new_assertion(*dev, req);
  if (!a) return a.error();
  if ((req.flags & kUserPresenceRequired) && o.on_touch) o.on_touch();
  {
    CancelWatch watch(in, *dev);
    int r = fido_dev_get_assert(dev->get(), a->get(), req.pin);
    if (r != FIDO_OK) return watch.error(r, kWhat, dev->get());
  }
  return unpack(a->get(), req, *dev);
}

}  // namespace skagent::fido
