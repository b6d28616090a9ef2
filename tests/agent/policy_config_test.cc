// SPDX-License-Identifier: BSD-2-Clause
// The policy file parser (skagent.conf(5)): good files, precedence, command-line
// overrides, and every way a hostile or careless file is refused with file:line.
#include <gtest/gtest.h>

#include "agent/policy/policy.h"
#include "agent/policy/policy_config.h"

namespace skagent {
namespace {

Error parse_error(std::string_view text) {
  auto r = parse_policy_config(text, "conf", "/home/u");
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  return r.ok() ? Error{Errc::internal, ""} : r.error();
}

void expect_error(std::string_view text, const std::string& where, const std::string& fragment) {
  Error e = parse_error(text);
  EXPECT_EQ(e.message.rfind(where + ": ", 0), 0u) << e.message;
  EXPECT_NE(e.message.find(fragment), std::string::npos) << e.message;
}

constexpr const char* kExample = R"(# skagent policy
Audit /var/log/skagent.jsonl
UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/extra_hosts
PromptTimeout 30

Key "work key" SHA256:AbCdEf
    Confirm forwarded
    SshsigNamespaces git,file
    Destinations build.example.com jump>alice@*.corp
    ApproveFor 5m
Key !*secret* *
    Confirm=always
    PinCache = 10m
    Notify askpass
    ForwardedSigning any
)";

TEST(PolicyConfig, ParsesAGoodFile) {
  auto r = parse_policy_config(kExample, "conf", "/home/u");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const PolicyConfig& c = *r;
  ASSERT_TRUE(c.global.audit);
  EXPECT_EQ(c.global.audit->kind, AuditTarget::Kind::file);
  EXPECT_EQ(c.global.audit->path, "/var/log/skagent.jsonl");
  EXPECT_EQ(*c.global.user_known_hosts,
            (std::vector<std::string>{"/home/u/.ssh/known_hosts", "/home/u/.ssh/extra_hosts"}));
  ASSERT_EQ(c.blocks.size(), 3u);
  EXPECT_TRUE(c.blocks[0].key_patterns.empty());
  EXPECT_EQ(*c.blocks[0].settings.prompt_timeout, 30u);
  EXPECT_EQ(c.blocks[1].key_patterns, (std::vector<std::string>{"work key", "SHA256:AbCdEf"}));
  EXPECT_EQ(c.blocks[1].source, "conf:6");
  EXPECT_EQ(*c.blocks[1].settings.confirm, ConfirmMode::forwarded);
  EXPECT_EQ(*c.blocks[1].settings.sshsig_namespaces, "git,file");
  EXPECT_EQ(*c.blocks[1].settings.approve_for, 300u);
  ASSERT_EQ(c.blocks[1].settings.destinations->size(), 2u);
  EXPECT_EQ((*c.blocks[1].settings.destinations)[0],
            (DestinationSpec{"", "", "build.example.com"}));
  EXPECT_EQ((*c.blocks[1].settings.destinations)[1], (DestinationSpec{"jump", "alice", "*.corp"}));
  EXPECT_EQ(*c.blocks[2].settings.confirm, ConfirmMode::always);
  EXPECT_EQ(*c.blocks[2].settings.pin_cache, 600u);
  EXPECT_EQ(*c.blocks[2].settings.notify, NotifyMode::askpass);
  EXPECT_EQ(*c.blocks[2].settings.forwarded_signing, ForwardedSigning::any);
}

TEST(PolicyConfig, FirstValueWinsAndKeysMatchByFingerprintOrComment) {
  auto file = parse_policy_config(kExample, "conf", "/home/u");
  ASSERT_TRUE(file.ok());
  Policy p(PolicyConfig{}, *file);
  KeyPolicy work = p.for_key("SHA256:zzz", "MD5:00", "work key");
  EXPECT_EQ(work.confirm, ConfirmMode::forwarded);  // the first block wins over "Key *"
  EXPECT_EQ(work.approve_for, 300u);
  EXPECT_EQ(work.pin_cache, 600u);      // unset there: the next block's value
  EXPECT_EQ(work.prompt_timeout, 30u);  // the global section comes first
  EXPECT_EQ(p.for_key("SHA256:AbCdEf", "MD5:00", "whatever").confirm, ConfirmMode::forwarded);
  KeyPolicy other = p.for_key("SHA256:zzz", "MD5:00", "laptop");
  EXPECT_EQ(other.confirm, ConfirmMode::always);
  EXPECT_EQ(other.forwarded_signing, ForwardedSigning::any);
  EXPECT_FALSE(other.destinations);
  // Negated: "Key !*secret* *" does not apply to a key whose comment says secret.
  KeyPolicy secret = p.for_key("SHA256:zzz", "MD5:00", "my secret key");
  EXPECT_EQ(secret.confirm, ConfirmMode::never);
  EXPECT_EQ(secret.forwarded_signing, ForwardedSigning::userauth);
  EXPECT_EQ(secret.notify, NotifyMode::yes);
  EXPECT_EQ(p.audit().kind, AuditTarget::Kind::file);
  EXPECT_EQ(p.known_hosts_files("/home/u"),
            (std::vector<std::string>{"/home/u/.ssh/known_hosts", "/home/u/.ssh/extra_hosts",
                                      "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}));
  EXPECT_EQ(p.literal_destination_hosts(), (std::vector<std::string>{"build.example.com", "jump"}));
}

TEST(PolicyConfig, CommandLineOverridesWin) {
  auto file = parse_policy_config(kExample, "conf", "/home/u");
  auto over = parse_policy_overrides({"Confirm never", "Audit none", "PinCache=0"}, "/home/u");
  ASSERT_TRUE(file.ok() && over.ok());
  Policy p(*over, *file);
  EXPECT_EQ(p.for_key("x", "y", "work key").confirm, ConfirmMode::never);
  EXPECT_EQ(p.for_key("x", "y", "laptop").pin_cache, 0u);
  EXPECT_EQ(p.audit().kind, AuditTarget::Kind::none);
  EXPECT_FALSE(parse_policy_overrides({"Key *"}).ok());
  EXPECT_FALSE(parse_policy_overrides({"Confirm always\nConfirm never"}).ok());
  auto bad = parse_policy_overrides({"Confirm sometimes"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("command line:1: ", 0), 0u) << bad.error().message;
}

TEST(PolicyConfig, DefaultsWithoutAFile) {
  Policy p;
  KeyPolicy k = p.for_key("a", "b", "c");
  EXPECT_EQ(k.confirm, ConfirmMode::never);
  EXPECT_EQ(k.forwarded_signing, ForwardedSigning::userauth);
  EXPECT_EQ(k.prompt_timeout, 60u);
  EXPECT_EQ(k.pin_cache, 0u);
  EXPECT_EQ(k.approve_for, 0u);
  EXPECT_EQ(k.notify, NotifyMode::yes);
  EXPECT_TRUE(k.sshsig_namespaces.empty());
  EXPECT_EQ(p.audit().kind, AuditTarget::Kind::syslog);
}

TEST(PolicyConfig, QuotingAndSyntax) {
  auto r = parse_policy_config(
      "  Key 'it''s' \"a \\\"q\\\" b\" c\\ d   # trailing comment\n"
      "\tconfirm\tALWAYS\n",
      "conf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->blocks[1].key_patterns, (std::vector<std::string>{"its", "a \"q\" b", "c d"}));
  EXPECT_EQ(*r->blocks[1].settings.confirm, ConfirmMode::always);
  EXPECT_TRUE(parse_policy_config("", "conf").ok());
  EXPECT_TRUE(parse_policy_config("\n\n# only comments\n   \n", "conf").ok());
}

TEST(PolicyConfig, BadInputNamesFileLineAndReason) {
  expect_error("Confirm always\nFrobnicate yes\n", "conf:2", "unknown keyword \"Frobnicate\"");
  expect_error("Confirm\n", "conf:1", "missing argument");
  expect_error("Confirm sometimes\n", "conf:1", "always | forwarded | never");
  expect_error("Confirm always never\n", "conf:1", "expected");
  expect_error("ForwardedSigning all\n", "conf:1", "userauth | any");
  expect_error("Notify maybe\n", "conf:1", "yes | no | askpass");
  expect_error("PinCache forever\n", "conf:1", "invalid time");
  expect_error("PinCache 2d\n", "conf:1", "out of range");
  expect_error("ApproveFor 1h 2h\n", "conf:1", "one time value");
  expect_error("PromptTimeout 0\n", "conf:1", "out of range");
  expect_error("PromptTimeout 4294967296\n", "conf:1", "invalid time");
  expect_error("Key\n", "conf:1", "at least one");
  expect_error("Key \"\"\n", "conf:1", "empty Key pattern");
  expect_error("Key *\nAudit /x\n", "conf:2", "before the first Key");
  expect_error("Key *\nUserKnownHostsFile /x\n", "conf:2", "before the first Key");
  expect_error("Audit relative/file\n", "conf:1", "not an absolute path");
  expect_error("Audit syslog extra\n", "conf:1", "expected syslog");
  expect_error("Confirm \"always\n", "conf:1", "unterminated quote");
  expect_error("SshsigNamespaces git,,file\n", "conf:1", "empty item");
  expect_error("SshsigNamespaces ,\n", "conf:1", "empty item");
  expect_error("Destinations a>b>c\n", "conf:1", "more than one");
  expect_error("Destinations alice@a>b\n", "conf:1", "only the last host");
  expect_error("Destinations !evil\n", "conf:1", "negation");
  expect_error("Destinations @host\n", "conf:1", "empty user");
  expect_error("Destinations host/x\n", "conf:1", "invalid character");
  expect_error("Destinations >host\n", "conf:1", "empty host");
  expect_error("Confirm always\n# fine\nConfirm al" + std::string(1, '\0') + "ways\n", "conf:3",
               "control character");
  expect_error("Confirm always\x1b[2J\n", "conf:1", "control character");
  expect_error("Confirm " + std::string(5000, 'a') + "\n", "conf:1", "too long");
  std::string many_args = "Key";
  for (int i = 0; i < 100; i++) many_args += " k" + std::to_string(i);
  expect_error(many_args + "\n", "conf:1", "too many arguments");
  std::string blocks;
  for (size_t i = 0; i < kMaxPolicyBlocks + 1; i++) blocks += "Key k" + std::to_string(i) + "\n";
  expect_error(blocks, "conf:" + std::to_string(kMaxPolicyBlocks), "too many Key blocks");
  auto big = parse_policy_config(std::string(kMaxPolicyFileSize + 1, '#'), "conf");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("too large"), std::string::npos);
}

TEST(PolicyConfig, HomeExpansionNeedsAHome) {
  auto r = parse_policy_config("UserKnownHostsFile ~/kh\n", "conf", "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("HOME"), std::string::npos);
  r = parse_policy_config("UserKnownHostsFile none\nGlobalKnownHostsFile /etc/x\n", "conf", "");
  ASSERT_TRUE(r.ok());
  Policy p(PolicyConfig{}, *r);
  EXPECT_EQ(p.known_hosts_files("/h"), (std::vector<std::string>{"/etc/x"}));
}

TEST(PolicyConfig, DestinationSpecs) {
  EXPECT_EQ(*parse_destination_spec("host"), (DestinationSpec{"", "", "host"}));
  EXPECT_EQ(*parse_destination_spec("u@h"), (DestinationSpec{"", "u", "h"}));
  EXPECT_EQ(*parse_destination_spec("a>u@b"), (DestinationSpec{"a", "u", "b"}));
  EXPECT_EQ(*parse_destination_spec("[h]:2222"), (DestinationSpec{"", "", "[h]:2222"}));
  EXPECT_FALSE(parse_destination_spec("").ok());
  EXPECT_FALSE(parse_destination_spec("a>").ok());
  EXPECT_FALSE(parse_destination_spec("u@").ok());
  EXPECT_FALSE(parse_destination_spec(std::string(300, 'h')).ok());
}

// Random damage to a good file: the parser answers (yes or file:line: reason), never crashes.
TEST(PolicyConfig, HostileTextNeverCrashes) {
  std::string seed = kExample;
  uint32_t x = 99;
  for (int round = 0; round < 5000; round++) {
    std::string t = seed;
    for (int k = 0; k < 6; k++) {
      x = x * 1103515245 + 12345;
      t[(x >> 8) % t.size()] = char(x >> 24);
    }
    auto r = parse_policy_config(t, "conf", "/home/u");
    if (!r.ok()) {
      EXPECT_EQ(r.error().message.rfind("conf:", 0), 0u) << r.error().message;
    } else {
      Policy p(PolicyConfig{}, *r);
      (void)p.for_key("SHA256:x", "MD5:y", "work key");
    }
  }
}

}  // namespace
}  // namespace skagent
