// SPDX-License-Identifier: BSD-2-Clause
#include "agent/options.h"

#include <getopt.h>
#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

namespace skagent {
namespace {

// Owns argv storage for one parse; argv[0] is the program name.
struct Args {
  explicit Args(std::vector<std::string> a) : store(std::move(a)) {
    store.insert(store.begin(), "skagent");
    for (auto& s : store) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return int(store.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> store;
  std::vector<char*> ptrs;
};

// getopt keeps state between calls; optind = 0 is glibc's full reset. The
// parse() helper starts every parse clean, so these tests check the options
// themselves; the *LeakIntoNextParse tests below check the reset on its own.
void reset_getopt() {
  char name[] = "reset";
  char* argv[] = {name, nullptr};
  optind = 0;
  opterr = 0;
  while (getopt(1, argv, "+") != -1) {}
}

Result<AgentOptions> parse(std::vector<std::string> a) {
  reset_getopt();
  Args args(std::move(a));
  return parse_agent_options(args.argc(), args.argv());
}

class AgentOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { reset_getopt(); }
  void TearDown() override { reset_getopt(); }
};

TEST_F(AgentOptionsTest, Defaults) {
  auto o = parse({});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->shell, AgentOptions::Shell::auto_detect);
  EXPECT_FALSE(o->debug);
  EXPECT_FALSE(o->foreground);
  EXPECT_FALSE(o->kill);
  EXPECT_FALSE(o->version);
  EXPECT_EQ(o->socket_path, "");
  EXPECT_EQ(o->fingerprint_hash, FingerprintHash::sha256);
  EXPECT_EQ(o->allowed_providers, "/usr/lib*/*,/usr/local/lib*/*");
  EXPECT_EQ(o->default_lifetime, 0u);
  EXPECT_FALSE(o->allow_remote_providers);
  EXPECT_TRUE(o->restrict_websafe);
  EXPECT_EQ(o->websafe_allowlist, "ssh:*");
  EXPECT_TRUE(o->command.empty());
}

TEST_F(AgentOptionsTest, ShellFlags) {
  auto c = parse({"-c"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->shell, AgentOptions::Shell::csh);
  auto s = parse({"-s"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->shell, AgentOptions::Shell::sh);
  auto twice = parse({"-c", "-c"});  // repeating the same choice is harmless
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->shell, AgentOptions::Shell::csh);
}

TEST_F(AgentOptionsTest, CshTogetherWithShRefused) {
  EXPECT_FALSE(parse({"-c", "-s"}).ok());
  EXPECT_FALSE(parse({"-s", "-c"}).ok());
  EXPECT_FALSE(parse({"-sc"}).ok());
  EXPECT_FALSE(parse({"-c", "-k", "-s"}).ok());
}

TEST_F(AgentOptionsTest, BooleanFlags) {
  auto d = parse({"-d"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->debug);
  EXPECT_FALSE(d->foreground);
  auto f = parse({"-D"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->foreground);
  EXPECT_FALSE(f->debug);
  auto k = parse({"-k"});
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->kill);
  auto ck = parse({"-ck"});
  ASSERT_TRUE(ck.ok());
  EXPECT_TRUE(ck->kill);
  EXPECT_EQ(ck->shell, AgentOptions::Shell::csh);
  auto v = parse({"-V"});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->version);
}

// As ssh-agent (9.2 and 10.5): -d and -D exclude each other, and neither may repeat.
TEST_F(AgentOptionsTest, DebugAndForegroundExcludeEachOther) {
  for (auto args :
       std::vector<std::vector<std::string>>{{"-dD"}, {"-Dd"}, {"-d", "-d"}, {"-D", "-D"}}) {
    EXPECT_FALSE(parse(args).ok()) << args[0];
  }
}

// OpenSSH 10.1: -T (old /tmp socket), -U (no stale cleanup), -u / -uu (clean up and exit).
TEST_F(AgentOptionsTest, SocketLocationFlags) {
  auto d = parse({});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->tmp_socket);
  EXPECT_FALSE(d->keep_stale);
  EXPECT_EQ(d->clean_stale, 0);
  auto t = parse({"-T", "-s"});
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->tmp_socket);
  auto tu = parse({"-TU"});
  ASSERT_TRUE(tu.ok());
  EXPECT_TRUE(tu->tmp_socket && tu->keep_stale);
  auto u = parse({"-u"});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->clean_stale, 1);
  auto uu = parse({"-uu"});
  ASSERT_TRUE(uu.ok());
  EXPECT_EQ(uu->clean_stale, 2);
  auto cmd = parse({"-T", "-U", "sh", "-c", "true"});  // -T and -U go with a command
  ASSERT_TRUE(cmd.ok());
  EXPECT_TRUE(cmd->tmp_socket && cmd->keep_stale);
  EXPECT_EQ(cmd->command.size(), 3u);
}

// OpenSSH 10.5 refuses a command together with -c, -s, -k, -d, -D or -u.
TEST_F(AgentOptionsTest, CommandWithModeFlagsRefused) {
  for (const char* flag : {"-c", "-s", "-k", "-d", "-D", "-u"}) {
    EXPECT_FALSE(parse({flag, "true"}).ok()) << flag;
  }
  EXPECT_TRUE(parse({"-t", "1", "true"}).ok());
}

TEST_F(AgentOptionsTest, BindAddressAndProviders) {
  auto a = parse({"-a", "/tmp/agent.sock", "-P", "/opt/sk/*,!/opt/sk/bad*"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->socket_path, "/tmp/agent.sock");
  EXPECT_EQ(a->allowed_providers, "/opt/sk/*,!/opt/sk/bad*");
  auto glued = parse({"-a/run/x.sock"});
  ASSERT_TRUE(glued.ok());
  EXPECT_EQ(glued->socket_path, "/run/x.sock");
}

TEST_F(AgentOptionsTest, MissingArgumentRefused) {
  for (const char* flag : {"-a", "-E", "-O", "-P", "-t"}) {
    EXPECT_FALSE(parse({flag}).ok()) << flag;
  }
}

TEST_F(AgentOptionsTest, UnknownFlagRefused) {
  EXPECT_FALSE(parse({"-x"}).ok());
  EXPECT_FALSE(parse({"-d", "-Z"}).ok());
  EXPECT_FALSE(parse({"--help"}).ok());
}

TEST_F(AgentOptionsTest, FingerprintHash) {
  auto md5 = parse({"-E", "md5"});
  ASSERT_TRUE(md5.ok());
  EXPECT_EQ(md5->fingerprint_hash, FingerprintHash::md5);
  auto sha = parse({"-E", "sha256"});
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(sha->fingerprint_hash, FingerprintHash::sha256);
  auto bad = parse({"-E", "sha1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::unsupported);
  EXPECT_NE(bad.error().message.find("sha1"), std::string::npos);
  EXPECT_FALSE(parse({"-E", ""}).ok());
}

TEST_F(AgentOptionsTest, Lifetime) {
  auto t = parse({"-t", "1h30m"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->default_lifetime, 5400u);
  auto plain = parse({"-t", "90"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->default_lifetime, 90u);
  for (const char* bad : {"", "h", "10x", "99999999999", "-5", "1 h"}) {
    auto r = parse({"-t", bad});
    ASSERT_FALSE(r.ok()) << '"' << bad << '"';
    EXPECT_EQ(r.error().code, Errc::malformed);
  }
}

TEST_F(AgentOptionsTest, OOptions) {
  auto r = parse({"-O", "allow-remote-pkcs11"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->allow_remote_providers);
  EXPECT_TRUE(r->restrict_websafe);
  auto w = parse({"-O", "no-restrict-websafe"});
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->restrict_websafe);
  EXPECT_FALSE(w->allow_remote_providers);
  auto a = parse({"-O", "websafe-allow=ssh:foo,ssh:bar*"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->websafe_allowlist, "ssh:foo,ssh:bar*");
  auto empty = parse({"-O", "websafe-allow="});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->websafe_allowlist, "");
  auto all = parse({"-O", "allow-remote-pkcs11", "-O", "no-restrict-websafe"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->allow_remote_providers);
  EXPECT_FALSE(all->restrict_websafe);
}

TEST_F(AgentOptionsTest, UnknownOOptionRefused) {
  for (const char* bad :
       {"bogus", "", "websafe-allow", "allow-remote-pkcs11=yes", "ALLOW-REMOTE-PKCS11"}) {
    auto r = parse({"-O", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::unsupported) << bad;
  }
}

TEST_F(AgentOptionsTest, CommandModeTakesEverythingAfterFirstNonOption) {
  auto r = parse({"ls", "-l"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, (std::vector<std::string>{"ls", "-l"}));
  auto s = parse({"-t", "60", "sh", "-c", "-s", "-k"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->default_lifetime, 60u);
  EXPECT_EQ(s->command, (std::vector<std::string>{"sh", "-c", "-s", "-k"}));
  EXPECT_EQ(s->shell, AgentOptions::Shell::auto_detect);  // -c/-s were the command's
  EXPECT_FALSE(s->kill);
}

TEST_F(AgentOptionsTest, DoubleDashEndsOptions) {
  auto r = parse({"-T", "--", "-d", "x"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tmp_socket);
  EXPECT_FALSE(r->debug);
  EXPECT_EQ(r->command, (std::vector<std::string>{"-d", "x"}));
}

TEST_F(AgentOptionsTest, ForegroundWithCommandRefused) {
  EXPECT_FALSE(parse({"-d", "ls"}).ok());
  EXPECT_FALSE(parse({"-D", "ls", "-l"}).ok());
  EXPECT_FALSE(parse({"-d", "-k"}).ok());
  EXPECT_FALSE(parse({"-D", "-k"}).ok());
  EXPECT_TRUE(parse({"-d", "-a", "/tmp/s"}).ok());
}

// parse_agent_options resets optind to 1, which does not clear glibc's
// position inside a clustered argument (only optind = 0 does): after "-xk"
// fails on 'x', the next call, on a different argv, resumes at the stale "k"
// of the old one. The old argv is kept alive here; were it freed, the next
// call would read freed memory.
TEST_F(AgentOptionsTest, FailedParseDoesNotLeakIntoNextParse) {
  Args first({"-xk"});
  EXPECT_FALSE(parse_agent_options(first.argc(), first.argv()).ok());
  Args second({"-s"});
  auto r = parse_agent_options(second.argc(), second.argv());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->kill) << "a flag from the previous argv was applied";
  EXPECT_EQ(r->shell, AgentOptions::Shell::sh);
}

TEST_F(AgentOptionsTest, RejectedFlagInClusterDoesNotLeakIntoNextParse) {
  Args first({"-csk"});  // fails on 's' (conflicts with -c); "k" is left over
  EXPECT_FALSE(parse_agent_options(first.argc(), first.argv()).ok());
  // (With an argv of the program name alone, the stale "k" also pushes optind
  // past argc and getopt reads beyond argv's terminating null: a crash.)
  Args second({"-V"});
  auto r = parse_agent_options(second.argc(), second.argv());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->kill) << "a flag from the previous argv was applied";
  EXPECT_TRUE(r->version) << "the new argv was not parsed";
}

// ---------------------------------------------------------------- durations

TEST(ParseDuration, Valid) {
  EXPECT_EQ(parse_duration("90"), 90u);
  EXPECT_EQ(parse_duration("0"), 0u);
  EXPECT_EQ(parse_duration("1h30m"), 5400u);
  EXPECT_EQ(parse_duration("2d"), 172800u);
  EXPECT_EQ(parse_duration("1w"), 604800u);
  EXPECT_EQ(parse_duration("45s"), 45u);
  EXPECT_EQ(parse_duration("5S"), 5u);
  EXPECT_EQ(parse_duration("1H1M1S"), 3661u);
  EXPECT_EQ(parse_duration("1D"), 86400u);
  EXPECT_EQ(parse_duration("1W"), 604800u);
  EXPECT_EQ(parse_duration("1h30"), 3630u);  // a trailing number is seconds
  EXPECT_EQ(parse_duration("1m1m"), 120u);   // repeated units add up, as convtime
  EXPECT_EQ(parse_duration("007"), 7u);
}

TEST(ParseDuration, Invalid) {
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("h"), std::nullopt);
  EXPECT_EQ(parse_duration("10x"), std::nullopt);
  EXPECT_EQ(parse_duration("1hh"), std::nullopt);
  EXPECT_EQ(parse_duration("-5"), std::nullopt);
  EXPECT_EQ(parse_duration("+5"), std::nullopt);
  EXPECT_EQ(parse_duration(" 5"), std::nullopt);
  EXPECT_EQ(parse_duration("5 "), std::nullopt);
  EXPECT_EQ(parse_duration("1h 30m"), std::nullopt);
  EXPECT_EQ(parse_duration(std::string("5\0s", 3)), std::nullopt);
}

TEST(ParseDuration, Overflow) {
  EXPECT_EQ(parse_duration("99999999999"), std::nullopt);
  EXPECT_EQ(parse_duration("4294967296"), std::nullopt);
  EXPECT_EQ(parse_duration("2147483647"), uint32_t(INT_MAX));
  EXPECT_EQ(parse_duration("2147483648"), std::nullopt);  // past INT_MAX, as OpenSSH
  EXPECT_EQ(parse_duration("3550w"), 3550u * 604800u);
  EXPECT_EQ(parse_duration("3551w"), std::nullopt);
  EXPECT_EQ(parse_duration("4294967295w"), std::nullopt);
  EXPECT_EQ(parse_duration("3550w3550w"), std::nullopt);
  EXPECT_EQ(parse_duration(std::string(5000, '9')), std::nullopt);
}

// Many large components must not wrap the 64-bit running total back into
// range: 7101 x "4294967295w" plus a remainder sums to exactly 2^64 + 5.
TEST(ParseDuration, SumThatWrapsPast64BitsRefused) {
  const unsigned __int128 week = 604800, max_count = 4294967295u;
  const unsigned __int128 big = max_count * week;
  const unsigned __int128 target = (unsigned __int128)1 << 64;
  unsigned __int128 n = target / big;
  unsigned __int128 rest = target - n * big + 5;
  std::string s;
  for (unsigned __int128 i = 0; i < n; i++) s += "4294967295w";
  s += std::to_string(uint64_t(rest / week)) + "w" + std::to_string(uint64_t(rest % week)) + "s";
  ASSERT_LT(uint64_t(rest / week), uint64_t(max_count));
  EXPECT_EQ(parse_duration(s), std::nullopt) << "accepted a sum of 2^64 + 5 seconds";
}

}  // namespace
}  // namespace skagent
