// SPDX-License-Identifier: BSD-2-Clause
// Builders shared by the agent unit tests: real keys, session-bind bodies,
// host certificates, user-auth requests and destination constraints, all
// written on the wire the way ssh / ssh-add / ssh-keygen write them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "agent/policy/destination_constraint.h"
#include "agent/protocol/session_binding.h"
#include "ssh/key.h"
#include "ssh/private_key.h"
#include "base/wire.h"

namespace skagent::test {

inline PrivateKey generate(KeyType t = KeyType::ed25519, unsigned bits = 0) {
  auto k = PrivateKey::generate(t, bits);
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().message);
  return std::move(*k);
}

// One Ed25519 key for each of a fixture's static key pointers, made in its SetUpTestSuite
// (making keys is the slow part of these tests) and deleted again in its TearDownTestSuite.
inline void generate_keys(std::initializer_list<PrivateKey**> keys) {
  for (PrivateKey** k : keys) *k = new PrivateKey(generate());
}
inline void delete_keys(std::initializer_list<PrivateKey**> keys) {
  for (PrivateKey** k : keys) {
    delete *k;
    *k = nullptr;
  }
}

inline Bytes sign(const PrivateKey& k, ByteView data, RsaHash h = RsaHash::sha512) {
  auto s = k.sign(data, h);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : Bytes{};
}

inline Bytes bytes_of(std::string_view s) { return to_bytes(view(s)); }

// An ECDSA signature blob re-encoded with `extra` more leading zero bytes in
// its r (a valid encoding to OpenSSH's sshbuf_get_bignum2, not a minimal one).
inline Bytes pad_ecdsa_r(ByteView sig, size_t extra = 1) {
  Reader r(sig);
  std::string alg;
  ByteView inner, rv, sv;
  EXPECT_TRUE(r.cstring(alg) && r.string(inner) && r.empty());
  Reader ir(inner);
  EXPECT_TRUE(ir.string(rv) && ir.string(sv) && ir.empty());  // raw mpint bytes
  Bytes padded(extra, 0);
  padded.insert(padded.end(), rv.begin(), rv.end());
  Writer in;
  in.string(padded);
  in.string(sv);
  Writer w;
  w.string(alg);
  w.string(in.bytes());
  return w.take();
}

// session-bind@openssh.com body, signed by `signer` over `sid`, naming `host`.
inline Bytes bind_body(const PublicKey& host, const PrivateKey& signer, ByteView sid,
                       bool forwarding) {
  Writer w;
  w.string(host.blob());
  w.string(sid);
  w.string(sign(signer, sid));
  w.boolean(forwarding);
  return w.take();
}
inline Bytes bind_body(const PrivateKey& host, ByteView sid, bool forwarding) {
  return bind_body(host.public_key(), host, sid, forwarding);
}

inline SessionBinding binding(const PublicKey& host, std::string_view sid, bool forwarding) {
  return SessionBinding{host, bytes_of(sid), forwarding};
}

struct CertSpec {
  uint32_t type = Certificate::kHost;
  std::vector<std::string> principals;
  uint64_t valid_after = 0, valid_before = ~uint64_t{0};
  Bytes critical;
  RsaHash ca_hash = RsaHash::sha512;
  size_t pad_ca_r = 0;  // leading zero bytes added to an ECDSA CA signature's r
};

// An OpenSSH certificate on `subject`, signed by `ca`, parsed back.
inline PublicKey certify(const PublicKey& subject, const PrivateKey& ca, const CertSpec& spec) {
  Writer principals;
  for (const auto& p : spec.principals) principals.string(p);
  Writer w;
  w.string(key_type_info(subject.type).cert_name);
  w.string(bytes_of("0123456789abcdef0123456789abcdef"));  // nonce
  subject.write_plain_fields(w);
  w.u64(1);  // serial
  w.u32(spec.type);
  w.string("test-cert");
  w.string(principals.bytes());
  w.u64(spec.valid_after);
  w.u64(spec.valid_before);
  w.string(spec.critical);
  w.string(Bytes{});  // extensions
  w.string(Bytes{});  // reserved
  w.string(ca.public_key().blob());
  Bytes sig = sign(ca, w.bytes(), spec.ca_hash);
  if (spec.pad_ca_r > 0) sig = pad_ecdsa_r(sig, spec.pad_ca_r);
  w.string(sig);
  auto k = parse_public_key(w.bytes());
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().message);
  return std::move(*k);
}

// The data ssh asks the agent to sign for public-key user auth.
struct Userauth {
  Bytes session_id = bytes_of("session-id-0123456789");
  uint8_t type = 50;
  std::string user = "alice";
  std::string service = "ssh-connection";
  std::string method = "publickey";
  uint8_t sig_follows = 1;
  std::string alg;  // empty: the key's type name
  const PublicKey* key = nullptr;
  const PublicKey* host_key = nullptr;  // appended when set

  Bytes build() const {
    Writer w;
    w.string(session_id);
    w.u8(type);
    w.string(user);
    w.string(service);
    w.string(method);
    w.u8(sig_follows);
    w.string(alg.empty() ? std::string(key->type_name()) : alg);
    w.string(key->blob());
    if (host_key != nullptr) w.string(host_key->blob());
    return w.take();
  }
};

// One hop as ssh-add writes it.
struct HopSpec {
  std::string user, hostname;
  std::vector<std::pair<PublicKey, bool>> keys;  // key, is_ca
  Bytes reserved;

  Bytes build() const {
    Writer w;
    w.string(user);
    w.string(hostname);
    w.string(reserved);
    for (const auto& [k, ca] : keys) {
      w.string(k.blob());
      w.boolean(ca);
    }
    return w.take();
  }
};

// string{ string from, string to, string reserved }
inline Bytes constraint_bytes(const HopSpec& from, const HopSpec& to, ByteView reserved = {}) {
  Writer inner;
  inner.string(from.build());
  inner.string(to.build());
  inner.string(reserved);
  return as_ssh_string(inner.bytes());
}

// The body of an SSH_AGENTC_EXTENSION request: string name, then the extension's own body.
inline Bytes extension(std::string_view name, ByteView body = {}) {
  Writer w;
  w.string(name);
  w.raw(body);
  return w.take();
}

// A constraint extension as ssh-add writes it: byte 255, string name, then its body.
inline Bytes constraint_extension(std::string_view name, ByteView body) {
  Writer w;
  w.u8(255);
  w.string(name);
  w.raw(body);
  return w.take();
}

inline Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace skagent::test
