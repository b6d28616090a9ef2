// SPDX-License-Identifier: BSD-2-Clause
// Data a key is asked to sign: parse_userauth_request (against a fixed key, and against the
// key the data itself names) and parse_sshsig_request; and check_constrained_sign with a
// destination-constrained identity, which combines them with the binding chain.
#include "agent/keys/constrained_sign.h"
#include "agent/protocol/sshsig_request.h"
#include "agent/protocol/userauth_request.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const PrivateKey user = fuzz::read_key(fuzz::fixed_ed25519_private(7));
  static const PrivateKey host = fuzz::read_key(fuzz::fixed_ed25519_private(9));
  ByteView in(data, size);
  (void)parse_userauth_request(in, user.public_key());
  (void)parse_sshsig_request(in);
  // The key named inside the request (after session id, type, user, service, method, flag,
  // algorithm) as the expected key, so the parser gets past its key comparison.
  Reader r(in);
  ByteView sid, user_name, service, method, alg, blob;
  uint8_t type = 0, follows = 0;
  if (r.string(sid) && r.u8(type) && r.string(user_name) && r.string(service) && r.string(method) &&
      r.u8(follows) && r.string(alg) && r.string(blob)) {
    if (auto k = parse_public_key(blob)) {
      auto ua = parse_userauth_request(in, *k);
      std::vector<DestinationConstraint> dc(1);
      dc[0].to.hostname = "host";
      dc[0].to.keys.push_back(HopKey{host.public_key(), false});
      std::vector<SessionBinding> b{SessionBinding{host.public_key(), to_bytes(sid), false}};
      auto ok = check_constrained_sign(*k, dc, b, in);
      if (ok) FUZZ_CHECK(ua.ok());
    }
  }
  return 0;
}
