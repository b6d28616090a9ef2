// SPDX-License-Identifier: BSD-2-Clause
// PKCS#11 tokens through a real agent (AgentHarness) and skagent-pkcs11-helper,
// on SoftHSM2 tokens made by the test: add, list, sign with every key type,
// remove; wrong and blocked PIN; module path checks (allowlist after realpath,
// C_GetFunctionList before any code runs); forwarded connections; constraints
// and associated certificates; helpers stopped once their keys are gone; a
// token pulled out; modules that crash or hang in C_Sign or C_Login; a module
// without CKM_EDDSA.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kPin = "1234";

std::string build_module(const std::string& name) {
  return fs::absolute(build_dir() + "/bin/skagent-test-pkcs11-" + name + ".so").string();
}
std::string crash_module() { return build_module("crash"); }
std::string hang_module() { return build_module("hang"); }
std::string ctor_marker_module() { return build_module("ctor-marker"); }

bool run(const std::string& cmd) { return system(("(" + cmd + ") >/dev/null 2>&1").c_str()) == 0; }

// A SoftHSM2 configuration with its own token directory.
std::string make_conf(const fs::path& dir) {
  fs::create_directories(dir / "tokens");
  std::ofstream(dir / "softhsm2.conf") << "directories.tokendir = " << (dir / "tokens").string()
                                       << "\nobjectstore.backend = file\nlog.level = ERROR\n";
  return (dir / "softhsm2.conf").string();
}

std::string env(const std::string& conf) { return "SOFTHSM2_CONF='" + conf + "' "; }

bool init_token(const std::string& conf, const std::string& label) {
  return run(env(conf) + "softhsm2-util --init-token --free --label " + label + " --pin " + kPin +
             " --so-pin 12345678");
}

bool keypair(const std::string& conf, const std::string& token, const std::string& type,
             const std::string& id, const std::string& label) {
  return run(env(conf) + "pkcs11-tool --module " + kSoftHsm + " --token-label " + token +
             " --login --pin " + kPin + " --keypairgen --key-type " + type + " --id " + id +
             " --label " + label);
}

// The token holds, besides key pairs with public-key objects, one EC key known
// only through its X.509 certificate (the public-key object is deleted).
bool cert_only_key(const std::string& conf, const fs::path& dir, const std::string& token) {
  std::string key = (dir / "cert_key.pem").string(), p8 = (dir / "cert_key.p8").string();
  std::string der = (dir / "cert.der").string();
  return run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + key) &&
         run("openssl pkcs8 -topk8 -nocrypt -in " + key + " -out " + p8) &&
         run(env(conf) + "softhsm2-util --import " + p8 + " --token " + token +
             " --label certkey --id 05 --pin " + kPin) &&
         run("openssl req -new -x509 -key " + key +
             " -subj /CN=certkey -days 1 -outform DER -out " + der) &&
         run(env(conf) + "pkcs11-tool --module " + kSoftHsm + " --token-label " + token +
             " --login --pin " + kPin + " --write-object " + der +
             " --type cert --id 05 --label certkey") &&
         run(env(conf) + "pkcs11-tool --module " + kSoftHsm + " --token-label " + token +
             " --login --pin " + kPin + " --delete-object --type pubkey --id 05");
}

// How many skagent-pkcs11-helper processes run for `module` (the canonical
// path the agent starts them with).
int helpers_for(const std::string& module) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    size_t nul = cmd.find('\0');
    if (nul == std::string::npos) continue;
    std::string argv0 = cmd.substr(0, nul), argv1 = cmd.substr(nul + 1);
    if (!argv1.empty() && argv1.back() == '\0') argv1.pop_back();
    if (argv0.ends_with("skagent-pkcs11-helper") && argv1 == module) n++;
  }
  return n;
}

// Polls `done` for up to `limit`.
template <class Fn>
bool eventually(Fn done, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A copy of SoftHSM2 at a path of its own, so its helpers can be told apart.
std::string private_softhsm(const fs::path& dir) {
  fs::create_directories(dir);
  fs::path copy = dir / "softhsm-copy.so";
  fs::copy_file(fs::canonical(kSoftHsm), copy, fs::copy_options::overwrite_existing);
  return fs::canonical(copy).string();
}

Bytes card_body(const std::string& provider, const std::string& pin, ByteView constraints = {}) {
  Writer w;
  w.string(provider);
  w.string(pin);
  w.raw(constraints);
  return w.take();
}

Bytes associated_certs(bool certs_only, const std::vector<Bytes>& certs) {
  Writer list;
  for (const auto& c : certs) list.string(c);
  Writer w;
  w.u8(255);
  w.string("associated-certs-v00@openssh.com");
  w.boolean(certs_only);
  w.string(list.bytes());
  return w.take();
}

std::vector<PublicKey> keys_of(AgentClient& c) {
  std::vector<PublicKey> out;
  for (const auto& b : identities_of(c.call(msg::kRequestIdentities))) {
    auto k = parse_public_key(b);
    EXPECT_TRUE(k.ok());
    if (k) out.push_back(std::move(*k));
  }
  return out;
}

bool signs(AgentClient& c, const PublicKey& key, uint32_t flags = 0) {
  Bytes data = to_bytes(view("data for " + std::string(key.type_name())));
  auto sig = signature_of(c.call(msg::kSignRequest, sign_body(key.blob(), data, flags)));
  if (!sig) return false;
  std::string want = key.type != KeyType::rsa ? ""
                     : flags & 2              ? "rsa-sha2-256"
                     : flags & 4              ? "rsa-sha2-512"
                                              : "ssh-rsa";
  return verify_signature(key.plain(), *sig, data, want).ok();
}

class Pkcs11Agent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kSoftHsm) || !run("command -v softhsm2-util && command -v pkcs11-tool")) return;
    dir_ =
        new fs::path(fs::temp_directory_path() / ("skagent-p11-test-" + std::to_string(getpid())));
    conf_ = new std::string(make_conf(*dir_ / "main"));
    // The broken modules' tokens sit beneath the main token directory: the PKCS#11 helper may
    // write only the token directory of its SOFTHSM2_CONF (pkcs11/module_store.h), and the
    // wrapper switches configuration inside the sandbox. SoftHSM2 skips a directory that holds
    // no token.
    broken_conf_ = new std::string(make_conf(*dir_ / "main" / "tokens" / "broken"));
    ready_ = init_token(*conf_, "main") && keypair(*conf_, "main", "rsa:2048", "01", "rsa") &&
             keypair(*conf_, "main", "EC:prime256v1", "02", "ec256") &&
             keypair(*conf_, "main", "EC:secp384r1", "03", "ec384") &&
             keypair(*conf_, "main", "EC:secp521r1", "06", "ec521") &&
             keypair(*conf_, "main", "EC:edwards25519", "04", "ed25519") &&
             cert_only_key(*conf_, *dir_, "main") && init_token(*broken_conf_, "broken") &&
             keypair(*broken_conf_, "broken", "EC:prime256v1", "01", "doomed");
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    delete conf_;
    delete broken_conf_;
    dir_ = nullptr;
    conf_ = broken_conf_ = nullptr;
  }
  void SetUp() override {
    if (!ready_)
      GTEST_SKIP() << "SoftHSM2 tokens could not be made (softhsm2, opensc, openssl installed?)";
    env_ = {"SOFTHSM2_CONF=" + *conf_, "SKAGENT_TEST_BROKEN_SOFTHSM2_CONF=" + *broken_conf_};
  }
  // What env_ says plus `more`, for the helpers an agent starts from now on.
  void helper_env(AgentHarness& agent, const std::vector<std::string>& more) const {
    std::vector<std::string> all = env_;
    all.insert(all.end(), more.begin(), more.end());
    agent.set_helper_env(all);
  }

  static AgentOptions with_build_modules() {
    AgentOptions o;
    o.allowed_providers = "/usr/lib*/*," + fs::path(crash_module()).parent_path().string() + "/*";
    return o;
  }

  // The modules' settings (SoftHSM2's configuration, the test wrappers'), given to the helpers.
  std::vector<std::string> env_;
  static inline fs::path* dir_ = nullptr;
  static inline std::string* conf_ = nullptr;
  static inline std::string* broken_conf_ = nullptr;
  static inline bool ready_ = false;
};

TEST_F(Pkcs11Agent, AddListSignEveryKeyTypeRemoveAndAddAgain) {
  AgentHarness agent(AgentOptions{}, env_);
  auto c = agent.client();
  for (int round = 0; round < 2; round++) {
    ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
    auto keys = keys_of(c);
    ASSERT_EQ(keys.size(),
              6u);  // RSA, P-256, P-384, P-521, Ed25519, and the key known by its certificate
    int rsa = 0, ec = 0, ed = 0;
    for (const auto& k : keys) {
      if (k.type == KeyType::rsa) {
        rsa++;
        EXPECT_TRUE(signs(c, k, 0)) << "ssh-rsa";
        EXPECT_TRUE(signs(c, k, msg::kSignRsaSha256)) << "rsa-sha2-256";
        EXPECT_TRUE(signs(c, k, msg::kSignRsaSha512)) << "rsa-sha2-512";
      } else {
        (k.type == KeyType::ed25519 ? ed : ec)++;
        EXPECT_TRUE(signs(c, k)) << k.type_name();
      }
    }
    EXPECT_EQ(rsa, 1);
    EXPECT_EQ(ec, 4);
    EXPECT_EQ(ed, 1);
    // The comment is the token label.
    auto reply = c.call(msg::kRequestIdentities);
    ASSERT_TRUE(reply);
    std::string text(reply->begin(), reply->end());
    EXPECT_NE(text.find("ec384"), std::string::npos);
    EXPECT_NE(text.find("ec521"), std::string::npos);
    EXPECT_NE(text.find("certkey"), std::string::npos);
    // A second add of the same module fails while its keys are held.
    EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
    // ssh-add -e names the module by any path that resolves to it.
    ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey,
                          card_body("/usr/lib/softhsm/../softhsm/libsofthsm2.so", "")));
    EXPECT_TRUE(keys_of(c).empty());
    for (const auto& k : keys) EXPECT_FALSE(signs(c, k));
    EXPECT_TRUE(c.call_failed(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));
  }
}

TEST_F(Pkcs11Agent, WrongPinFailsAndTheRightOneThenWorks) {
  AgentHarness agent(AgentOptions{}, env_);
  auto c = agent.client();
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body(kSoftHsm, "0000")));
  EXPECT_TRUE(keys_of(c).empty());
  EXPECT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  EXPECT_EQ(keys_of(c).size(), 6u);
}

TEST_F(Pkcs11Agent, ModulePathsAreChecked) {
  AgentOptions opts;
  opts.allowed_providers =
      "/usr/lib/x86_64-linux-gnu/softhsm/*,/usr/lib/x86_64-linux-gnu/libcrypto*";
  AgentHarness agent(opts, env_);
  auto c = agent.client();
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body("/nonexistent/module.so", kPin)));
  EXPECT_TRUE(
      c.call_failed(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));  // not allowlisted
  // Allowlisted, but not a PKCS#11 module: refused before it is loaded.
  if (fs::exists("/usr/lib/x86_64-linux-gnu/libcrypto.so.3")) {
    EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey,
                              card_body("/usr/lib/x86_64-linux-gnu/libcrypto.so.3", kPin)));
  }
  // The symlink /usr/lib/softhsm/libsofthsm2.so resolves into the allowlist.
  EXPECT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  // Malformed requests.
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, {}));
  Bytes trailing = card_body(kSoftHsm, kPin);
  trailing.push_back(0);
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, trailing));
  EXPECT_TRUE(c.call_failed(msg::kRemoveSmartcardKey, trailing));
  Writer unknown;
  unknown.u8(99);
  EXPECT_TRUE(
      c.call_failed(msg::kAddSmartcardKeyConstrained, card_body(kSoftHsm, kPin, unknown.bytes())));
}

// A connection bound with session-bind is one forwarded from another host.
void bind_forwarded(AgentClient& c) {
  PrivateKey host = test::generate(KeyType::ed25519);
  Writer w;
  w.string("session-bind@openssh.com");
  w.raw(test::bind_body(host, view("session-id-0123"), true));
  ASSERT_TRUE(c.call_ok(msg::kExtension, w.bytes()));
}

TEST_F(Pkcs11Agent, ForwardedConnectionsMayNotLoadModules) {
  {
    AgentHarness agent(AgentOptions{}, env_);
    auto remote = agent.client();
    bind_forwarded(remote);
    EXPECT_TRUE(remote.call_failed(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
    EXPECT_TRUE(
        remote.call_failed(msg::kAddSmartcardKeyConstrained, card_body(kSoftHsm, kPin, Bytes{2})));
    auto local = agent.client();
    EXPECT_TRUE(keys_of(local).empty());
  }
  {
    AgentOptions opts;
    opts.allow_remote_providers = true;  // -O allow-remote-pkcs11
    AgentHarness agent(opts, env_);
    auto remote = agent.client();
    bind_forwarded(remote);
    EXPECT_TRUE(remote.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  }
}

TEST_F(Pkcs11Agent, ConstraintsApplyToEveryKeyOfTheToken) {
  AgentHarness agent(with_askpass("no.sh"), env_);
  auto c = agent.client();
  // confirm, refused by the person: no token key signs.
  Bytes confirm{2};
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKeyConstrained, card_body(kSoftHsm, kPin, confirm)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 6u);
  std::string askpass = (agent.dir() / "no.sh").string();
  std::ofstream(askpass) << "#!/bin/sh\nexit 1\n";
  chmod(askpass.c_str(), 0700);
  for (const auto& k : keys) EXPECT_FALSE(signs(c, k)) << k.type_name();
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));

  // A lifetime: every key goes when it ends (and then the module may be added again).
  Bytes life{1, 0, 0, 0, 1};
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKeyConstrained, card_body(kSoftHsm, kPin, life)));
  EXPECT_EQ(keys_of(c).size(), 6u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_TRUE(keys_of(c).empty());
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));

  // restrict-destination: listed on an unbound connection, but never used to sign there.
  PrivateKey host = test::generate(KeyType::ed25519);
  test::HopSpec from, to;
  to.hostname = "server.example";
  to.keys.push_back({host.public_key(), false});
  Writer dest;
  dest.u8(255);
  dest.string("restrict-destination-v00@openssh.com");
  dest.string(test::constraint_bytes(from, to));
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKeyConstrained, card_body(kSoftHsm, kPin, dest.bytes())));
  keys = keys_of(c);
  ASSERT_EQ(keys.size(), 6u);
  for (const auto& k : keys) EXPECT_FALSE(signs(c, k)) << k.type_name();
  // A forwarded connection to another host does not see them, and cannot remove them.
  auto remote = agent.client();
  bind_forwarded(remote);
  EXPECT_TRUE(keys_of(remote).empty());
  EXPECT_TRUE(remote.call_failed(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));
  EXPECT_EQ(keys_of(c).size(), 6u);
  // sk-provider makes no sense for a PKCS#11 add.
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));
  Writer sk;
  sk.u8(255);
  sk.string("sk-provider@openssh.com");
  sk.string("internal");
  EXPECT_TRUE(
      c.call_failed(msg::kAddSmartcardKeyConstrained, card_body(kSoftHsm, kPin, sk.bytes())));
}

TEST_F(Pkcs11Agent, AssociatedCertificatesAreAddedForTheirTokenKeys) {
  AgentHarness agent(AgentOptions{}, env_);
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 6u);
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));
  PrivateKey ca = test::generate(KeyType::ed25519);
  test::CertSpec spec;
  spec.type = Certificate::kUser;
  spec.principals = {"alice"};
  PublicKey ec_cert, rsa_cert;
  for (const auto& k : keys) {
    if (k.type == KeyType::rsa) rsa_cert = test::certify(k, ca, spec);
    if (k.type == KeyType::ecdsa_p256 && !ec_cert.is_cert()) ec_cert = test::certify(k, ca, spec);
  }
  ASSERT_TRUE(ec_cert.is_cert() && rsa_cert.is_cert());
  PublicKey stranger = test::certify(test::generate(KeyType::ed25519).public_key(), ca, spec);

  // certs_only = false: every key, plus a certificate identity for each certified key.
  ASSERT_TRUE(c.call_ok(
      msg::kAddSmartcardKeyConstrained,
      card_body(kSoftHsm, kPin, associated_certs(false, {ec_cert.blob(), stranger.blob()}))));
  auto with_certs = keys_of(c);
  EXPECT_EQ(with_certs.size(), 7u);
  bool found = false;
  for (const auto& k : with_certs) {
    if (k.is_cert()) {
      EXPECT_EQ(k.blob(), ec_cert.blob());
      EXPECT_TRUE(signs(c, k));
      found = true;
    }
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));

  // certs_only = true: just the certificates.
  ASSERT_TRUE(c.call_ok(
      msg::kAddSmartcardKeyConstrained,
      card_body(kSoftHsm, kPin, associated_certs(true, {ec_cert.blob(), rsa_cert.blob()}))));
  auto only = keys_of(c);
  ASSERT_EQ(only.size(), 2u);
  for (const auto& k : only) {
    EXPECT_TRUE(k.is_cert());
    EXPECT_TRUE(signs(c, k, msg::kSignRsaSha512));
  }
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));

  // certs_only with no matching certificate adds nothing, so it fails.
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKeyConstrained,
                            card_body(kSoftHsm, kPin, associated_certs(true, {stranger.blob()}))));
  // Plain keys in the list are skipped, as OpenSSH 10.5 does (agent-pkcs11-cert.sh sends them):
  // the token's keys are added, and no certificate identity with them.
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKeyConstrained,
                        card_body(kSoftHsm, kPin, associated_certs(false, {keys[0].blob()}))));
  auto plain = keys_of(c);
  EXPECT_EQ(plain.size(), 6u);
  for (const auto& k : plain) EXPECT_FALSE(k.is_cert());
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));
}

TEST_F(Pkcs11Agent, RemoveAllStopsTheHelpersSoTheModuleCanBeAddedAgain) {
  AgentHarness agent(AgentOptions{}, env_);
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  ASSERT_TRUE(c.call_ok(msg::kRemoveAllIdentities));
  EXPECT_TRUE(keys_of(c).empty());
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 6u);
  for (const auto& k : keys) EXPECT_TRUE(signs(c, k, msg::kSignRsaSha256)) << k.type_name();
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(kSoftHsm, "")));
}

TEST_F(Pkcs11Agent, APulledTokenMakesItsKeysVanishAndReaddingWorks) {
  fs::path d = *dir_ / "pulled";
  std::string conf = make_conf(d);
  ASSERT_TRUE(init_token(conf, "pulled") && keypair(conf, "pulled", "EC:prime256v1", "01", "p256"));
  env_[0] = "SOFTHSM2_CONF=" + conf;
  AgentHarness agent(AgentOptions{}, env_);
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_TRUE(signs(c, keys[0]));
  ASSERT_TRUE(run(env(conf) + "softhsm2-util --delete-token --token pulled"));
  EXPECT_FALSE(signs(c, keys[0]));  // fails cleanly...
  EXPECT_TRUE(keys_of(c).empty());  // ...and the token's keys are gone
  // Put a token back and add it again.
  ASSERT_TRUE(init_token(conf, "pulled") && keypair(conf, "pulled", "EC:prime256v1", "01", "p256"));
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  keys = keys_of(c);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(signs(c, keys[0]));
  // Pulled while idle: the helper's periodic check notices within a few seconds.
  ASSERT_TRUE(run(env(conf) + "softhsm2-util --delete-token --token pulled"));
  bool gone = false;
  for (int i = 0; i < 80 && !gone; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = keys_of(c).empty();
  }
  EXPECT_TRUE(gone);
}

TEST_F(Pkcs11Agent, AModuleThatCrashesInCSignCostsOnlyItsHelper) {
  ASSERT_TRUE(fs::exists(crash_module())) << "make " << crash_module();
  AgentHarness agent(with_build_modules(), env_);
  auto c = agent.client();
  PrivateKey soft = test::generate(KeyType::ed25519);
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(soft, "software")));
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 8u);
  const PublicKey& doomed = keys.back();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(signs(c, doomed));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Every other key still signs; the crashed module's key is gone.
  auto after = keys_of(c);
  EXPECT_EQ(after.size(), 7u);
  for (const auto& k : after) {
    EXPECT_FALSE(k.blob() == doomed.blob());
    EXPECT_TRUE(signs(c, k)) << k.type_name();
  }
  // And the crashing module can be added again (and crash again).
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
  EXPECT_FALSE(signs(c, doomed));
  EXPECT_TRUE(signs(c, soft.public_key()));
}

TEST_F(Pkcs11Agent, ALibraryWithoutCGetFunctionListNeverRuns) {
  ASSERT_TRUE(fs::exists(ctor_marker_module())) << "make " << ctor_marker_module();
  fs::path marker = *dir_ / "constructor-ran";
  fs::remove(marker);
  env_.push_back("SKAGENT_TEST_CTOR_MARKER=" + marker.string());
  {
    AgentHarness agent(with_build_modules(), env_);
    auto c = agent.client();
    PrivateKey soft = test::generate(KeyType::ed25519);
    ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(soft, "software")));
    EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body(ctor_marker_module(), kPin)));
    EXPECT_FALSE(fs::exists(marker)) << "the library's constructor ran in the helper";
    EXPECT_EQ(keys_of(c).size(), 1u);
    EXPECT_TRUE(signs(c, soft.public_key()));
    EXPECT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  }
  // The marker is real: loading the library runs its constructor (here in a process of its
  // own, given the marker's path in its environment).
  ASSERT_TRUE(run("env SKAGENT_TEST_CTOR_MARKER='" + marker.string() + "' LD_PRELOAD='" +
                  ctor_marker_module() + "' /bin/true"));
  EXPECT_TRUE(fs::exists(marker));
}

TEST_F(Pkcs11Agent, AnAllowlistedSymlinkToAModuleOutsideIsRefused) {
  fs::path allowed = *dir_ / "symlink" / "allowed";
  std::string outside = private_softhsm(*dir_ / "symlink" / "outside");
  fs::create_directories(allowed);
  fs::path evil = allowed / "evil.so";
  fs::remove(evil);
  fs::create_symlink(outside, evil);
  AgentOptions opts;
  opts.allowed_providers = allowed.string() + "/*";
  AgentHarness agent(opts, env_);
  auto c = agent.client();
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body(evil.string(), kPin)));
  EXPECT_TRUE(keys_of(c).empty());
  EXPECT_EQ(helpers_for(outside), 0);
  EXPECT_EQ(helpers_for(evil.string()), 0);
  // The same module really inside the allowed directory is taken.
  fs::path inside = allowed / "real.so";
  fs::copy_file(outside, inside, fs::copy_options::overwrite_existing);
  EXPECT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(inside.string(), kPin)));
  EXPECT_EQ(keys_of(c).size(), 6u);
  EXPECT_EQ(helpers_for(fs::canonical(inside).string()), 1);
}

TEST_F(Pkcs11Agent, TheHelperStopsOnceItsLastKeyIsGone) {
  std::string module = private_softhsm(*dir_ / "idle");
  AgentOptions opts;
  opts.allowed_providers = fs::path(module).parent_path().string() + "/*";
  AgentHarness agent(opts, env_);
  auto c = agent.client();
  // Every key's lifetime ends: the helper logs out and exits.
  Bytes life{1, 0, 0, 0, 2};
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKeyConstrained, card_body(module, kPin, life)));
  EXPECT_EQ(keys_of(c).size(), 6u);
  EXPECT_EQ(helpers_for(module), 1);
  EXPECT_TRUE(eventually([&] { return helpers_for(module) == 0; }));
  EXPECT_TRUE(keys_of(c).empty());
  // The keys removed one by one: the helper stays until the last one goes.
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(module, kPin)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 6u);
  for (size_t k = 0; k + 1 < keys.size(); k++) {
    Writer w;
    w.string(keys[k].blob());
    ASSERT_TRUE(c.call_ok(msg::kRemoveIdentity, w.bytes()));
  }
  EXPECT_EQ(helpers_for(module), 1);
  EXPECT_TRUE(signs(c, keys.back(), msg::kSignRsaSha256));
  Writer last;
  last.string(keys.back().blob());
  ASSERT_TRUE(c.call_ok(msg::kRemoveIdentity, last.bytes()));
  EXPECT_TRUE(eventually([&] { return helpers_for(module) == 0; }));
  // And the module can be added again.
  EXPECT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(module, kPin)));
  EXPECT_EQ(helpers_for(module), 1);
}

// The broken modules, set to fail in C_Login instead of C_Sign, in the helpers `agent` starts
// while this lives (`env`: their other settings).
class BrokenLogin {
 public:
  BrokenLogin(AgentHarness& agent, const std::vector<std::string>& env, const char* call)
      : agent_(agent), env_(env) {
    std::vector<std::string> all = env;
    all.push_back(std::string("SKAGENT_TEST_BROKEN_CALL=") + call);
    agent_.set_helper_env(all);
  }
  ~BrokenLogin() { agent_.set_helper_env(env_); }

 private:
  AgentHarness& agent_;
  std::vector<std::string> env_;
};

TEST_F(Pkcs11Agent, AModuleThatCrashesOrHangsWhileLoggingInCostsOnlyItsHelper) {
  ASSERT_TRUE(fs::exists(crash_module()) && fs::exists(hang_module()));
  AgentOptions opts = with_build_modules();
  opts.pkcs11_load_timeout = std::chrono::seconds(2);  // $SKAGENT_PKCS11_LOAD_TIMEOUT
  AgentHarness agent(opts, env_);
  auto c = agent.client();
  PrivateKey soft = test::generate(KeyType::ed25519);
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(soft, "software")));
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(kSoftHsm, kPin)));
  BrokenLogin broken(agent, env_, "login");
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The hang: the agent keeps serving other clients while it waits out the load timeout.
  auto hung = agent.client();
  std::thread add([&] {
    EXPECT_TRUE(hung.call_failed(msg::kAddSmartcardKey, card_body(hang_module(), kPin)));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto keys = keys_of(c);
  EXPECT_EQ(keys.size(), 7u);
  for (const auto& k : keys) EXPECT_TRUE(signs(c, k)) << k.type_name();
  add.join();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::seconds(2));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  // Killed with SIGKILL as the add failed: gone once the kernel has torn it down.
  EXPECT_TRUE(eventually([&] { return helpers_for(hang_module()) == 0; }));
  EXPECT_EQ(keys_of(c).size(), 7u);
  EXPECT_TRUE(signs(c, soft.public_key()));
}

TEST_F(Pkcs11Agent, ABlockedPinFailsTheAdd) {
  ASSERT_TRUE(fs::exists(crash_module()));
  AgentHarness agent(with_build_modules(), env_);
  auto c = agent.client();
  {
    // SoftHSM2 never blocks a PIN, so the wrapper answers C_Login as a blocked card does.
    BrokenLogin blocked(agent, env_, "login-pin-locked");
    EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
    EXPECT_TRUE(keys_of(c).empty());
  }
  // With the wrapper's C_Login back to normal, the same module loads.
  EXPECT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
  EXPECT_EQ(keys_of(c).size(), 1u);
}

TEST_F(Pkcs11Agent, AnEd25519KeyIsSkippedWhenTheModuleCannotSignWithIt) {
  ASSERT_TRUE(fs::exists(crash_module()));
  std::string conf = make_conf(*dir_ / "main" / "tokens" / "no-eddsa");  // see SetUpTestSuite
  ASSERT_TRUE(init_token(conf, "noeddsa") &&
              keypair(conf, "noeddsa", "EC:prime256v1", "01", "p256") &&
              keypair(conf, "noeddsa", "EC:edwards25519", "02", "ed25519"));
  env_[1] = "SKAGENT_TEST_BROKEN_SOFTHSM2_CONF=" + conf;
  AgentHarness agent(with_build_modules(), env_);
  auto c = agent.client();
  // The wrapper in its C_Sign-crashing build: only the key list matters here.
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
  EXPECT_EQ(keys_of(c).size(), 2u);
  ASSERT_TRUE(c.call_ok(msg::kRemoveSmartcardKey, card_body(crash_module(), "")));
  helper_env(agent, {"SKAGENT_TEST_NO_EDDSA=1"});
  ASSERT_TRUE(c.call_ok(msg::kAddSmartcardKey, card_body(crash_module(), kPin)));
  auto keys = keys_of(c);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, KeyType::ecdsa_p256);
}

}  // namespace
}  // namespace skagent::testing
