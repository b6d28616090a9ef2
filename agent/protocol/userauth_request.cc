// SPDX-License-Identifier: BSD-2-Clause
#include "agent/protocol/userauth_request.h"

#include <strings.h>

#include <string_view>

#include "agent/keys/key_equal.h"
#include "base/wire.h"

namespace skagent {

namespace {

constexpr uint8_t kMsgUserauthRequest = 50;
constexpr std::string_view kHostbound = "publickey-hostbound-v00@openssh.com";

// OpenSSH's key type identity (sshkey_type_from_name): the curve is not part
// of it, certificates are.
enum class Family { dsa, rsa, ecdsa, ed25519, sk_ecdsa, sk_ed25519, mldsa44_ed25519 };

struct AlgType {
  Family family;
  bool cert;
};

Family family_of(KeyType t) {
  switch (t) {
    case KeyType::dsa:
      return Family::dsa;
    case KeyType::rsa:
      return Family::rsa;
    case KeyType::ed25519:
      return Family::ed25519;
    case KeyType::sk_ecdsa_p256:
      return Family::sk_ecdsa;
    case KeyType::sk_ed25519:
      return Family::sk_ed25519;
    case KeyType::mldsa44_ed25519:
      return Family::mldsa44_ed25519;
    default:
      return Family::ecdsa;
  }
}

bool short_name_is(KeyType t, std::string_view name) {
  std::string_view s = key_type_info(t).short_name;
  return s.size() == name.size() && strncasecmp(s.data(), name.data(), s.size()) == 0;
}

// Signature algorithm names map to their key type, and OpenSSH also accepts
// the short names ("ED25519") of plain types.
std::optional<AlgType> alg_type(std::string_view name) {
  if (name == "rsa-sha2-256" || name == "rsa-sha2-512") return AlgType{Family::rsa, false};
  if (name == "rsa-sha2-256-cert-v01@openssh.com" || name == "rsa-sha2-512-cert-v01@openssh.com") {
    return AlgType{Family::rsa, true};
  }
  if (name == "webauthn-sk-ecdsa-sha2-nistp256@openssh.com") {
    return AlgType{Family::sk_ecdsa, false};
  }
  bool cert = false;
  if (const KeyTypeInfo* info = key_type_by_name(name, &cert)) {
    return AlgType{family_of(info->type), cert};
  }
  for (auto t : {KeyType::dsa, KeyType::rsa, KeyType::ecdsa_p256, KeyType::ed25519,
                 KeyType::sk_ecdsa_p256, KeyType::sk_ed25519, KeyType::mldsa44_ed25519}) {
    if (short_name_is(t, name)) return AlgType{family_of(t), false};
  }
  return std::nullopt;
}

bool alg_names_key_type(std::string_view alg, const PublicKey& key) {
  auto t = alg_type(alg);
  return t && t->family == family_of(key.type) && t->cert == key.is_cert();
}

Error malformed(const std::string& what) {
  return make_error(Errc::malformed, "not a user-auth request: " + what);
}

Result<PublicKey> read_key(Reader& r, const char* what) {
  ByteView blob;
  if (!r.string(blob)) return malformed(std::string("truncated ") + what);
  auto k = parse_public_key(blob);
  if (!k) return malformed(std::string("bad ") + what + ": " + k.error().message);
  return k;
}

}  // namespace

Result<UserauthRequest> parse_userauth_request(ByteView data, const PublicKey& expected_key) {
  Reader r(data);
  UserauthRequest req;
  ByteView sid;
  uint8_t type = 0, sig_follows = 0;
  std::string service, alg;
  if (!r.string(sid)) return malformed("truncated session id");
  if (sid.empty()) return malformed("empty session id");
  if (!r.u8(type) || !r.cstring(req.user) || !r.cstring(service) || !r.cstring(req.method) ||
      !r.u8(sig_follows) || !r.cstring(alg)) {
    return malformed("truncated");
  }
  auto key = read_key(r, "key");
  if (!key) return key.error();
  if (type != kMsgUserauthRequest) return malformed("message type is not 50");
  if (sig_follows != 1) return malformed("signature flag is not 1");
  if (service != "ssh-connection") return malformed("service is not ssh-connection");
  if (!key_equal(expected_key, *key)) return malformed("key is not the one asked to sign");
  if (!alg_names_key_type(alg, expected_key)) return malformed("algorithm does not match key");
  if (req.method == kHostbound) {
    auto host_key = read_key(r, "host key");
    if (!host_key) return host_key.error();
    req.host_key = std::move(*host_key);
  } else if (req.method != "publickey") {
    return malformed("method is not publickey");
  }
  if (!r.empty()) return malformed("trailing bytes");
  req.session_id = to_bytes(sid);
  return req;
}

}  // namespace skagent
