// SPDX-License-Identifier: BSD-2-Clause
// Issue 13: a connection whose session-bind failed is forwarded and untrusted
// for good; padded mpints bind as in OpenSSH; an authentication bind after a
// forwarding bind keeps the connection forwarded; what a forwarded connection
// cannot see it cannot remove; unknown constraint extensions fail the add;
// another uid is turned away at accept. Through a real agent on a socket.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "agent/connection.h"
#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

using test::bytes_of;
using test::extension;

Bytes bind(const PrivateKey& host, std::string_view sid, bool forwarding) {
  return extension("session-bind@openssh.com", test::bind_body(host, bytes_of(sid), forwarding));
}

// A bind that fails: the session id is signed by another key than the one named.
Bytes bad_bind(const PrivateKey& host, const PrivateKey& liar, std::string_view sid,
               bool forwarding) {
  return extension("session-bind@openssh.com",
                   test::bind_body(host.public_key(), liar, bytes_of(sid), forwarding));
}

Bytes restrict_destination(const std::vector<Bytes>& constraints) {
  Writer w;
  w.u8(255);
  w.string("restrict-destination-v00@openssh.com");
  w.string(test::concat(constraints));
  return w.take();
}

// ssh-add -h host: from the origin to `host` (its plain host key).
Bytes to_host(const std::string& name, const PrivateKey& host) {
  return test::constraint_bytes({}, {"", name, {{host.public_key(), false}}, {}});
}

bool listed(AgentClient& c, const Bytes& blob) {
  auto ids = identities_of(c.call(msg::kRequestIdentities));
  return std::find(ids.begin(), ids.end(), blob) != ids.end();
}

Bytes login(const PublicKey& key, std::string_view sid, const PublicKey* host = nullptr) {
  test::Userauth ua;
  ua.key = &key;
  ua.session_id = bytes_of(sid);
  ua.host_key = host;
  if (host != nullptr) ua.method = "publickey-hostbound-v00@openssh.com";
  return ua.build();
}

class ForwardingTrust : public ::testing::Test {
 protected:
  PrivateKey user_ = test::generate();
  PrivateKey host_c_ = test::generate(KeyType::ecdsa_p256);
  PrivateKey host_g_ = test::generate();
  PrivateKey liar_ = test::generate(KeyType::ecdsa_p256);
  Bytes blob_ = user_.public_key().blob();
};

// The thin spot of the mutation check: [forwarding, authentication] is forwarded.
TEST_F(ForwardingTrust, AuthenticationBindAfterForwardingBindStaysForwarded) {
  Connection conn;
  EXPECT_FALSE(conn.remote());
  EXPECT_FALSE(conn.forwarded());
  ASSERT_TRUE(
      apply_session_bind(test::bind_body(host_c_, bytes_of("sid-1"), true), conn.bindings).ok());
  EXPECT_TRUE(conn.forwarded());
  ASSERT_TRUE(
      apply_session_bind(test::bind_body(host_g_, bytes_of("sid-2"), false), conn.bindings).ok());
  EXPECT_TRUE(conn.forwarded()) << "an authentication bind after a forwarding bind made it local";
  EXPECT_TRUE(conn.remote());
  // Only authentication binds: remote (ssh's own), not forwarded.
  Connection ssh;
  ASSERT_TRUE(
      apply_session_bind(test::bind_body(host_g_, bytes_of("sid-3"), false), ssh.bindings).ok());
  EXPECT_TRUE(ssh.remote());
  EXPECT_FALSE(ssh.forwarded());
  // A failed bind: both, whatever else.
  Connection failed;
  failed.bind_failed = true;
  EXPECT_TRUE(failed.remote());
  EXPECT_TRUE(failed.forwarded());

  // Through the agent: the default ForwardedSigning userauth applies.
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(user_, "k")));
  ASSERT_TRUE(c.call_ok(msg::kExtension, bind(host_c_, "sid-1", true)));
  ASSERT_TRUE(c.call_ok(msg::kExtension, bind(host_g_, "sid-2", false)));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob_, sshsig("git"))));
}

// Defect 1: a bind that fails leaves the connection forwarded for good.
TEST_F(ForwardingTrust, AFailedBindIsForwardedForGood) {
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(user_, "k")));
  EXPECT_TRUE(c.call_ext_failed(msg::kExtension, bad_bind(host_c_, liar_, "sid-1", true)));
  // Not a local connection: an SSHSIG or arbitrary data is refused...
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob_, sshsig("git"))));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob_, view("arbitrary"))));
  // ...a login still signs (ForwardedSigning userauth)...
  PublicKey pub = user_.public_key();
  EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob_, login(pub, "sid-x")))));
  // ...and a good bind later does not clear it, forwarding or not.
  ASSERT_TRUE(c.call_ok(msg::kExtension, bind(host_c_, "sid-2", true)));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob_, sshsig("git"))));
  auto d = agent.client();
  EXPECT_TRUE(d.call_ext_failed(msg::kExtension,
                                extension("session-bind@openssh.com", bytes_of("garbage"))));
  ASSERT_TRUE(d.call_ok(msg::kExtension, bind(host_g_, "sid-3", false)));
  EXPECT_TRUE(d.call_failed(msg::kSignRequest, sign_body(blob_, sshsig("git"))));
  // A connection that never tried to bind is local and signs anything.
  auto local = agent.client();
  EXPECT_TRUE(signature_of(local.call(msg::kSignRequest, sign_body(blob_, sshsig("git")))));
}

// Defect 1, the second case: a key added with -h hostC -h hostG must
// not sign hostC's login to hostG after hostC's forwarding bind failed and
// hostC bound its own session to hostG as if it were the first hop.
TEST_F(ForwardingTrust, DestinationKeysAreHiddenAndRefusedAfterAFailedBind) {
  AgentHarness agent;
  auto admin = agent.client();
  ASSERT_TRUE(admin.call_ok(
      msg::kAddIdConstrained,
      add_body(user_, "k",
               restrict_destination({to_host("hostC", host_c_), to_host("hostG", host_g_)}))));
  PublicKey pub = user_.public_key();
  PublicKey g = host_g_.public_key();
  // Control: hostG bound first (a local ssh to hostG) signs its login.
  auto direct = agent.client();
  ASSERT_TRUE(direct.call_ok(msg::kExtension, bind(host_g_, "sid-g", false)));
  EXPECT_TRUE(
      signature_of(direct.call(msg::kSignRequest, sign_body(blob_, login(pub, "sid-g", &g)))));

  auto c = agent.client();
  EXPECT_TRUE(c.call_ext_failed(msg::kExtension, bad_bind(host_c_, liar_, "sid-c", true)));
  EXPECT_FALSE(listed(c, blob_)) << "a constrained key was listed after a failed bind";
  ASSERT_TRUE(c.call_ok(msg::kExtension, bind(host_g_, "sid-g2", false)));
  EXPECT_FALSE(listed(c, blob_));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob_, login(pub, "sid-g2", &g))))
      << "hostC signed its own login to hostG";
  EXPECT_TRUE(c.call_failed(msg::kRemoveIdentity, [&] {
    Writer w;
    w.string(blob_);
    return w.take();
  }()));
  EXPECT_TRUE(listed(admin, blob_)) << "removed through a connection that cannot see it";
  // Re-adding over it from there is refused too.
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, add_body(user_, "replaced")));
}

// Defect 1a end to end: a host whose ECDSA signature over the session id has a
// padded r binds (OpenSSH accepts it), so nothing falls back to "unbound".
TEST_F(ForwardingTrust, PaddedEcdsaBindsAndHostCertificates) {
  AgentHarness agent;
  auto c = agent.client();
  Bytes sid = bytes_of("sid-padded");
  Writer w;
  w.string("session-bind@openssh.com");
  w.string(host_c_.public_key().blob());
  w.string(sid);
  w.string(test::pad_ecdsa_r(test::sign(host_c_, sid), 1));
  w.boolean(true);
  EXPECT_TRUE(c.call_ok(msg::kExtension, w.bytes()));
  // A host certificate whose CA signature has a padded r binds too.
  PrivateKey ca = test::generate(KeyType::ecdsa_p384);
  test::CertSpec spec;
  spec.principals = {"hostG"};
  spec.pad_ca_r = 1;
  PublicKey cert = test::certify(host_g_.public_key(), ca, spec);
  auto d = agent.client();
  EXPECT_TRUE(d.call_ok(msg::kExtension, extension("session-bind@openssh.com",
                                                   test::bind_body(cert, host_g_, sid, false))));
}

// OpenSSH 10.5 takes session-bind while locked: refusing it would leave a
// forwarded connection unbound, and local once the agent is unlocked.
TEST_F(ForwardingTrust, SessionBindWhileLocked) {
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(user_, "k")));
  Writer pw;
  pw.string("secret");
  ASSERT_TRUE(c.call_ok(msg::kLock, pw.bytes()));
  auto fwd = agent.client();
  EXPECT_TRUE(fwd.call_ok(msg::kExtension, bind(host_c_, "sid-1", true)));
  EXPECT_TRUE(fwd.call_failed(msg::kExtension, extension("query", {})));  // other extensions: no
  ASSERT_TRUE(c.call_ok(msg::kUnlock, pw.bytes()));
  EXPECT_TRUE(fwd.call_failed(msg::kSignRequest, sign_body(blob_, sshsig("git"))));
}

// Mutation gap: a forwarded connection may not remove a key its destination
// constraints hide from it (agent/protocol/identity_requests.cc visibility check).
TEST_F(ForwardingTrust, AForwardedConnectionCannotRemoveAKeyHiddenFromIt) {
  AgentHarness agent;
  auto admin = agent.client();
  ASSERT_TRUE(
      admin.call_ok(msg::kAddIdConstrained,
                    add_body(user_, "k", restrict_destination({to_host("hostG", host_g_)}))));
  Writer rm;
  rm.string(blob_);
  auto fwd = agent.client();
  ASSERT_TRUE(fwd.call_ok(msg::kExtension, bind(host_c_, "sid-c", true)));  // not a permitted hop
  EXPECT_FALSE(listed(fwd, blob_));
  EXPECT_TRUE(fwd.call_failed(msg::kRemoveIdentity, rm.bytes()));
  EXPECT_TRUE(listed(admin, blob_)) << "the hidden key was removed";
  // Where the key is visible (bound to hostG), removing it works.
  auto ok = agent.client();
  ASSERT_TRUE(ok.call_ok(msg::kExtension, bind(host_g_, "sid-g", false)));
  EXPECT_TRUE(ok.call_ok(msg::kRemoveIdentity, rm.bytes()));
  EXPECT_FALSE(listed(admin, blob_));
}

// Thin spot: an unknown constraint extension with a payload fails the whole
// add, alone or after valid constraints; the key is not added.
TEST_F(ForwardingTrust, UnknownConstraintExtensionWithPayloadFailsTheAdd) {
  AgentHarness agent;
  auto c = agent.client();
  // Payloads that are valid constraints themselves, so that an agent skipping
  // the extension (its payload or not) would add the key.
  for (const Bytes& payload :
       {Bytes{2}, Bytes{1, 0, 0, 0, 60}, test::concat({as_ssh_string(view("x")), Bytes{2}})}) {
    Writer unknown;
    unknown.u8(255);
    unknown.string("unknown-constraint@example.com");
    unknown.raw(payload);
    EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(user_, "k", unknown.bytes())));
    Bytes lifetime_then_unknown{1, 0, 0, 0, 60};
    lifetime_then_unknown.insert(lifetime_then_unknown.end(), unknown.bytes().begin(),
                                 unknown.bytes().end());
    EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(user_, "k", lifetime_then_unknown)));
    EXPECT_FALSE(listed(c, blob_));
  }
}

// Thin spot: a connection from another uid is closed at accept without an
// answer (agent/server.cc), seen from outside: a child that setuid()s to
// nobody connects to the agent's socket, opened to everyone for the test.
TEST_F(ForwardingTrust, AnotherUidIsTurnedAway) {
  if (geteuid() != 0) GTEST_FAIL() << "needs root, to become another uid (run as root)";
  struct passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const uid_t other = nobody->pw_uid;
  const gid_t other_gid = nobody->pw_gid;
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(user_, "k")));
  const std::string path = agent.socket_path();
  ASSERT_EQ(chmod(agent.dir().c_str(), 0755), 0);
  ASSERT_EQ(chmod(path.c_str(), 0666), 0);
  // Exit 0: connected, and the agent closed without a reply; 1: answered;
  // 2: could not connect at all (then the check was never reached).
  auto try_as = [&](bool change_uid) {
    pid_t pid = fork();
    if (pid == 0) {
      if (change_uid &&
          (setgroups(0, nullptr) != 0 || setgid(other_gid) != 0 || setuid(other) != 0))
        _exit(3);
      int fd = socket(AF_UNIX, SOCK_STREAM, 0);
      struct sockaddr_un a = {};
      a.sun_family = AF_UNIX;
      memcpy(a.sun_path, path.c_str(), std::min(path.size(), sizeof(a.sun_path) - 1));
      if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) _exit(2);
      const uint8_t req[] = {0, 0, 0, 1, 11};
      if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != ssize_t(sizeof(req)))
        _exit(0);  // already closed
      uint8_t b[5];
      ssize_t n = read(fd, b, sizeof(b));
      _exit(n > 0 ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(try_as(false), 1) << "the agent's own uid must be answered (the test can tell)";
  EXPECT_EQ(try_as(true), 0) << "uid " << other << " was answered";
}

}  // namespace
}  // namespace skagent::testing
