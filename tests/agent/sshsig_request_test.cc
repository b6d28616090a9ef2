// SPDX-License-Identifier: BSD-2-Clause
#include "agent/protocol/sshsig_request.h"

#include <gtest/gtest.h>

#include "base/wire.h"

namespace skagent {
namespace {

Bytes sshsig(std::string_view ns, ByteView reserved, std::string_view alg, ByteView hash) {
  Writer w;
  w.raw(view("SSHSIG"));
  w.string(ns);
  w.string(reserved);
  w.string(alg);
  w.string(hash);
  return w.take();
}

const Bytes kHash(64, 0xab);

TEST(SshsigRequest, ParsesNamespaceAndHash) {
  auto r = parse_sshsig_request(sshsig("git", {}, "sha512", kHash));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sig_namespace, "git");
  EXPECT_EQ(r->hash_algorithm, "sha512");
}

TEST(SshsigRequest, ReservedAndHashAreNotInterpreted) {
  // As OpenSSH: a non-empty reserved field and any hash are accepted.
  auto r = parse_sshsig_request(sshsig("file", view("x"), "sha256", {}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sig_namespace, "file");
}

TEST(SshsigRequest, RefusesWrongMagic) {
  Bytes b = sshsig("git", {}, "sha512", kHash);
  b[5] = 'H';
  EXPECT_FALSE(parse_sshsig_request(b).ok());
  EXPECT_FALSE(parse_sshsig_request(view("SSHSI")).ok());
  EXPECT_FALSE(parse_sshsig_request({}).ok());
}

TEST(SshsigRequest, RefusesEveryTruncation) {
  Bytes b = sshsig("git", {}, "sha512", kHash);
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(parse_sshsig_request(ByteView(b).first(n)).ok()) << "prefix " << n;
  }
}

TEST(SshsigRequest, RefusesTrailingBytes) {
  Bytes b = sshsig("git", {}, "sha512", kHash);
  b.push_back(0);
  auto r = parse_sshsig_request(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(SshsigRequest, RefusesLengthPastEnd) {
  Bytes b = sshsig("git", {}, "sha512", kHash);
  b[6] = 0xff;  // namespace length high byte
  EXPECT_FALSE(parse_sshsig_request(b).ok());
  Bytes c = sshsig("git", {}, "sha512", kHash);
  c[c.size() - kHash.size() - 1] = 65;  // hash length one past the end
  EXPECT_FALSE(parse_sshsig_request(c).ok());
}

TEST(SshsigRequest, RefusesNulInTextFields) {
  EXPECT_FALSE(parse_sshsig_request(sshsig(std::string_view("g\0t", 3), {}, "sha512", kHash)).ok());
  EXPECT_FALSE(parse_sshsig_request(sshsig("git", {}, std::string_view("sha\0", 4), kHash)).ok());
}

TEST(SshsigRequest, UserauthDataIsNotSshsig) {
  Writer w;
  w.string(view("session"));
  w.u8(50);
  EXPECT_FALSE(parse_sshsig_request(w.bytes()).ok());
}

}  // namespace
}  // namespace skagent
