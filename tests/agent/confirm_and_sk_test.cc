// SPDX-License-Identifier: BSD-2-Clause
// Confirmation prompts (never blocking other clients) and security keys
// signing through skagent-sk-helper with OpenSSH's sk-dummy provider.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "ssh/key_file.h"
#include "tests/agent/agent_harness.h"

namespace skagent::testing {
namespace {

constexpr const char* kSkDummy = "/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so";

PrivateKey make() {
  auto k = PrivateKey::generate(KeyType::ed25519);
  if (!k) abort();
  return std::move(*k);
}

Bytes confirm_constraint() { return Bytes{2}; }

// The agents here ask through dir()/askpass.sh (with_askpass); this writes it for the
// lifetime of the object (without it, the askpass cannot start and prompts are refused).
class Askpass {
 public:
  Askpass(const std::filesystem::path& dir, const std::string& body) {
    path_ = (dir / "askpass.sh").string();
    std::ofstream(path_) << "#!/bin/sh\n" << body << "\n";
    chmod(path_.c_str(), 0700);
  }
  ~Askpass() { std::filesystem::remove(path_); }
  std::string path_;
};

TEST(Confirm, YesSignsNoRefuses) {
  AgentHarness agent(with_askpass("askpass.sh"));
  auto c = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdConstrained, add_body(key, "k", confirm_constraint())));
  Bytes blob = key.public_key().blob();
  {
    Askpass yes(agent.dir(),
                "echo \"$1|$SSH_ASKPASS_PROMPT\" > \"$(dirname \"$0\")/asked\"; echo yes");
    EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, view("d")))));
    std::ifstream asked(agent.dir() / "asked");
    std::string text((std::istreambuf_iterator<char>(asked)), {});
    EXPECT_NE(text.find(" wants key k to sign 1 bytes"), std::string::npos) << text;
    EXPECT_NE(text.find("type yes and press OK"), std::string::npos) << text;
    EXPECT_NE(text.find("|confirm"), std::string::npos) << text;
  }
  {
    // An askpass that may have shown a password field: OK on an empty field is no yes.
    Askpass empty(agent.dir(), "exit 0");
    EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, view("d"))));
  }
  {
    Askpass no(agent.dir(), "exit 1");
    EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, view("d"))));
  }
  {
    Askpass other(agent.dir(), "echo no");
    EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, view("d"))));
  }
}

// A display is there, but SSH_ASKPASS_REQUIRE=never forbids any askpass (one that would say yes).
TEST(Confirm, NoPrompterRefusesWithoutHanging) {
  AgentOptions o;
  o.askpass = {":0", "", "never", "/bin/true"};
  AgentHarness agent(o);
  auto c = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdConstrained, add_body(key, "k", confirm_constraint())));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(key.public_key().blob(), view("d"))));
}

TEST(Confirm, AnOpenPromptDoesNotDelayOtherClients) {
  AgentHarness agent(with_askpass("askpass.sh"));
  auto setup = agent.client();
  PrivateKey confirmed = make(), plain = make();
  ASSERT_TRUE(
      setup.call_ok(msg::kAddIdConstrained, add_body(confirmed, "c", confirm_constraint())));
  ASSERT_TRUE(setup.call_ok(msg::kAddIdentity, add_body(plain, "p")));
  // The askpass marks that it is up, so the timing below runs while the prompt is open.
  auto shown = agent.dir() / "prompt-shown";
  Askpass slow(agent.dir(), "touch '" + shown.string() + "'; sleep 2; echo yes");
  auto waiting = agent.client();
  waiting.send(msg::kSignRequest, sign_body(confirmed.public_key().blob(), view("d")));
  for (int i = 0; i < 500 && !std::filesystem::exists(shown); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(std::filesystem::exists(shown)) << "the askpass never started";
  auto other = agent.client();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; i++) {
    ASSERT_TRUE(signature_of(
        other.call(msg::kSignRequest, sign_body(plain.public_key().blob(), view("x")))));
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_LT(ms, 1000) << "other client was held up by the prompt";
  EXPECT_TRUE(signature_of(waiting.receive(10000)));
}

TEST(Confirm, ARequesterThatLeavesCancelsItsPrompt) {
  AgentHarness agent(with_askpass("askpass.sh"));
  auto setup = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(setup.call_ok(msg::kAddIdConstrained, add_body(key, "k", confirm_constraint())));
  auto marker = agent.dir() / "survived";
  Askpass slow(agent.dir(), "sleep 3; touch '" + marker.string() + "'");
  {
    auto c = agent.client();
    c.send(msg::kSignRequest, sign_body(key.public_key().blob(), view("d")));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_FALSE(std::filesystem::exists(marker)) << "askpass was not killed";
}

// An sk key made by the real ssh-keygen with the sk-dummy provider.
std::optional<PrivateKey> dummy_sk_key(const std::filesystem::path& dir, const char* type) {
  auto file = dir / (std::string("sk_") + type);
  std::string cmd = std::string("SSH_SK_PROVIDER=") + kSkDummy + " ssh-keygen -q -N '' -t " + type +
                    " -f " + file.string() + " >/dev/null 2>&1";
  if (system(cmd.c_str()) != 0) return std::nullopt;
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto k = read_private_key_file(view(text), "");
  if (!k) return std::nullopt;
  return std::move(k->key);
}

Bytes provider_constraint(const std::string& path) {
  Writer w;
  w.u8(255);
  w.string("sk-provider@openssh.com");
  w.string(path);
  return w.take();
}

TEST(SecurityKey, SignsThroughThePersistentHelper) {
  ASSERT_TRUE(std::filesystem::exists(kSkDummy)) << "openssh-tests is a test dependency";
  AgentOptions opts;
  opts.allowed_providers = "/usr/lib/openssh/regress/misc/sk-dummy/*";
  AgentHarness agent(opts);
  auto c = agent.client();
  for (const char* type : {"ed25519-sk", "ecdsa-sk"}) {
    auto key = dummy_sk_key(agent.dir(), type);
    ASSERT_TRUE(key) << type;
    ASSERT_TRUE(
        c.call_ok(msg::kAddIdConstrained, add_body(*key, "sk", provider_constraint(kSkDummy))));
    for (int i = 0; i < 5; i++) {
      Bytes data = to_bytes(view("sk data " + std::to_string(i)));
      auto sig = signature_of(c.call(msg::kSignRequest, sign_body(key->public_key().blob(), data)));
      ASSERT_TRUE(sig) << type;
      EXPECT_TRUE(verify_signature(key->public_key(), *sig, data).ok()) << type;
    }
  }
}

TEST(SecurityKey, ProvidersOutsideTheAllowlistAndInternalAreRefused) {
  AgentHarness agent;  // default -P allows /usr/lib*/*: sk-dummy is under /usr/lib
  auto c = agent.client();
  auto key = dummy_sk_key(agent.dir(), "ed25519-sk");
  ASSERT_TRUE(key);
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained,
                            add_body(*key, "sk", provider_constraint("/tmp/evil.so"))));
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained,
                            add_body(*key, "sk", provider_constraint("/nonexistent/x.so"))));
  // "internal" (the built-in middleware) is accepted; with no token that holds this dummy key
  // (AgentOptions::vtokens names none here), signing fails.
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(*key, "sk")));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(key->public_key().blob(), view("d"))));
}

// ssh-keygen only makes "ssh:" keys, so a web-origin key is made by renaming
// the application of a dummy key: the agent must refuse before any signing.
TEST(SecurityKey, WebsafeRuleAllowsOnlySshDataForWebApplications) {
  AgentHarness agent;
  auto c = agent.client();
  auto key = dummy_sk_key(agent.dir(), "ed25519-sk");
  ASSERT_TRUE(key);
  PublicKey web = key->public_key();
  web.application = "https://example.com";
  key->set_public_key(web);
  ASSERT_TRUE(
      c.call_ok(msg::kAddIdConstrained, add_body(*key, "web", provider_constraint(kSkDummy))));
  Bytes blob = web.blob();
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, view("webauthn challenge"))));
  Writer sshsig;
  sshsig.raw(view("SSHSIG"));
  sshsig.string("git");
  sshsig.string("");
  sshsig.string("sha512");
  sshsig.string(Bytes(64, 7));
  EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, sshsig.bytes()))));
}

// -O websafe-allow with a negation: a key whose application a negated pattern matches
// (match_pattern_list answers -1) is not allowed, so the websafe rule holds for it. The
// mutation check (tests/mutation) found no test for this.
TEST(SecurityKey, ANegatedWebsafeAllowPatternKeepsTheRule) {
  AgentOptions opts;
  opts.websafe_allowlist = "!ssh:,ssh:*";
  AgentHarness agent(opts);
  auto c = agent.client();
  auto key = dummy_sk_key(agent.dir(), "ed25519-sk");
  ASSERT_TRUE(key);
  ASSERT_EQ(key->public_key().application, "ssh:");
  ASSERT_TRUE(
      c.call_ok(msg::kAddIdConstrained, add_body(*key, "negated", provider_constraint(kSkDummy))));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest,
                            sign_body(key->public_key().blob(), view("webauthn challenge"))));
}

TEST(SecurityKey, ARestartedHelperKeepsServing) {
  AgentOptions opts;
  AgentHarness agent(opts);
  auto c = agent.client();
  auto key = dummy_sk_key(agent.dir(), "ed25519-sk");
  ASSERT_TRUE(key);
  ASSERT_TRUE(
      c.call_ok(msg::kAddIdConstrained, add_body(*key, "sk", provider_constraint(kSkDummy))));
  Bytes blob = key->public_key().blob();
  ASSERT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, view("a")))));
  ASSERT_EQ(system("pkill -KILL -f 'skagent-sk-helpe[r] .*sk-dummy.so'"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // The first request after the death may fail; the helper is restarted.
  (void)c.call(msg::kSignRequest, sign_body(blob, view("b")));
  EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, view("c")))));
}

}  // namespace
}  // namespace skagent::testing
