// SPDX-License-Identifier: BSD-2-Clause
#include "fido/resident_keys.h"

#include <strings.h>

#include <algorithm>
#include <optional>

#include "fido/cancel.h"
#include "fido/device_select.h"
#include "fido/fido_error.h"
#include "fido/fido_ptr.h"
#include "fido/key_format.h"

namespace skagent::fido {

namespace {

constexpr std::string_view kWhat = "loading resident keys from the security key";
// Bounds on what a token may claim to hold.
constexpr size_t kMaxRps = 256;
constexpr size_t kMaxKeysPerRp = 256;

bool ssh_application(const char* rp_id) {
  return rp_id != nullptr && strncasecmp(rp_id, "ssh:", 4) == 0;
}

Bytes copy(const unsigned char* p, size_t n) { return p == nullptr ? Bytes() : Bytes(p, p + n); }

// One credential as a resident key; nothing for a key type OpenSSH cannot
// use or a credential the token described wrongly.
std::optional<ResidentKey> resident_key(const fido_cred_t* cred, const char* rp_id, size_t slot,
                                        const Device& dev) {
  ResidentKey k;
  switch (fido_cred_type(cred)) {
    case COSE_ES256:
      k.alg = kAlgEcdsaP256;
      break;
    case COSE_EDDSA:
      k.alg = kAlgEd25519;
      break;
    default:
      return std::nullopt;
  }
  auto pk = ssh_public_key(k.alg, ByteView(fido_cred_pubkey_ptr(cred), fido_cred_pubkey_len(cred)));
  if (!pk || fido_cred_id_len(cred) == 0) return std::nullopt;
  k.slot = slot;
  k.application = rp_id;
  k.flags = kUserPresenceRequired | kResidentKey;
  if (fido_cred_prot(cred) == FIDO_CRED_PROT_UV_REQUIRED) k.flags |= kUserVerificationRequired;
  k.user_id = copy(fido_cred_user_id_ptr(cred), fido_cred_user_id_len(cred));
  if (const char* name = fido_cred_user_name(cred)) k.user_name = name;
  k.cred_protect = fido_cred_prot(cred);
  k.key.flags = k.flags;
  k.key.public_key = std::move(*pk);
  k.key.key_handle = copy(fido_cred_id_ptr(cred), fido_cred_id_len(cred));
  k.key.device = dev.path();
  return k;
}

// Nothing here waits for a person (the PIN comes with the request), so there
// is no CancelWatch thread, whose start and join cost more than the whole
// exchange with a fast token. Instead each request gets the time left, as
// libfido2's own limit (a millisecond over, so that when libfido2 gives up
// the deadline has passed), and none starts once the deadline has passed.
Status limit(const Device& dev, const Interrupts& in) {
  if (auto stop = in.check(kWhat)) return *stop;
  dev.set_request_timeout(std::chrono::milliseconds(in.remaining_ms() + 1));
  return {};
}

Status read_rp(const Device& dev, const Interrupts& in, const char* rp_id, size_t slot,
               const char* pin, std::vector<ResidentKey>& out) {
  RkPtr rk(fido_credman_rk_new());
  if (!rk) return make_error(Errc::internal, "fido_credman_rk_new failed");
  if (auto s = limit(dev, in); !s) return s;
  int r = fido_credman_get_dev_rk(dev.get(), rp_id, rk.get(), pin);
  if (r == FIDO_ERR_NO_CREDENTIALS) return {};
  if (r != FIDO_OK) return fido_error(r, kWhat, dev.get());
  size_t n = std::min(fido_credman_rk_count(rk.get()), kMaxKeysPerRp);
  for (size_t j = 0; j < n; j++) {
    const fido_cred_t* cred = fido_credman_rk(rk.get(), j);
    if (cred == nullptr) continue;
    if (auto k = resident_key(cred, rp_id, slot, dev)) out.push_back(std::move(*k));
  }
  return {};
}

Result<std::vector<ResidentKey>> read_all(const Device& dev, const Interrupts& in,
                                          const char* pin) {
  std::vector<ResidentKey> out;
  MetadataPtr meta(fido_credman_metadata_new());
  if (!meta) return make_error(Errc::internal, "fido_credman_metadata_new failed");
  if (auto s = limit(dev, in); !s) return s.error();
  int r = fido_credman_get_dev_metadata(dev.get(), meta.get(), pin);
  if (r == FIDO_ERR_INVALID_COMMAND) {
    return make_error(Errc::unsupported,
                      std::string(kWhat) + ": " + dev.path() +
                          " cannot list resident keys (no credential management)");
  }
  if (r != FIDO_OK) return fido_error(r, kWhat, dev.get());
  if (fido_credman_rk_existing(meta.get()) == 0) return out;
  RpPtr rp(fido_credman_rp_new());
  if (!rp) return make_error(Errc::internal, "fido_credman_rp_new failed");
  if (auto s = limit(dev, in); !s) return s.error();
  r = fido_credman_get_dev_rp(dev.get(), rp.get(), pin);
  if (r == FIDO_ERR_NO_CREDENTIALS) return out;
  if (r != FIDO_OK) return fido_error(r, kWhat, dev.get());
  size_t nrp = std::min(fido_credman_rp_count(rp.get()), kMaxRps);
  for (size_t i = 0; i < nrp; i++) {
    const char* id = fido_credman_rp_id(rp.get(), i);
    if (!ssh_application(id)) continue;
    if (auto s = read_rp(dev, in, id, i, pin, out); !s) return s.error();
  }
  return out;
}

}  // namespace

Result<std::vector<ResidentKey>> load_resident_keys(const Options& o, const char* pin) {
  if (pin == nullptr) {
    return make_error(Errc::pin_required,
                      std::string(kWhat) + ": reading resident keys needs the security key's PIN");
  }
  Interrupts in(o);
  auto dev = choose_device(o, in, kWhat);
  if (!dev) return dev.error();
  if (!dev->supports_credman()) {
    return make_error(Errc::unsupported,
                      std::string(kWhat) + ": " + dev->path() +
                          " cannot list resident keys (no credential management)");
  }
  auto keys = read_all(*dev, in, pin);
  if (!keys && in.expired()) return in.timeout_error(kWhat);
  return keys;
}

}  // namespace skagent::fido
