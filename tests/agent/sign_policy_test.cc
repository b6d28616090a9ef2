// SPDX-License-Identifier: BSD-2-Clause
// The policy's decision on a request, the texts built from a request's
// context, host-name candidates, the PIN cache and remembered approvals.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/prompts/pin_cache.h"
#include "agent/prompts/touch_notice.h"
#include "agent/policy/policy.h"
#include "agent/prompts/audit_json.h"
#include "agent/prompts/request_context.h"
#include "agent/prompts/prompt_text.h"
#include "ssh/fingerprint.h"
#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

HopInfo hop(const std::string& name, bool forwarding) {
  HopInfo h;
  h.key = test::generate().public_key();
  h.fingerprint = fingerprint(h.key, FingerprintHash::sha256);
  h.key_type = "ED25519";
  if (!name.empty()) h.names.names = {name};
  h.names.known = !name.empty();
  h.forwarding = forwarding;
  return h;
}

SignContext ctx_for(SignKind kind, std::vector<HopInfo> hops) {
  SignContext c;
  c.kind = kind;
  c.key_fp = "SHA256:key";
  c.key_type = "ED25519";
  c.key_comment = "alice@laptop";
  auto caller = std::make_shared<CallerInfo>();
  caller->pid = 4242;
  ProcessInfo p;
  p.pid = 4242;
  p.exe = "/usr/bin/ssh";
  p.argv = {"ssh", "-A", "jump", "ssh", "build"};
  ProcessInfo parent;
  parent.pid = 4000;
  parent.exe = "/usr/bin/bash";
  ProcessInfo grandparent;
  grandparent.exe = "/usr/sbin/sshd";
  caller->chain = {p, parent, grandparent};
  c.caller = caller;
  for (const auto& h : hops) c.forwarded = c.forwarded || h.forwarding;
  c.hops = std::move(hops);
  if (kind == SignKind::userauth) {
    c.user = "alice";
    if (!c.hops.empty() && !c.hops.back().forwarding) {
      c.destination = c.hops.back();
      c.destination_verified = true;
    }
  }
  if (kind == SignKind::sshsig) c.sig_namespace = "git";
  return c;
}

TEST(SignPolicy, DefaultsSignLocallyAndRefuseForwardedNonLogins) {
  KeyPolicy p;
  auto local = ctx_for(SignKind::sshsig, {});
  EXPECT_FALSE(decide(p, local, false).refuse);
  EXPECT_FALSE(decide(p, local, false).confirm);
  auto login = ctx_for(SignKind::userauth, {hop("jump", true), hop("build", false)});
  EXPECT_FALSE(decide(p, login, false).refuse);
  auto fwd_sig = ctx_for(SignKind::sshsig, {hop("jump", true)});
  auto d = decide(p, fwd_sig, false);
  EXPECT_TRUE(d.refuse);
  EXPECT_NE(d.reason.find("forwarded"), std::string::npos);
  EXPECT_TRUE(decide(p, ctx_for(SignKind::other, {hop("jump", true)}), false).refuse);
  p.forwarded_signing = ForwardedSigning::any;
  EXPECT_FALSE(decide(p, fwd_sig, false).refuse);
}

TEST(SignPolicy, ConfirmModes) {
  KeyPolicy p;
  auto local = ctx_for(SignKind::userauth, {hop("build", false)});
  auto forwarded = ctx_for(SignKind::userauth, {hop("jump", true), hop("build", false)});
  EXPECT_TRUE(decide(p, local, true).confirm);  // ssh-add -c: always, whatever the policy
  p.confirm = ConfirmMode::forwarded;
  EXPECT_FALSE(decide(p, local, false).confirm);
  EXPECT_TRUE(decide(p, forwarded, false).confirm);
  p.confirm = ConfirmMode::always;
  EXPECT_TRUE(decide(p, local, false).confirm);
  p.confirm = ConfirmMode::never;
  EXPECT_TRUE(decide(p, forwarded, true).confirm);
}

TEST(SignPolicy, NamespacesAndRevokedHosts) {
  KeyPolicy p;
  p.sshsig_namespaces = "git,file*";
  auto c = ctx_for(SignKind::sshsig, {});
  EXPECT_FALSE(decide(p, c, false).refuse);
  c.sig_namespace = "filesystem";
  EXPECT_FALSE(decide(p, c, false).refuse);
  c.sig_namespace = "email";
  EXPECT_TRUE(decide(p, c, false).refuse);
  p.sshsig_namespaces = "*,!email";
  EXPECT_TRUE(decide(p, c, false).refuse);
  auto login = ctx_for(SignKind::userauth, {hop("build", false)});
  login.hops[0].names.revoked = true;
  auto d = decide(KeyPolicy{}, login, false);
  EXPECT_TRUE(d.refuse);
  EXPECT_NE(d.reason.find("@revoked"), std::string::npos);
}

TEST(SignPolicy, DestinationsCheckEveryHop) {
  std::vector<DestinationSpec> specs = {
      {"", "", "jump"}, {"jump", "alice", "*.corp"}, {"", "", "git.example.com"}};
  std::string why;
  EXPECT_TRUE(destinations_allow(
      specs, ctx_for(SignKind::userauth, {hop("git.example.com", false)}), &why));
  EXPECT_TRUE(destinations_allow(
      specs, ctx_for(SignKind::userauth, {hop("jump", true), hop("b.corp", false)}), &why));
  // Wrong user at the last hop; a hop that needs another origin; an unnamed host.
  auto bob = ctx_for(SignKind::userauth, {hop("jump", true), hop("b.corp", false)});
  bob.user = "bob";
  EXPECT_FALSE(destinations_allow(specs, bob, &why));
  EXPECT_NE(why.find("hop 2"), std::string::npos) << why;
  EXPECT_FALSE(
      destinations_allow(specs, ctx_for(SignKind::userauth, {hop("b.corp", false)}), &why));
  EXPECT_FALSE(destinations_allow(specs, ctx_for(SignKind::userauth, {hop("", false)}), &why));
  EXPECT_FALSE(destinations_allow(
      specs, ctx_for(SignKind::userauth, {hop("other", true), hop("b.corp", false)}), &why));
  // No session binding: a login cannot be checked; an SSHSIG signature is local use.
  EXPECT_FALSE(destinations_allow(specs, ctx_for(SignKind::userauth, {}), &why));
  EXPECT_TRUE(destinations_allow(specs, ctx_for(SignKind::sshsig, {}), &why));
  KeyPolicy p;
  p.destinations = specs;
  EXPECT_TRUE(decide(p, ctx_for(SignKind::userauth, {hop("evil", false)}), false).refuse);
}

TEST(SignContextText, PromptsSayWhoWhereAndWhat) {
  auto login = ctx_for(SignKind::userauth, {hop("jump", true), hop("build", false)});
  std::string t = confirm_prompt_text(login, 300);
  // The first line is the decision, in plain words; the details follow.
  EXPECT_EQ(
      t.rfind("jump (through a forwarded agent) wants key alice@laptop to log in to alice@build\n\n"
              "Key fingerprint SHA256:key (ED25519).\n",
              0),
      0u)
      << t;
  EXPECT_NE(
      t.find("\nAsked by: /usr/bin/ssh (pid 4242)\nStarted from: /usr/bin/bash, /usr/sbin/sshd\n"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("\nCommand line: ssh -A jump ssh build"), std::string::npos) << t;
  EXPECT_NE(t.find("\nPath: this machine > jump (agent forwarded) > build"), std::string::npos)
      << t;
  EXPECT_NE(t.find("for 5 minutes"), std::string::npos) << t;
  auto local = ctx_for(SignKind::userauth, {hop("build", false)});
  EXPECT_EQ(confirm_prompt_text(local, 0).rfind(
                "ssh wants key alice@laptop to log in to alice@build\n", 0),
            0u);
  auto sig = ctx_for(SignKind::sshsig, {});
  t = confirm_prompt_text(sig, 0);
  EXPECT_EQ(t.rfind("ssh wants key alice@laptop to make a git signature (namespace \"git\")\n", 0),
            0u)
      << t;
  EXPECT_EQ(t.find("Path:"), std::string::npos) << t;
  sig.sig_namespace = "file";
  EXPECT_NE(confirm_prompt_text(sig, 0).find("to sign a file (namespace \"file\")\n"),
            std::string::npos);
  EXPECT_EQ(
      touch_notice_body(login).rfind(
          "jump (through a forwarded agent) wants key alice@laptop to log in to alice@build.", 0),
      0u)
      << touch_notice_body(login);
  std::string pin = pin_prompt_text(login, "Wrong PIN. 2 tries left before the key locks.");
  EXPECT_EQ(pin.rfind("Wrong PIN. 2 tries left", 0), 0u) << pin;
  EXPECT_NE(pin.find("to log in to alice@build"), std::string::npos) << pin;
}

// Each askpass gets a form it shows as a question, with nothing others chose read as markup.
TEST(SignContextText, AskpassForms) {
  auto c = ctx_for(SignKind::sshsig, {});
  c.key_comment = "k<b>ey</b>";
  auto caller = std::make_shared<CallerInfo>(*c.caller);
  caller->chain[0].argv = {"ssh-keygen", "-Y",   "sign",
                           "-n",         "file", "notes.txt><br>To sign in to x<!--"};
  c.caller = caller;
  const ConfirmQuestion q = confirm_question(c, 0);
  // ksshaskpass: OpenSSH's two lines (its pattern ^Allow use of key (.*)?\nKey fingerprint .*\.$),
  // HTML throughout, escaped.
  std::string kde = confirm_text(AskpassStyle::kde, q);
  EXPECT_EQ(kde.rfind("Allow use of key <nobr>k&lt;b&gt;ey&lt;/b&gt;</nobr>?<br><b>ssh wants key "
                      "<nobr>k&lt;b&gt;ey&lt;/b&gt;</nobr> to",
                      0),
            0u)
      << kde;
  EXPECT_EQ(std::count(kde.begin(), kde.end(), '\n'), 1) << kde;
  EXPECT_EQ(kde.substr(kde.find('\n')), "\nKey fingerprint SHA256:key (ED25519).") << kde;
  EXPECT_NE(kde.find(" file notes.txt&gt;&lt;br&gt;To sign in to <nobr>x&lt;!--</nobr><br>"),
            std::string::npos)
      << kde;
  EXPECT_NE(kde.find("<nobr>/usr/bin/ssh</nobr> (pid 4242)"), std::string::npos) << kde;
  EXPECT_EQ(kde.find("<br>To sign"), std::string::npos) << kde;
  EXPECT_NE(kde.find("Accept allows it, Cancel refuses.<br>\n"), std::string::npos) << kde;
  std::string lxqt = confirm_text(AskpassStyle::qt_entry, q);
  EXPECT_EQ(lxqt.rfind("<b>ssh wants key <nobr>k&lt;b&gt;ey&lt;/b&gt;</nobr>", 0), 0u) << lxqt;
  EXPECT_EQ(lxqt.find("<br>To sign"), std::string::npos) << lxqt;
  EXPECT_NE(lxqt.find("type yes and press OK"), std::string::npos) << lxqt;
  // Plain-text programs show the text as it is; GTK gets word joiners after '/' and '-'.
  std::string x11 = confirm_text(AskpassStyle::plain_entry, q);
  EXPECT_EQ(x11.rfind("ssh wants key k<b>ey</b> to make a git signature", 0), 0u) << x11;
  EXPECT_NE(x11.find("type yes and press OK"), std::string::npos) << x11;
  // They do not wrap: lines are broken at spaces, at most 72 columns but for a longer word.
  EXPECT_NE(x11.find(" notes.txt><br>To sign in to\n  x<!--\n"), std::string::npos) << x11;
  for (size_t pos = 0, nl; (nl = x11.find('\n', pos)) != std::string::npos || pos < x11.size();
       pos = nl + 1) {
    if (nl == std::string::npos) nl = x11.size();
    EXPECT_LE(nl - pos, 72u) << x11.substr(pos, nl - pos);
  }
  std::string gtk = confirm_text(AskpassStyle::gtk_question, q);
  EXPECT_NE(gtk.find("-\xe2\x81\xa0Y sign -\xe2\x81\xa0n file"), std::string::npos) << gtk;
  EXPECT_NE(gtk.find("Yes allows it, No refuses."), std::string::npos) << gtk;
  // Anything else: no < > & at all.
  std::string other = confirm_text(AskpassStyle::unknown, q);
  EXPECT_EQ(other.find_first_of("<>&"), std::string::npos) << other;
  EXPECT_NE(other.find("type yes and press OK"), std::string::npos) << other;
  // Only a real question may be answered with nothing.
  for (auto s : {AskpassStyle::kde, AskpassStyle::qt_entry, AskpassStyle::plain_entry,
                 AskpassStyle::unknown}) {
    EXPECT_FALSE(confirm_answer_is_yes(s, ""));
    EXPECT_TRUE(confirm_answer_is_yes(s, "yes"));
    EXPECT_TRUE(confirm_answer_is_yes(s, "YES"));
    EXPECT_FALSE(confirm_answer_is_yes(s, "yess"));
    EXPECT_FALSE(confirm_answer_is_yes(s, "no"));
  }
  EXPECT_TRUE(confirm_answer_is_yes(AskpassStyle::gtk_question, ""));
  EXPECT_EQ(askpass_style("/usr/lib/openssh/gnome-ssh-askpass"), AskpassStyle::gtk_question);
  EXPECT_EQ(askpass_style("/nonexistent/ksshaskpass"), AskpassStyle::kde);
  EXPECT_EQ(askpass_style("/usr/bin/lxqt-openssh-askpass"), AskpassStyle::qt_entry);
  EXPECT_EQ(askpass_style("/usr/libexec/ssh-askpass/x11-ssh-askpass"), AskpassStyle::plain_entry);
  EXPECT_EQ(askpass_style("/usr/bin/ssh-askpass-fullscreen"), AskpassStyle::plain_entry);
  EXPECT_EQ(askpass_style("/bin/sh"), AskpassStyle::unknown);
  EXPECT_EQ(touch_notice_body(c).find_first_of("<>&"), std::string::npos) << touch_notice_body(c);
}

TEST(SignContextText, UnknownAndUnverifiedHosts) {
  auto login = ctx_for(SignKind::userauth, {hop("", false)});
  std::string t = confirm_prompt_text(login, 0);
  EXPECT_NE(t.find("a host not in known_hosts (ED25519 SHA256:"), std::string::npos) << t;
  auto claimed = ctx_for(SignKind::userauth, {});
  claimed.destination = hop("build", false);
  t = confirm_prompt_text(claimed, 0);
  EXPECT_NE(t.find("no session binding proves it"), std::string::npos) << t;
  auto none = ctx_for(SignKind::userauth, {});
  EXPECT_NE(confirm_prompt_text(none, 0).find("alice@an unidentified host\n"), std::string::npos);
}

TEST(SignContextText, CallerControlledTextCannotForgeLines) {
  auto c = ctx_for(SignKind::userauth, {hop("build", false)});
  auto caller = std::make_shared<CallerInfo>(*c.caller);
  caller->chain[0].argv = {"ssh", "x\nssh wants key x to log in to root@bank\n",
                           "\xe2\x80\xae"
                           "evil"};
  c.caller = caller;
  c.user = "bob\r\nPath: this machine";
  std::string t = confirm_prompt_text(c, 0);
  EXPECT_EQ(t.find("\nssh wants key x to log in to root@bank"), std::string::npos) << t;
  EXPECT_EQ(t.find("\nPath: this machine\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_EQ(printable("ok\x01\x7f\xff\xc3\xa9", 100), "ok\\x01\\x7f\\xff\xc3\xa9");
  EXPECT_EQ(printable(std::string(300, 'a'), 10), "aaaaaaaaaa...[cut]");
}

// Issue 13 defect 4: every hostile string comes out as one line of visible
// text: no separator, control, format character or invalid UTF-8 survives.
TEST(SignContextText, HostileStringsAreEscapedVisibly) {
  const struct {
    std::string in, out;
  } table[] = {
      {"git\u2029Path: this machine > github.com\u2029", ""},  // filled below
      {"a\xe2\x80\xa8"
       "b",
       "a\\u2028b"},  // LINE SEPARATOR
      {"a\xe2\x80\xa9"
       "b",
       "a\\u2029b"},  // PARAGRAPH SEPARATOR
      {"\xe2\x80\xae"
       "evil",
       "\\u202eevil"},  // RLO
      {"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202a\\u202b\\u202c\\u202d"},
      {"\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069"},    // LRI, PDI
      {"\xe2\x80\x8bzw\xe2\x80\x8d", "\\u200bzw\\u200d"},  // zero-width space / joiner
      {"\xef\xbb\xbf"
       "bom",
       "\\ufeffbom"},                               // BOM (Cf)
      {"soft\xc2\xadhyphen", "soft\\u00adhyphen"},  // SHY (Cf)
      {"\xd8\x9c", "\\u061c"},                      // ALM
      {"\xf3\xa0\x80\x81tag", "\\U000e0001tag"},    // LANGUAGE TAG
      {"nel\xc2\x85x", "nel\\u0085x"},              // C1 NEL
      {"csi\xc2\x9b"
       "31m",
       "csi\\u009b31m"},                // C1 CSI
      {"nb\xc2\xa0sp", "nb\\u00a0sp"},  // a space that fakes alignment
      {"a\nb\rc\td\x1b[2J\x7f", "a\\x0ab\\x0dc\\x09d\\x1b[2J\\x7f"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"\xc0\xaf", "\\xc0\\xaf"},                    // overlong '/'
      {"\xe0\x80\x8a", "\\xe0\\x80\\x8a"},           // overlong LF
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},           // unpaired surrogate (CESU)
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},  // > U+10FFFF
      {"cut\xe2\x80", "cut\\xe2\\x80"},              // truncated sequence
      {"back\\u2029slash", "back\\\\u2029slash"},    // a faked escape stays distinguishable
      {"caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x94\x91",
       "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x94\x91"},  // real text kept
  };
  for (const auto& row : table) {
    std::string got = printable(row.in, 1000);
    if (!row.out.empty()) {
      EXPECT_EQ(got, row.out) << row.in;
    }
    for (unsigned char c : got) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << got;
    EXPECT_EQ(got.find("\xe2\x80\xa9"), std::string::npos);
  }
  EXPECT_EQ(printable(table[0].in, 1000), "git\\u2029Path: this machine > github.com\\u2029");

  // The cap never cuts an escape or a character in half, and says it cut.
  EXPECT_EQ(printable("ab\xe2\x80\xa9"
                      "cd",
                      7),
            "ab...[cut]");
  EXPECT_EQ(printable("ab\xe2\x80\xa9"
                      "cd",
                      8),
            "ab\\u2029...[cut]");
  EXPECT_EQ(printable("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9...[cut]");
  EXPECT_EQ(printable(std::string(5000, '\n'), 64).size(), 64 + 8u);

  // End to end: the user name in a login through a forwarded agent
  // cannot add a "Path:" line to the prompt, the notice or the audit line.
  auto c = ctx_for(SignKind::userauth, {hop("jump", true), hop("build", false)});
  c.user = "git\xe2\x80\xa9Path: this machine > github.com\xe2\x80\xa9";
  c.key_comment =
      "me\xe2\x80\xa8"
      "Key fingerprint SHA256:forged";
  for (const std::string& t : {confirm_prompt_text(c, 0), pin_prompt_text(c, ""),
                               touch_notice_body(c), audit_json(c, 0)}) {
    EXPECT_EQ(t.find("\xe2\x80\xa9"), std::string::npos) << t;
    EXPECT_EQ(t.find("\xe2\x80\xa8"), std::string::npos) << t;
    size_t paths = 0;
    for (size_t at = t.find("Path: "); at != std::string::npos; at = t.find("Path: ", at + 1)) {
      paths += at == 0 || t[at - 1] == '\n';
    }
    EXPECT_LE(paths, 1u) << t;
  }
}

// The audit line's decision comes from one enum; an undecided request names none.
TEST(SignContextText, OutcomesHaveTheirAuditNames) {
  EXPECT_EQ(SignOutcome(SignOutcome::allowed).name(), "allowed");
  EXPECT_EQ(SignOutcome(SignOutcome::refused).name(), "refused");
  EXPECT_EQ(SignOutcome(SignOutcome::failed).name(), "failed");
  EXPECT_EQ(SignOutcome().name(), "");
  EXPECT_EQ(SignContext().decision, SignOutcome::undecided);
}

// How a person was involved is an enum and PIN counts; its audit text is the one the free-text
// field carried before, byte for byte ("none" when nobody was involved).
TEST(SignContextText, ApprovalsHaveTheirAuditNames) {
  using C = Approval::Confirm;
  EXPECT_EQ(Approval{}.name(), "none");
  EXPECT_TRUE(Approval{}.empty());
  EXPECT_EQ(Approval{C::not_needed}.name(), "not needed");
  EXPECT_EQ(Approval{C::approved_earlier}.name(), "approved earlier (ApproveFor)");
  EXPECT_EQ(Approval{C::confirmed}.name(), "confirmed by the person");
  EXPECT_EQ(Approval{C::refused}.name(), "refused");
  EXPECT_EQ((Approval{C::none, true}.name()), "cached PIN");
  EXPECT_EQ((Approval{C::not_needed, false, 1}.name()), "not needed, PIN entered");
  EXPECT_EQ((Approval{C::confirmed, true, 2}.name()),
            "confirmed by the person, cached PIN, PIN entered, PIN entered");
  EXPECT_FALSE((Approval{C::none, false, 1}.empty()));
  auto c = ctx_for(SignKind::sshsig, {});
  c.approval = Approval{C::not_needed, true};
  EXPECT_NE(audit_json(c, 0).find(",\"approval\":\"not needed, cached PIN\",\"key\":"),
            std::string::npos);
}

TEST(SignContextText, AuditLineIsOneJsonObject) {
  auto c = ctx_for(SignKind::userauth, {hop("jump", true), hop("build", false)});
  c.decision = SignOutcome::refused;
  c.reason = "said \"no\"\n";
  std::string j = audit_json(c, 0);
  EXPECT_EQ(
      j.rfind("{\"time\":\"1970-01-01T00:00:00Z\",\"event\":\"sign\",\"decision\":\"refused\"", 0),
      0u)
      << j;
  EXPECT_NE(j.find("\"reason\":\"said \\\"no\\\"\\\\x0a\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"exe\":\"/usr/bin/ssh\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"chain\":[{\"host\":\"jump\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"forwarding\":true"), std::string::npos) << j;
  EXPECT_NE(j.find("\"user\":\"alice\",\"destination\":\"build\""), std::string::npos) << j;
  EXPECT_EQ(j.find('\n'), std::string::npos);
  EXPECT_EQ(j.back(), '}');
  auto s = ctx_for(SignKind::sshsig, {});
  EXPECT_NE(audit_json(s, 0).find("\"kind\":\"sshsig\",\"namespace\":\"git\"}"), std::string::npos);
}

// The caller's part of the audit line and its host candidates are made once per caller and
// reused; the state in the line is the request's own. A copy of a caller makes its own.
TEST(SignContextText, CallerTextIsMadeOnceAndTheStateIsPerRequest) {
  auto c = ctx_for(SignKind::other, {});
  const std::string object =
      "\"caller\":{\"pid\":4242,\"uid\":-1,\"state\":\"running\",\"exe\":\"/usr/bin/ssh\","
      "\"cmdline\":\"ssh -A jump ssh build\",\"parents\":[{\"pid\":4000,\"exe\":\"/usr/bin/bash\"},"
      "{\"pid\":-1,\"exe\":\"/usr/sbin/sshd\"}]}";
  EXPECT_NE(audit_json(c, 0).find(object), std::string::npos) << audit_json(c, 0);
  const CallerText* made = &c.caller->text();
  EXPECT_EQ(&c.caller->text(), made);
  EXPECT_EQ(made->host_candidates, host_candidates(c.caller->chain[0].argv));
  c.caller_fate = ProcessFate::replaced;
  EXPECT_NE(audit_json(c, 0).find("\"state\":\"replaced\",\"exe\":\"/usr/bin/ssh\""),
            std::string::npos);
  c.caller_fate = ProcessFate::exited;
  EXPECT_NE(audit_json(c, 0).find("\"state\":\"exited\",\"exe\":\"/usr/bin/ssh\""),
            std::string::npos);
  auto copy = std::make_shared<CallerInfo>(*c.caller);
  copy->chain[0].exe = "/usr/bin/git";
  copy->chain[1].argv = {"bash", "deploy-host"};
  c.caller = copy;
  EXPECT_NE(audit_json(c, 0).find("\"exe\":\"/usr/bin/git\""), std::string::npos);
  EXPECT_EQ(copy->text().host_candidates.back(), "deploy-host");
  // A caller that could not be read has no process members.
  auto gone = std::make_shared<CallerInfo>();
  gone->pid = 7;
  gone->uid = 1000;
  c.caller = gone;
  EXPECT_NE(audit_json(c, 0).find("\"caller\":{\"pid\":7,\"uid\":1000,\"state\":\"exited\"},"),
            std::string::npos)
      << audit_json(c, 0);
}

TEST(SignContext, HostCandidatesFromACommandLine) {
  using V = std::vector<std::string>;
  EXPECT_EQ(host_candidates({"ssh", "-A", "-p", "2222", "alice@Build.Example.COM", "uptime"}),
            (V{"build.example.com", "uptime", "[build.example.com]:2222", "[uptime]:2222"}));
  EXPECT_EQ(host_candidates({"ssh", "-J", "u@jump1:2200,jump2", "ssh://bob@target:22/path"}),
            (V{"jump1", "jump2", "target", "[jump1]:2200", "[jump2]:2200", "[target]:2200"}));
  EXPECT_EQ(host_candidates({"git", "[10.0.0.1]:2022", "-oX=y", "bad host!", "-x"}),
            (V{"10.0.0.1", "[10.0.0.1]:2022"}));
  EXPECT_TRUE(host_candidates({}).empty());
}

TEST(PinCacheTest, KeepsLocksAndWipes) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  PinCache cache(loop);
  Secret pin;
  ASSERT_TRUE(pin.append("1234", 4));
  Bytes a{1}, b{2};
  cache.put(a, "/p1", pin, std::chrono::seconds(60));
  cache.put(b, "/p2", pin, std::chrono::seconds(60));
  ASSERT_NE(cache.get(a), nullptr);
  EXPECT_EQ(cache.get(a)->view(), "1234");
  cache.forget_provider("/p1");
  EXPECT_EQ(cache.get(a), nullptr);
  EXPECT_NE(cache.get(b), nullptr);
  cache.set_note(b, "Wrong PIN.");
  EXPECT_EQ(cache.note(b), "Wrong PIN.");
  cache.clear();
  EXPECT_EQ(cache.get(b), nullptr);
  EXPECT_EQ(cache.note(b), "");
  cache.put(a, "/p1", pin, std::chrono::seconds(0));  // PinCache 0: nothing kept
  EXPECT_EQ(cache.get(a), nullptr);
  cache.put(a, "/p1", pin, std::chrono::seconds(1));  // expiry runs on the loop
  loop.after(std::chrono::milliseconds(1300), [&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(cache.get(a), nullptr);
}

// A security key pulled out (its hidraw node deleted, here in a stand-in /dev):
// the cached PINs go at once, without waiting for the next signature to fail.
TEST(PinCacheTest, WipedWhenAHidrawNodeGoesAway) {
  auto dev = std::filesystem::temp_directory_path() / ("skagent-dev-" + std::to_string(getpid()));
  std::filesystem::create_directories(dev);
  std::ofstream(dev / "hidraw3") << "";
  std::ofstream(dev / "tty9") << "";
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  PinCache cache(loop, dev.string());
  Secret pin;
  ASSERT_TRUE(pin.assign("1234"));
  Bytes a{1};
  cache.put(a, "internal", pin, std::chrono::seconds(60));
  std::filesystem::remove(dev / "tty9");  // not a security key: kept
  loop.after(std::chrono::milliseconds(100), [&] { loop.stop(); });
  loop.run();
  EXPECT_NE(cache.get(a), nullptr);
  std::filesystem::remove(dev / "hidraw3");
  loop.after(std::chrono::milliseconds(100), [&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(cache.get(a), nullptr) << "the PIN outlived its token";
  std::filesystem::remove_all(dev);
}

TEST(TouchNotice, GdbusArgumentsAndAnswers) {
  EXPECT_EQ(TouchNotifier::gvariant_string("plain"), "\"plain\"");
  EXPECT_EQ(TouchNotifier::gvariant_string("a \"q\" \\ b\n"), "\"a \\\"q\\\" \\\\ b\\u000a\"");
  uint32_t id = 0;
  EXPECT_TRUE(TouchNotifier::parse_notify_reply("(uint32 42,)\n", id));
  EXPECT_EQ(id, 42u);
  EXPECT_FALSE(TouchNotifier::parse_notify_reply("()", id));
  EXPECT_FALSE(TouchNotifier::parse_notify_reply("(uint32 0,)", id));
  EXPECT_FALSE(TouchNotifier::parse_notify_reply("(uint32 99999999999,)", id));
  EXPECT_FALSE(TouchNotifier::parse_notify_reply("Error: GDBus.Error:...", id));
}

TEST(ApprovalCacheTest, RemembersUntilExpiry) {
  ApprovalCache a;
  a.remember("x", std::chrono::seconds(1));
  a.remember("y", std::chrono::seconds(0));
  EXPECT_TRUE(a.approved("x"));
  EXPECT_FALSE(a.approved("y"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_FALSE(a.approved("x"));
  a.remember("z", std::chrono::seconds(60));
  a.clear();
  EXPECT_FALSE(a.approved("z"));
}

}  // namespace
}  // namespace skagent
