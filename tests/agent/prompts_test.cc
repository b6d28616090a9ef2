// SPDX-License-Identifier: BSD-2-Clause
// The policy, prompts, PINs and audit through a real agent: what the askpass is
// shown, what the policy refuses without asking, remembered approvals, prompt
// timeouts, and the PIN of a verify-required security key (asked, cached,
// expired, wiped, wrong) with a test provider that wants one.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "platform/secure_memory.h"
#include "ssh/key_file.h"
#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    n++;
  return n;
}

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

// A private directory for what the askpass records, and the askpass itself:
// every call appends "<SSH_ASKPASS_PROMPT>|<prompt>" and a "---" line to
// `log`, then answers with the first line of `queue` (removing it), or with
// `fallback` when the queue is empty ("!cancel" exits 1, "!sleep" sleeps,
// "!pin" prints the file `pin` in the directory).
class Scene {
 public:
  explicit Scene(const std::string& fallback = "yes") {
    dir_ = std::filesystem::temp_directory_path() /
           ("skagent-prompts-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    std::string script = (dir_ / "askpass.sh").string();
    std::ofstream(script)
        << "#!/bin/sh\n"
        << "d='" << dir_.string() << "'\n"
        << "printf '%s|%s\\n---\\n' \"${SSH_ASKPASS_PROMPT:--}\" \"$1\" >>\"$d/log\"\n"
        << "a=$(head -n 1 \"$d/queue\" 2>/dev/null)\n"
        << "if [ -n \"$a\" ]; then sed -i 1d \"$d/queue\"; else a='" << fallback << "'; fi\n"
        << "case $a in '!cancel') exit 1;; '!sleep') sleep 10; exit 0;; '!pin') cat \"$d/pin\"; "
           "exit 0;; esac\n"
        << "echo \"$a\"\n";
    chmod(script.c_str(), 0700);
    script_ = script;
  }
  ~Scene() { std::filesystem::remove_all(dir_); }
  // `o`, for an agent that asks through this scene's askpass.
  AgentOptions options(AgentOptions o = {}) const { return with_askpass(script_, std::move(o)); }
  std::string log() const { return slurp(dir_ / "log"); }
  // Each prompt's "<SSH_ASKPASS_PROMPT>|<text>", in order.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    std::string l = log();
    for (size_t pos = 0, end; (end = l.find("\n---\n", pos)) != std::string::npos; pos = end + 5) {
      out.push_back(l.substr(pos, end - pos));
    }
    return out;
  }
  int prompts() const { return count_of(log(), "\n---\n"); }
  void queue(const std::vector<std::string>& answers) const {
    std::ofstream q(dir_ / "queue");
    for (const auto& a : answers) q << a << "\n";
  }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
  std::string script_;
};

// Where `needle` is in this process's writable memory outside the locked,
// non-dumpable mappings that hold secrets (LockedBuffer: VmFlags "dd"/"lo"),
// as "start-end" of the mapping; "" when nowhere. The needle and the scan
// buffer themselves live in such mappings, so they are not found.
std::string where_in_ordinary_memory(std::string_view needle) {
  struct Range {
    uintptr_t lo = 0, hi = 0;
    bool writable = false;
  };
  std::vector<Range> ordinary;
  std::ifstream smaps("/proc/self/smaps");
  Range cur;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long lo = 0, hi = 0;
    char perms[8] = {};
    if (sscanf(line.c_str(), "%lx-%lx %7s", &lo, &hi, perms) == 3) {
      cur = {lo, hi, perms[1] == 'w'};
    } else if (line.rfind("VmFlags:", 0) == 0) {
      const bool secret =
          line.find(" dd") != std::string::npos || line.find(" lo") != std::string::npos;
      // Terabytes reserved at once are a sanitizer's shadow memory, never program data.
      const bool shadow = cur.hi - cur.lo > (uintptr_t(1) << 36);
      if (cur.writable && !secret && !shadow) ordinary.push_back(cur);
    }
  }
  int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  if (mem < 0) return "cannot open /proc/self/mem";
  constexpr size_t kChunk = 1 << 20;
  auto locked_chunk = LockedBuffer::create(kChunk + needle.size());
  if (!locked_chunk) return "no locked memory: " + locked_chunk.error().message;
  LockedBuffer& chunk = **locked_chunk;
  std::string found;
  for (const Range& r : ordinary) {
    for (uintptr_t at = r.lo; at < r.hi && found.empty(); at += kChunk) {
      size_t want = std::min<uintptr_t>(kChunk + needle.size() - 1, r.hi - at);
      ssize_t n = pread(mem, chunk.data(), want, off_t(at));
      if (n > 0 && memmem(chunk.data(), size_t(n), needle.data(), needle.size()) != nullptr) {
        char where[64];
        snprintf(where, sizeof(where), "%lx-%lx", (unsigned long)r.lo, (unsigned long)r.hi);
        found = where;
      }
    }
  }
  close(mem);
  secure_wipe(chunk.data(), chunk.size());
  return found;
}

PrivateKey make() {
  auto k = PrivateKey::generate(KeyType::ed25519);
  if (!k) abort();
  return std::move(*k);
}

Bytes session_bind(const PrivateKey& host, std::string_view sid, bool forwarding) {
  Writer w;
  w.string("session-bind@openssh.com");
  w.raw(test::bind_body(host, test::bytes_of(sid), forwarding));
  return w.take();
}

AgentOptions with(std::vector<std::string> lines) {
  AgentOptions o;
  o.policy_overrides = std::move(lines);
  return o;
}

TEST(Prompts, ShowTheCallerAndWhatIsSignedAndAreAudited) {
  Scene scene;
  auto audit = scene.path("audit.jsonl");
  AgentHarness agent(scene.options(with({"Confirm always", "Audit " + audit.string()})));
  auto c = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "work key")));
  Bytes blob = key.public_key().blob();
  ASSERT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, sshsig("git")))));
  std::string log = scene.log();
  const std::string me = self_exe().substr(self_exe().rfind('/') + 1);
  EXPECT_EQ(log.rfind("confirm|" + me +
                          " wants key work key to make a git signature (namespace \"git\")\n\n"
                          "Key fingerprint SHA256:",
                      0),
            0u)
      << log;
  EXPECT_NE(log.find("Asked by: " + self_exe() + " (pid " + std::to_string(getpid()) + ")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("namespace \"git\""), std::string::npos) << log;
  scene.queue({"!cancel"});
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, sshsig("file"))));
  std::string lines = slurp(audit);
  ASSERT_EQ(count_of(lines, "\n"), 2) << lines;
  EXPECT_NE(lines.find("\"decision\":\"allowed\",\"reason\":\"policy Confirm "
                       "always\",\"approval\":\"confirmed by the person\""),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("\"exe\":\"" + self_exe() + "\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"decision\":\"refused\",\"reason\":\"confirmation: the person said no\""),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("\"namespace\":\"file\""), std::string::npos) << lines;
}

TEST(Prompts, ForwardedConnectionsSignOnlyLogins) {
  Scene scene("!cancel");
  AgentHarness agent(scene.options());
  auto c = agent.client();
  PrivateKey key = make(), host = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "k")));
  ASSERT_TRUE(c.call_ok(msg::kExtension, session_bind(host, "sid-forwarded", true)));
  Bytes blob = key.public_key().blob();
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, sshsig("git"))));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, view("arbitrary data"))));
  PublicKey pub = key.public_key();
  test::Userauth ua;
  ua.key = &pub;
  EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, ua.build()))));
  EXPECT_EQ(scene.prompts(), 0);  // refused by the policy, nobody asked
  // A local connection signs anything, as before.
  auto local = agent.client();
  EXPECT_TRUE(signature_of(local.call(msg::kSignRequest, sign_body(blob, sshsig("git")))));
  // ForwardedSigning any lifts the rule.
  AgentHarness open(scene.options(with({"ForwardedSigning any"})));
  auto o = open.client();
  ASSERT_TRUE(o.call_ok(msg::kAddIdentity, add_body(key, "k")));
  ASSERT_TRUE(o.call_ok(msg::kExtension, session_bind(host, "sid-forwarded", true)));
  EXPECT_TRUE(signature_of(o.call(msg::kSignRequest, sign_body(blob, sshsig("git")))));
}

TEST(Prompts, ConfirmForwardedAsksOnlyThroughForwarding) {
  Scene scene;
  AgentHarness agent(scene.options(with({"Confirm forwarded"})));
  PrivateKey key = make(), host = make();
  auto local = agent.client();
  ASSERT_TRUE(local.call_ok(msg::kAddIdentity, add_body(key, "k")));
  PublicKey pub = key.public_key();
  test::Userauth ua;
  ua.key = &pub;
  Bytes blob = pub.blob();
  EXPECT_TRUE(signature_of(local.call(msg::kSignRequest, sign_body(blob, ua.build()))));
  EXPECT_EQ(scene.prompts(), 0);
  auto fwd = agent.client();
  ASSERT_TRUE(fwd.call_ok(msg::kExtension, session_bind(host, "sid-1", true)));
  EXPECT_TRUE(signature_of(fwd.call(msg::kSignRequest, sign_body(blob, ua.build()))));
  EXPECT_EQ(scene.prompts(), 1);
  EXPECT_NE(scene.log().find("(agent forwarded)"), std::string::npos) << scene.log();
}

TEST(Prompts, NamespacesOutsideThePolicyAreRefused) {
  Scene scene("!cancel");
  AgentHarness agent(scene.options(with({"SshsigNamespaces git"})));
  auto c = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "k")));
  Bytes blob = key.public_key().blob();
  EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, sshsig("git")))));
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, sshsig("file"))));
}

TEST(Prompts, ApproveForAsksOncePerProcessAndPurpose) {
  Scene scene;
  AgentHarness agent(scene.options(with({"Confirm always", "ApproveFor 1m"})));
  auto c = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "k")));
  Bytes blob = key.public_key().blob();
  for (int i = 0; i < 3; i++)
    ASSERT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, sshsig("git")))));
  EXPECT_EQ(scene.prompts(), 1);
  EXPECT_NE(scene.log().find("for 1 minute without asking"), std::string::npos) << scene.log();
  ASSERT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, sshsig("file")))));
  EXPECT_EQ(scene.prompts(), 2);
  // Locking forgets approvals.
  Writer pw;
  pw.string("pw");
  ASSERT_TRUE(c.call_ok(msg::kLock, pw.bytes()));
  ASSERT_TRUE(c.call_ok(msg::kUnlock, pw.bytes()));
  ASSERT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(blob, sshsig("git")))));
  EXPECT_EQ(scene.prompts(), 3);
}

TEST(Prompts, APromptThatTimesOutRefuses) {
  Scene scene("!sleep");
  AgentHarness agent(scene.options(with({"Confirm always", "PromptTimeout 1"})));
  auto c = agent.client();
  PrivateKey key = make();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "k")));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(key.public_key().blob(), sshsig("git"))));
  auto s = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
               .count();
  EXPECT_GE(s, 900);
  EXPECT_LT(s, 4000);
}

// ---------------------------------------------------------------- PINs

class Pins : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_ = build_dir() + "/bin/skagent-test-sk-pin.so";
    char real[PATH_MAX];
    ASSERT_NE(realpath(provider_.c_str(), real), nullptr)
        << provider_ << " (make " << provider_ << ")";
    provider_ = real;
    unplugged_ =
        std::filesystem::temp_directory_path() / ("skagent-unplugged-" + std::to_string(getpid()));
    std::filesystem::remove(unplugged_);
    lie_ = unplugged_.string() + ".lie";
    std::filesystem::remove(lie_);
    // The provider's settings (sk_pin_provider.c), given to the helpers and to ssh-keygen.
    provider_env_ = {"SK_PIN_TEST_UNPLUGGED=" + unplugged_.string(),
                     "SK_PIN_TEST_LIE=" + lie_.string(), "SK_PIN_TEST_PIN="};  // PIN "1234"
  }
  void TearDown() override {
    std::filesystem::remove(lie_);
    std::filesystem::remove(unplugged_);
  }
  const std::vector<std::string>& helper_env() const { return provider_env_; }
  // The provider's settings as `env` arguments for a shell command.
  std::string env_words() const {
    std::string out = "env";
    for (const auto& e : provider_env_) out += " '" + e + "'";
    return out;
  }
  AgentOptions options(std::vector<std::string> lines) {
    lines.push_back("Notify no");  // no desktop notifications from unit tests
    AgentOptions o = with(std::move(lines));
    o.allowed_providers = provider_;
    return o;
  }
  // A verify-required key made by ssh-keygen through the provider.
  std::optional<PrivateKey> key(const std::filesystem::path& dir,
                                const std::string& type = "ed25519-sk",
                                const std::string& extra = "") {
    auto file = dir / ("sk_uv_" + std::to_string(keys_made_++));
    std::string cmd = env_words() + " SSH_SK_PROVIDER=" + provider_ + " ssh-keygen -q -N '' -t " +
                      type + " " + extra + " -O verify-required -f " + file.string() +
                      " </dev/null >/dev/null 2>&1";
    if (system(cmd.c_str()) != 0) return std::nullopt;
    auto k = read_private_key_file(view(slurp(file)), "");
    if (!k) return std::nullopt;
    return std::move(k->key);
  }
  // A key that needs a touch and no PIN, made by ssh-keygen through the provider and added to
  // `agent` through `c` as "touch key"; nullopt when either step failed.
  std::optional<PrivateKey> added_touch_key(AgentHarness& agent, AgentClient& c) {
    auto file = agent.dir() / ("sk_touch_" + std::to_string(keys_made_++));
    std::string cmd = env_words() + " SSH_SK_PROVIDER=" + provider_ +
                      " ssh-keygen -q -N '' -t ed25519-sk -f " + file.string() +
                      " </dev/null >/dev/null 2>&1";
    if (system(cmd.c_str()) != 0) return std::nullopt;
    auto k = read_private_key_file(view(slurp(file)), "");
    if (!k ||
        !c.call_ok(msg::kAddIdConstrained, add_body(k->key, "touch key", provider_constraint())))
      return std::nullopt;
    return std::move(k->key);
  }
  Bytes provider_constraint() const {
    Writer w;
    w.u8(255);
    w.string("sk-provider@openssh.com");
    w.string(provider_);
    return w.take();
  }
  // Adds `k` through `c` as "uv key", its signatures made by this provider.
  bool add_uv_key(AgentClient& c, const PrivateKey& k) {
    return c.call_ok(msg::kAddIdConstrained, add_body(k, "uv key", provider_constraint()));
  }
  // A new verify-required key, added to `agent` through `c`; nullopt when either step failed.
  std::optional<PrivateKey> added_key(AgentHarness& agent, AgentClient& c) {
    auto k = key(agent.dir());
    if (!k || !add_uv_key(c, *k)) return std::nullopt;
    return k;
  }
  bool sign(AgentClient& c, const PrivateKey& k) {
    Bytes data = sshsig("git");
    auto sig = signature_of(c.call(msg::kSignRequest, sign_body(k.public_key().blob(), data)));
    return sig && verify_signature(k.public_key(), *sig, data).ok();
  }
  std::string provider_;
  std::filesystem::path unplugged_;
  std::filesystem::path lie_;              // while it exists, the provider lies (sk_pin_provider.c)
  std::vector<std::string> provider_env_;  // "NAME=value" for the provider
  int keys_made_ = 0;
};

// Mutation gap: a negated -O websafe-allow pattern (match result -1) refuses
// what is neither a login nor an SSHSIG, as a pattern that does not match does.
TEST_F(Pins, ANegatedWebsafePatternRefusesNonSshSignatures) {
  Scene scene("1234");
  AgentOptions o = options({"PinCache 60"});
  o.websafe_allowlist = "ssh:*,!ssh:web";
  AgentHarness agent(scene.options(o), helper_env());
  auto c = agent.client();
  auto web = key(agent.dir(), "ed25519-sk", "-O application=ssh:web");
  auto ok = key(agent.dir(), "ed25519-sk", "-O application=ssh:ok");
  ASSERT_TRUE(web && ok);
  ASSERT_TRUE(c.call_ok(msg::kAddIdConstrained, add_body(*web, "web", provider_constraint())));
  ASSERT_TRUE(c.call_ok(msg::kAddIdConstrained, add_body(*ok, "ok", provider_constraint())));
  Bytes other = test::bytes_of("a WebAuthn challenge, say");
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(web->public_key().blob(), other)))
      << "ssh:web is negated in the allowlist, yet signed non-SSH data";
  EXPECT_TRUE(signature_of(c.call(msg::kSignRequest, sign_body(ok->public_key().blob(), other))));
  EXPECT_TRUE(sign(c, *web)) << "an SSHSIG is always allowed";
}

// Defect 1: sk-provider adds from a connection whose bind failed are refused,
// as from any forwarded connection (-O allow-remote-pkcs11 not given).
TEST_F(Pins, AProviderAddIsRefusedAfterAFailedBind) {
  AgentHarness agent(options({}), helper_env());
  auto k = key(agent.dir());
  ASSERT_TRUE(k);
  PrivateKey host = make(), liar = make();
  Writer bad;
  bad.string("session-bind@openssh.com");
  bad.raw(test::bind_body(host.public_key(), liar, test::bytes_of("sid"), true));
  auto c = agent.client();
  EXPECT_TRUE(c.call_ext_failed(msg::kExtension, bad.bytes()));
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(*k, "uv", provider_constraint())));
  auto local = agent.client();
  EXPECT_TRUE(local.call_ok(msg::kAddIdConstrained, add_body(*k, "uv", provider_constraint())));
}

// Issue 13 defect 8: what the provider returns is checked against the key
// before it is passed on, as PKCS#11 signatures are.
TEST_F(Pins, ASignatureTheProviderLiesAboutIsRefused) {
  Scene scene("1234");
  AgentHarness agent(scene.options(options({"PinCache 60"})), helper_env());
  auto c = agent.client();
  for (const std::string type : {"ed25519-sk", "ecdsa-sk"}) {
    auto k = key(agent.dir(), type);
    ASSERT_TRUE(k) << type;
    ASSERT_TRUE(
        c.call_ok(msg::kAddIdConstrained, add_body(*k, "uv " + type, provider_constraint())));
    ASSERT_TRUE(sign(c, *k)) << type << ": an honest provider";
    for (char how : {'s', 'c', 'f'}) {
      std::ofstream(lie_) << how;
      Bytes data = sshsig("git");
      auto reply = c.call(msg::kSignRequest, sign_body(k->public_key().blob(), data));
      EXPECT_EQ(reply, std::optional<Bytes>(msg::status(false)))
          << type << ": lie '" << how << "' was passed on";
      std::filesystem::remove(lie_);
    }
    if (type == "ecdsa-sk") {  // a padded r is a valid encoding: still signs
      std::ofstream(lie_) << 'r';
      EXPECT_TRUE(sign(c, *k)) << "an ECDSA r with a leading zero byte was refused";
      std::filesystem::remove(lie_);
    }
    EXPECT_TRUE(sign(c, *k)) << type << ": honest again";
  }
}

TEST_F(Pins, AskedCachedForTheTimeGivenThenAskedAgain) {
  Scene scene("1234");
  AgentHarness agent(scene.options(options({"PinCache 2"})), helper_env());
  auto c = agent.client();
  auto k = added_key(agent, c);
  ASSERT_TRUE(k);
  ASSERT_EQ(k->sk_flags() & 0x04, 0x04);
  ASSERT_TRUE(sign(c, *k));  // t=0: typed
  const auto typed = std::chrono::steady_clock::now();
  EXPECT_EQ(scene.prompts(), 1);
  EXPECT_EQ(scene.log().rfind("-|Enter the PIN of your security key: ", 0), 0u) << scene.log();
  EXPECT_NE(scene.log().find(" wants key uv key to "), std::string::npos) << scene.log();
  std::this_thread::sleep_until(typed + std::chrono::milliseconds(1200));
  ASSERT_TRUE(sign(c, *k));  // t=1.2: cached
  EXPECT_EQ(scene.prompts(), 1) << "the cached PIN was not used";
  // PinCache counts from the typing: using the PIN must not restart it.
  std::this_thread::sleep_until(typed + std::chrono::milliseconds(2300));
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 2) << "the PIN outlived PinCache (its use restarted the timer?)";
}

// Typed, sent to the helper, cached and used from the cache: the PIN is never
// in the agent's ordinary memory. The PIN is random and this test never holds
// it outside locked memory either: a shell makes it into a file, the askpass
// prints that file, the provider checks against it, and the test reads it
// straight into a LockedBuffer to search for it.
TEST_F(Pins, ThePinNeverLeavesLockedMemory) {
  Scene scene("!pin");
  const auto pin_file = scene.path("pin");
  const std::string make_pin =
      "od -An -N12 -tx1 /dev/urandom | tr -d ' \\n' >'" + pin_file.string() + "'";
  ASSERT_EQ(system(make_pin.c_str()), 0);
  auto locked_pin = LockedBuffer::create(64);
  ASSERT_TRUE(locked_pin.ok());
  LockedBuffer& pin = **locked_pin;
  int fd = open(pin_file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ssize_t n = read(fd, pin.data(), pin.size());
  close(fd);
  ASSERT_EQ(n, 24);
  const std::string_view needle(reinterpret_cast<const char*>(pin.data()), size_t(n));
  provider_env_.push_back("SK_PIN_TEST_PIN_FILE=" + pin_file.string());
  {
    AgentHarness agent(scene.options(options({"PinCache 1h"})), helper_env());
    auto c = agent.client();
    auto k = added_key(agent, c);
    ASSERT_TRUE(k);
    EXPECT_TRUE(sign(c, *k));
    EXPECT_TRUE(sign(c, *k));
    EXPECT_EQ(scene.prompts(), 1) << "the second signature should use the cached PIN";
    EXPECT_EQ(where_in_ordinary_memory(needle), "") << "the PIN is in ordinary memory";
    // The search works: a copy in ordinary memory is found.
    std::string leak(needle);
    EXPECT_NE(where_in_ordinary_memory(needle), "");
    secure_wipe(leak.data(), leak.size());
  }
}

TEST_F(Pins, NotCachedByDefaultAndWipedOnLockRemoveAllAndUnplug) {
  Scene scene("1234");
  AgentHarness plain(scene.options(options({})), helper_env());  // no PinCache: asked every time
  auto p = plain.client();
  auto k = added_key(plain, p);
  ASSERT_TRUE(k);
  ASSERT_TRUE(sign(p, *k));
  ASSERT_TRUE(sign(p, *k));
  EXPECT_EQ(scene.prompts(), 2);

  AgentHarness agent(scene.options(options({"PinCache 1h"})), helper_env());
  auto c = agent.client();
  ASSERT_TRUE(add_uv_key(c, *k));
  ASSERT_TRUE(sign(c, *k));
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 3);
  Writer pw;
  pw.string("pw");
  ASSERT_TRUE(c.call_ok(msg::kLock, pw.bytes()));
  ASSERT_TRUE(c.call_ok(msg::kUnlock, pw.bytes()));
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 4) << "lock did not wipe the PIN";
  ASSERT_TRUE(c.call_ok(msg::kRemoveAllIdentities));
  ASSERT_TRUE(add_uv_key(c, *k));
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 5) << "remove-all did not wipe the PIN";
  std::ofstream(unplugged_) << "";
  EXPECT_FALSE(sign(c, *k));  // device not found
  std::filesystem::remove(unplugged_);
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 6) << "a removed token's PIN was kept";
}

// While a PIN is kept, the sk helper is asked every kCardCheckInterval whether
// a PC/SC card that signed has left its reader. This provider's token is no
// card, so the PIN stays; once the helper dies it cannot tell, and the PIN goes.
TEST_F(Pins, CardChecksKeepThePinUntilTheHelperCannotTell) {
  Scene scene("1234");
  AgentHarness agent(scene.options(options({"PinCache 1h"})), helper_env());
  auto c = agent.client();
  auto k = added_key(agent, c);
  ASSERT_TRUE(k);
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 1);
  const auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(SkHelper::kCardCheckInterval);
  std::this_thread::sleep_for(2 * interval + std::chrono::milliseconds(300));  // two checks
  ASSERT_TRUE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 1) << "a card check wiped the PIN of a token that stayed";
  // "[s]": the shell running pkill, whose command line holds the pattern, must not match it.
  const std::string kill_helper = "pkill -KILL -f '[s]kagent-sk-helper " + provider_ + "'";
  ASSERT_EQ(system(kill_helper.c_str()), 0);
  std::this_thread::sleep_for(interval + std::chrono::milliseconds(500));
  ASSERT_TRUE(sign(c, *k));  // a new helper
  EXPECT_EQ(scene.prompts(), 2) << "the PIN outlived the helper that could have missed its card";
}

TEST_F(Pins, AWrongPinIsNeverRetriedSilently) {
  Scene scene("!cancel");
  AgentHarness agent(scene.options(options({"PinCache 1h"})), helper_env());
  auto c = agent.client();
  auto k = added_key(agent, c);
  ASSERT_TRUE(k);
  scene.queue({"0000", "1234"});
  ASSERT_TRUE(sign(c, *k));
  auto e = scene.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].rfind("-|Enter the PIN", 0), 0u) << e[0];
  EXPECT_EQ(e[1].rfind("-|Wrong PIN.\nEnter the PIN", 0), 0u) << e[1];
  // Three wrong PINs: refused, and the provider saw each once (no silent retries).
  AgentHarness again(scene.options(options({})), helper_env());
  auto d = again.client();
  ASSERT_TRUE(add_uv_key(d, *k));
  scene.queue({"1", "2", "3", "1234"});
  EXPECT_FALSE(sign(d, *k));
  EXPECT_EQ(scene.prompts(), 5);
  // The next request's prompt still says what happened.
  scene.queue({"1234"});
  ASSERT_TRUE(sign(d, *k));
  e = scene.entries();
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[5].rfind("-|Wrong PIN.", 0), 0u) << e[5];
}

// Notify askpass: while the token waits for its touch an askpass notice
// (SSH_ASKPASS_PROMPT=none) is up; it is killed when the signature comes.
TEST_F(Pins, AnAskpassNoticeIsShownWhileTheTouchIsAwaited) {
  Scene scene("!cancel");
  provider_env_.push_back("SK_PIN_TEST_DELAY_MS=1500");
  AgentOptions o = options({});
  o.policy_overrides = {"Notify askpass"};  // instead of options()' "Notify no"
  AgentHarness agent(scene.options(o), helper_env());
  auto c = agent.client();
  auto k = added_touch_key(agent, c);
  ASSERT_TRUE(k);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(sign(c, *k));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  auto e = scene.entries();
  ASSERT_EQ(e.size(), 1u) << scene.log();
  EXPECT_EQ(
      e[0].rfind("none|Touch your security key: " + self_exe().substr(self_exe().rfind('/') + 1) +
                     " wants key touch key to ",
                 0),
      0u)
      << e[0];
}

// ---------------------------------------------------------------- spare sk helpers

// Asks for a signature by `k` on two connections at once; the milliseconds until both came,
// or -1 when either is missing or does not verify.
long two_at_once(AgentHarness& agent, const PrivateKey& k) {
  Bytes data = sshsig("git");
  auto a = agent.client();
  auto b = agent.client();
  auto start = std::chrono::steady_clock::now();
  a.send(msg::kSignRequest, sign_body(k.public_key().blob(), data));
  b.send(msg::kSignRequest, sign_body(k.public_key().blob(), data));
  auto sa = signature_of(a.receive(10000));
  auto sb = signature_of(b.receive(10000));
  long ms = long(std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  if (!sa || !sb || !verify_signature(k.public_key(), *sa, data).ok() ||
      !verify_signature(k.public_key(), *sb, data).ok())
    return -1;
  return ms;
}

// A provider that signs without a token (here sk-dummy behind a 500 ms wait) is not made to
// sign for one client after another: while the main helper works, a token-free spare signs.
// (With one helper per provider both took 1 s or more.)
TEST_F(Pins, TwoSignaturesOnDifferentConnectionsAreMadeAtOnce) {
  provider_env_.push_back("SK_PIN_TEST_DELAY_MS=500");
  AgentHarness agent(options({}), helper_env());
  auto c = agent.client();
  auto k = added_touch_key(agent, c);
  ASSERT_TRUE(k);
  ASSERT_TRUE(sign(c, *k));  // the main helper runs
  long ms = two_at_once(agent, *k);
  ASSERT_GE(ms, 0);
  EXPECT_GE(ms, 450);
  EXPECT_LT(ms, 950) << "the second signature waited for the first";
  ms = two_at_once(agent, *k);  // and again, with the spare running
  ASSERT_GE(ms, 0);
  EXPECT_LT(ms, 950) << "the second signature waited for the first";
}

// A provider that needs its token fails in the spare, which cannot reach one: the client does
// not see it (the main helper signs), and from then on the provider's requests wait for each
// other in the main helper, as a token serves one at a time.
TEST_F(Pins, AProviderThatNeedsItsTokenSignsOneRequestAtATime) {
  provider_env_.push_back("SK_PIN_TEST_DELAY_MS=500");
  provider_env_.push_back("SK_PIN_TEST_TOKEN_SOCKET=1");
  AgentHarness agent(options({}), helper_env());
  auto c = agent.client();
  auto k = added_touch_key(agent, c);
  ASSERT_TRUE(k);
  ASSERT_TRUE(sign(c, *k));
  for (int round = 0; round < 2; round++) {
    long ms = two_at_once(agent, *k);
    ASSERT_GE(ms, 0) << "round " << round << ": a signature failed";
    EXPECT_GE(ms, 1000) << "round " << round << ": two requests were at the token at once";
  }
}

// A PIN goes only to the helper that reaches the token: two verify-required signatures at once
// are made one after the other there, each with the cached PIN.
TEST_F(Pins, SignaturesWithAPinAreNotSentToASpare) {
  Scene scene("1234");
  provider_env_.push_back("SK_PIN_TEST_DELAY_MS=500");
  AgentHarness agent(scene.options(options({"PinCache 60"})), helper_env());
  auto c = agent.client();
  auto k = added_key(agent, c);
  ASSERT_TRUE(k);
  ASSERT_TRUE(sign(c, *k));  // typed once, then cached
  long ms = two_at_once(agent, *k);
  ASSERT_GE(ms, 0);
  EXPECT_GE(ms, 1000) << "a PIN was sent to a second helper";
  EXPECT_EQ(scene.prompts(), 1);
}

// Any client that may use the provider can make a request fail in a spare (here a key whose
// handle the provider refuses). It fails in the main helper too, so it says nothing about a
// token: the spares stay in use, and other clients' signatures do not wait for each other.
// (Found by a review attack: one such request used to keep every request in the main helper.)
TEST_F(Pins, OneClientsBadKeyDoesNotSerializeEveryClientsSignatures) {
  provider_env_.push_back("SK_PIN_TEST_DELAY_MS=500");
  AgentHarness agent(options({}), helper_env());
  auto c = agent.client();
  auto k = added_touch_key(agent, c);
  ASSERT_TRUE(k);
  ASSERT_TRUE(sign(c, *k));  // the main helper runs
  // The same public key under another comment would replace it: a second key, its handle cut.
  auto other = added_touch_key(agent, c);
  ASSERT_TRUE(other);
  const Bytes blob = other->public_key().blob();
  Reader r(blob);
  ByteView type, pk, app;
  ASSERT_TRUE(r.string(type) && r.string(pk) && r.string(app));
  Writer w;
  w.string(type);
  w.string(pk);
  w.string(app);
  w.u8(0x01);                           // user presence
  w.string(view(std::string(5, 'x')));  // a key handle sk-dummy refuses
  w.string(view(std::string()));        // reserved
  w.string("bad key");
  w.raw(provider_constraint());
  ASSERT_TRUE(c.call_ok(msg::kAddIdConstrained, w.take()));
  Bytes data = sshsig("git");
  auto a = agent.client();
  auto b = agent.client();
  a.send(msg::kSignRequest, sign_body(k->public_key().blob(), data));
  b.send(msg::kSignRequest, sign_body(other->public_key().blob(), data));  // to a spare: fails
  ASSERT_TRUE(signature_of(a.receive(10000)));
  EXPECT_FALSE(signature_of(b.receive(10000)));
  long ms = two_at_once(agent, *k);
  ASSERT_GE(ms, 0);
  EXPECT_LT(ms, 950) << "after one bad request, the provider's signatures wait for each other";
}

TEST_F(Pins, ACancelledPinPromptRefuses) {
  Scene scene("!cancel");
  AgentHarness agent(scene.options(options({})), helper_env());
  auto c = agent.client();
  auto k = added_key(agent, c);
  ASSERT_TRUE(k);
  EXPECT_FALSE(sign(c, *k));
  EXPECT_EQ(scene.prompts(), 1);
}

}  // namespace
}  // namespace skagent::testing
