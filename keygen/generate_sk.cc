// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/generate_sk.h"

#include <openssl/rand.h>

#include <strings.h>

#include <cstring>

#include "keygen/key_files.h"
#include "keygen/sk_key.h"

namespace skagent::keygen {

namespace {

constexpr int kMaxPinTries = 3;
constexpr size_t kChallengeSize = 32;

bool has_prefix_nocase(const std::string& s, const char* prefix, std::string& rest) {
  size_t n = strlen(prefix);
  if (s.size() < n || strncasecmp(s.c_str(), prefix, n) != 0) return false;
  rest = s.substr(n);
  return true;
}

Result<Bytes> make_challenge(const SkEnrollOptions& o) {
  if (o.challenge_file) {
    auto data = read_small_file(*o.challenge_file);
    if (!data) {
      return make_error(data.error().code, "Unable to load FIDO enrollment challenge \"" +
                                               *o.challenge_file + "\": " + data.error().message);
    }
    if (data->empty()) return make_error(Errc::malformed, "Missing enrollment challenge");
    return data;
  }
  Bytes c(kChallengeSize);
  if (RAND_bytes(c.data(), int(c.size())) != 1)
    return make_error(Errc::crypto, "RAND_bytes failed");
  return c;
}

Error enrollment_failed(const Error& e) {
  return make_error(e.code, "Key enrollment failed: " + e.message);
}

}  // namespace

Result<SkEnrollOptions> parse_sk_enroll_options(const std::vector<std::string>& options) {
  SkEnrollOptions o;
  for (const auto& opt : options) {
    std::string v;
    if (strcasecmp(opt.c_str(), "no-touch-required") == 0) {
      o.flags &= uint8_t(~fido::kUserPresenceRequired);
    } else if (strcasecmp(opt.c_str(), "verify-required") == 0) {
      o.flags |= fido::kUserVerificationRequired;
    } else if (strcasecmp(opt.c_str(), "resident") == 0) {
      o.flags |= fido::kResidentKey;
    } else if (has_prefix_nocase(opt, "device=", v)) {
      o.device = v;
    } else if (has_prefix_nocase(opt, "user=", v)) {
      if (v.size() > kMaxUserLength) {
        return make_error(Errc::malformed, "FIDO user name \"" + v + "\" is too long (at most " +
                                               std::to_string(kMaxUserLength) + " bytes)");
      }
      o.user = v;
    } else if (has_prefix_nocase(opt, "challenge=", v)) {
      o.challenge_file = v;
    } else if (has_prefix_nocase(opt, "write-attestation=", v)) {
      o.attestation_file = v;
    } else if (has_prefix_nocase(opt, "application=", v)) {
      if (v.compare(0, 4, "ssh:") != 0) {
        return make_error(Errc::malformed, "FIDO application string must begin with \"ssh:\"");
      }
      o.application = v;
    } else {
      return make_error(Errc::unsupported,
                        "Option \"" + opt + "\" is unsupported for FIDO authenticator enrollment");
    }
  }
  return o;
}

Result<SkKeyMade> enroll_sk_key(Console& console, SkToken& token, KeyType type,
                                const SkEnrollOptions& options, bool quiet) {
  auto challenge = make_challenge(options);
  if (!challenge) return challenge.error();
  SkEnrollRequest req;
  req.type = type;
  req.application = options.application;
  req.user = options.user;
  req.flags = options.flags;
  req.challenge = std::move(*challenge);
  req.device = options.device;
  struct WipePin {
    std::string& pin;
    ~WipePin() { secure_wipe(pin.data(), pin.size()); }
  } wipe_pin{req.pin};
  // Shown before every request the token may want a touch for (libfido2 does
  // not say when the token actually waits for one).
  req.on_touch = [&] {
    if (!quiet) console.out("Touch your security key...\n");
  };
  int pin_tries = 0;
  Result<SkEnrollResult> r = make_error(Errc::internal, "no enrollment attempted");
  for (;;) {
    r = token.enroll(req);
    if (r) break;
    const Error& e = r.error();
    if (e.code == Errc::exists && (req.flags & fido::kResidentKey) != 0 &&
        (req.flags & fido::kForceOperation) == 0) {
      console.out("A resident key scoped to '" + req.application + "' with user id '" +
                  (options.user.empty() ? std::string("null") : options.user) +
                  "' already exists.\n");
      auto yes = console.confirm("Overwrite key in token (y/n)? ");
      if (!yes) {
        return make_error(Errc::exists,
                          "a resident key for application \"" + req.application + "\" and user " +
                              (options.user.empty() ? "(none)" : "\"" + options.user + "\"") +
                              " already exists on the security key, and there is no terminal "
                              "to ask whether to replace it; not replacing it");
      }
      if (!*yes) {
        return make_error(Errc::exists, "not replacing the resident key for application \"" +
                                            req.application + "\"");
      }
      req.flags |= fido::kForceOperation;
      continue;
    }
    if (e.code == Errc::pin_required || e.code == Errc::pin_invalid) {
      if (!req.pin.empty() || e.code == Errc::pin_invalid) {
        console.err((e.code == Errc::pin_invalid ? e.message : std::string("PIN incorrect")) +
                    "\n");
      }
      if (pin_tries++ >= kMaxPinTries) {
        return make_error(Errc::pin_invalid, "Too many incorrect PINs");
      }
      auto pin = console.ask_secret("Enter PIN for authenticator: ");
      secure_wipe(req.pin.data(), req.pin.size());
      if (!pin) return make_error(pin.error().code, "no PIN: " + pin.error().message);
      req.pin.assign(pin->view());
      continue;
    }
    return enrollment_failed(e);
  }
  const SkEnrollResult& res = *r;
  uint8_t flags = uint8_t(res.flags & ~fido::kForceOperation);
  auto key = make_sk_private_key(type, req.application, res.public_key, flags, res.key_handle);
  if (!key) return enrollment_failed(key.error());
  return SkKeyMade{std::move(key).value(), attestation_blob(res)};
}

}  // namespace skagent::keygen
