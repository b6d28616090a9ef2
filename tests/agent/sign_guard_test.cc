// SPDX-License-Identifier: BSD-2-Clause
// SignGuard on its own (agent/policy/sign_guard.h): the policy's decision reaches either the
// signer (`permitted`, once) or the client (FAILURE, once), and the decision is what the
// audit line will say.
#include "agent/policy/sign_guard.h"

#include <gtest/gtest.h>

#include "agent/protocol/messages.h"
#include "ssh/fingerprint.h"
#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

struct Guarded {
  AgentOptions options;
  Logger log;
  std::unique_ptr<EventLoop> loop = EventLoop::create().value();
  Prompter prompter{*loop, log, AskpassSettings{}};
  SignGuard guard{options, log, prompter, PolicyStore::defaults()};
  std::shared_ptr<Identity> id = std::make_shared<Identity>();
  // The connection holds a pending prompt, as the server's does; without it the prompt
  // would be dropped, and with it its answer.
  std::shared_ptr<Connection> conn = std::make_shared<Connection>();
  int permitted = 0;
  std::vector<Bytes> replies;

  Guarded() { id->key = test::generate().public_key(); }

  // A request of `kind`, local or through one forwarding hop.
  std::shared_ptr<SignContext> context(SignKind kind, bool forwarded) {
    auto c = std::make_shared<SignContext>();
    c->kind = kind;
    c->key_fp = fingerprint(id->key, FingerprintHash::sha256);
    c->key_type = "ED25519";
    c->forwarded = forwarded;
    c->conn = conn;
    if (kind == SignKind::sshsig) c->sig_namespace = "git";
    return c;
  }

  void check(std::shared_ptr<SignContext> ctx) {
    ReplyFn reply = [this](Bytes m) {
      replies.push_back(std::move(m));
      loop->stop();
    };
    guard.check(ctx, id, to_bytes(view("data")), 0, guard.audited(ctx, reply),
                [this](std::shared_ptr<SignContext>, std::shared_ptr<const Identity>, Bytes,
                       uint32_t, ReplyFn) { permitted++; });
  }
};

// The context hashes the blob the key is named by (a certificate: its plain key's), as
// ssh-keygen -l and ssh-add -l name the key; the policy and the audit line use both forms.
TEST(SignGuard, TheContextNamesAKeyAndACertificateByThePlainKeysFingerprints) {
  Guarded g;
  auto conn = std::make_shared<Connection>();
  conn->peer = PeerIdentity{getpid(), getuid(), getgid()};
  const PrivateKey user = test::generate(KeyType::ecdsa_p256);
  test::CertSpec spec;
  spec.type = Certificate::kUser;
  spec.principals = {"alice"};
  const PublicKey cert = test::certify(user.public_key(), test::generate(), spec);
  for (const PublicKey& key : {user.public_key(), cert}) {
    Identity id;
    id.key = key;
    id.blob = key.blob();
    auto ctx = g.guard.context(conn, id, test::bytes_of("data"));
    EXPECT_EQ(ctx->key_fp, fingerprint(user.public_key(), FingerprintHash::sha256));
    EXPECT_EQ(ctx->key_fp_md5, fingerprint(user.public_key(), FingerprintHash::md5));
    EXPECT_EQ(ctx->key_fp, fingerprint(key, FingerprintHash::sha256));
  }
}

TEST(SignGuard, ALocalSignatureIsPermittedAtOnceWithoutAPerson) {
  Guarded g;
  auto ctx = g.context(SignKind::sshsig, false);
  g.check(ctx);
  EXPECT_EQ(g.permitted, 1);
  EXPECT_TRUE(g.replies.empty());  // the signer answers, not the guard
  EXPECT_EQ(ctx->approval.confirm, Approval::Confirm::not_needed);
}

TEST(SignGuard, AForwardedNonLoginSignatureIsRefusedAndAudited) {
  Guarded g;  // the default policy: ForwardedSigning userauth
  auto ctx = g.context(SignKind::sshsig, true);
  g.check(ctx);
  EXPECT_EQ(g.permitted, 0);
  ASSERT_EQ(g.replies.size(), 1u);
  EXPECT_EQ(g.replies[0], Bytes{msg::kFailure});
  EXPECT_EQ(ctx->decision, SignOutcome::refused);
  EXPECT_FALSE(ctx->reason.empty());
}

TEST(SignGuard, AKeyAddedWithConfirmAndNoAskpassIsRefused) {
  Guarded g;
  g.id->confirm = true;  // ssh-add -c
  auto ctx = g.context(SignKind::userauth, false);
  g.check(ctx);
  if (g.replies.empty()) {  // the prompt's refusal comes through the loop
    g.loop->after(std::chrono::seconds(5), [&] { g.loop->stop(); });
    g.loop->run();
  }
  EXPECT_EQ(g.permitted, 0);
  ASSERT_EQ(g.replies.size(), 1u);
  EXPECT_EQ(g.replies[0], Bytes{msg::kFailure});
  EXPECT_EQ(ctx->decision, SignOutcome::refused);
}

}  // namespace
// ApproveFor's memory is for one program: the same process (pid, start time) running another
// executable, or the same one with other arguments, after an exec is not the one approved
// (found by an attack on issue 18's change: python3 approved, then exec'd another program
// that connected again and signed without a prompt).
TEST(SignGuard, AnApprovalIsForOneProgramOfAProcess) {
  Guarded g;
  auto with_program = [&](std::string exe, std::vector<std::string> argv) {
    auto caller = std::make_shared<CallerInfo>();
    ProcessInfo p;
    p.pid = 4242;
    p.start_time = 777;
    p.exe = std::move(exe);
    p.argv = std::move(argv);
    caller->chain.push_back(p);
    auto ctx = g.context(SignKind::sshsig, false);
    ctx->caller = caller;
    return approval_key(*ctx);
  };
  const std::string approved = with_program("/usr/bin/python3", {"python3", "sign.py"});
  ASSERT_FALSE(approved.empty());
  EXPECT_EQ(with_program("/usr/bin/python3", {"python3", "sign.py"}), approved);
  EXPECT_NE(with_program("/tmp/evil/ssh-keygen", {"python3", "sign.py"}), approved);
  EXPECT_NE(with_program("/usr/bin/python3", {"python3", "other.py"}), approved);
  EXPECT_NE(with_program("/usr/bin/python3", {"python3", "sign.py", ""}), approved);
  EXPECT_NE(with_program("/usr/bin/python3", {"python3sign.py"}), approved);
}

}  // namespace skagent
