// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/token_state.h"

#include "vtoken/crypto.h"
#include "base/wire.h"

namespace skagent::vtoken {

namespace {

constexpr std::string_view kMagic = "skagent-vtoken-state";
constexpr uint32_t kVersion = 1;

bool bounded_string(Reader& r, size_t max, ByteView& out) {
  return r.string(out) && out.size() <= max;
}

}  // namespace

Bytes ResidentCredential::rp_id_hash() const { return sha256(view(rp_id)); }

TokenState TokenState::fresh() {
  TokenState s;
  s.master_secret = random_bytes(32);
  return s;
}

Bytes TokenState::serialize() const {
  Writer w;
  w.string(kMagic);
  w.u32(kVersion);
  w.string(master_secret);
  w.string(pin_hash);
  w.u8(pin_retries);
  w.u32(sign_counter);
  w.u32(uint32_t(credentials.size()));
  for (const auto& c : credentials) {
    w.string(c.id);
    w.string(c.rp_id);
    w.string(c.user_id);
    w.string(c.user_name);
    w.string(c.display_name);
    w.u32(uint32_t(int32_t(c.alg)));
    w.u8(c.cred_protect);
    w.string(c.public_key);
  }
  return w.take();
}

Result<TokenState> TokenState::parse(ByteView data) {
  auto bad = [](const char* why) {
    return make_error(Errc::malformed, std::string("state file: ") + why);
  };
  Reader r(data);
  ByteView magic, master, pin_hash;
  uint32_t version = 0, count = 0;
  TokenState s;
  if (!r.string(magic) || as_string(magic) != kMagic) return bad("not a vtoken state file");
  if (!r.u32(version) || version != kVersion) return bad("unsupported version");
  if (!bounded_string(r, 32, master) || master.size() != 32) return bad("bad master secret");
  if (!bounded_string(r, 16, pin_hash) || (!pin_hash.empty() && pin_hash.size() != 16)) {
    return bad("bad PIN hash");
  }
  if (!r.u8(s.pin_retries) || s.pin_retries > kMaxPinRetries) return bad("bad PIN retries");
  if (!r.u32(s.sign_counter) || !r.u32(count)) return bad("truncated");
  if (count > kMaxResidentCredentials) return bad("too many credentials");
  s.master_secret = to_bytes(master);
  s.pin_hash = to_bytes(pin_hash);
  for (uint32_t i = 0; i < count; i++) {
    ResidentCredential c;
    ByteView id, rp, uid, name, dname, pk;
    uint32_t alg = 0;
    if (!bounded_string(r, 1023, id) || !bounded_string(r, 255, rp) ||
        !bounded_string(r, 64, uid) || !bounded_string(r, 64, name) ||
        !bounded_string(r, 64, dname) || !r.u32(alg) || !r.u8(c.cred_protect) ||
        !bounded_string(r, 256, pk)) {
      return bad("bad credential record");
    }
    if (c.cred_protect < 1 || c.cred_protect > 3) return bad("bad credProtect");
    c.id = to_bytes(id);
    c.rp_id = std::string(as_string(rp));
    c.user_id = to_bytes(uid);
    c.user_name = std::string(as_string(name));
    c.display_name = std::string(as_string(dname));
    c.alg = int32_t(alg);
    c.public_key = to_bytes(pk);
    s.credentials.push_back(std::move(c));
  }
  if (!r.empty()) return bad("trailing bytes");
  return s;
}

}  // namespace skagent::vtoken
