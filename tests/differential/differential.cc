// SPDX-License-Identifier: BSD-2-Clause
// skagent-differential: drives OpenSSH's own ssh-agent and skagent with the same message
// sequences and compares the answers (tests/differential/README.md).
//
//   skagent-differential --openssh DIR --skagent PATH [--sequences N] [--seed S]
//                        [--corpus DIR] [--known FILE] [--replay FILE] [--verbose]
//
// DIR is an OpenSSH build (tests/openssh/build_latest.sh prints it): DIR/ssh-agent,
// DIR/ssh-sk-helper, DIR/regress/misc/sk-dummy/sk-dummy.so. Each agent runs in its own temp
// dir with `-D -a SOCK`. Sequences are generated (every key type, certificates, every
// constraint, session-binds with real host-key signatures, user-auth and SSHSIG sign requests,
// lock/unlock, remove, extensions, malformed frames) or taken from recorded real client
// traffic (--corpus: tests/fuzz/corpus/agent_dispatch), then mutated field by field and as a
// sequence. Reply types are always compared; bytes where both agents are deterministic
// (lists, Ed25519 and RSA signatures); other signatures must verify. The first difference of a
// sequence ends it; a difference matching a line of --known is counted, any other is
// minimized and printed (replayable with --replay), and the exit status is 1.
#include <fnmatch.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "agent/protocol/messages.h"
#include "agent/protocol/userauth_request.h"
#include "ssh/key_file.h"
#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"
#include "tests/common/hex.h"

using namespace skagent;
using namespace skagent::test;
using skagent::testing::add_body;
using skagent::testing::AgentClient;
using skagent::testing::sign_body;

namespace {

// ------------------------------------------------------------------ agents

struct AgentProcess {
  std::string name, dir, sock;
  pid_t pid = -1;

  bool start(const std::string& program, const std::string& allow, const std::string& sk_helper) {
    char tmpl[] = "/tmp/skagent-diff.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return false;
    dir = tmpl;
    sock = dir + "/agent.sock";
    pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      // Both agents see the same environment: no prompter (a confirm is refused at once by
      // both), their own HOME, OpenSSH's sk helper from the same build.
      // (an environment of its own, built here: the test's is never changed)
      std::string env[] = {"PATH=/usr/bin:/bin", "HOME=" + dir, "SSH_ASKPASS_REQUIRE=never",
                           "SSH_SK_HELPER=" + sk_helper};
      char* envp[] = {env[0].data(), env[1].data(), env[2].data(), env[3].data(), nullptr};
      std::string log = dir + "/agent.log";
      FILE* f = freopen(log.c_str(), "w", stderr);
      (void)f;
      execle(program.c_str(), program.c_str(), "-D", "-a", sock.c_str(), "-P", allow.c_str(),
             static_cast<char*>(nullptr), envp);
      _exit(127);
    }
    for (int i = 0; i < 500; i++) {
      if (std::filesystem::exists(sock)) return true;
      usleep(10000);
    }
    return false;
  }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

// ------------------------------------------------------------------ keys and builders

struct Pool {
  std::vector<PrivateKey> user;  // software keys, then certificates of some of them
  std::vector<std::string> user_names;
  std::vector<PrivateKey> hosts;        // host keys: ed25519, ecdsa p256, rsa, ecdsa p384
  PrivateKey* host_cert_key = nullptr;  // hosts.back(): its public key is a host certificate
  PrivateKey host_ca = generate(KeyType::ed25519);
  PrivateKey user_ca = generate(KeyType::ecdsa_p256);
  std::vector<PrivateKey> sk;  // enrolled on sk-dummy (may be empty)
  std::string sk_provider;
};

PrivateKey copy_key(const PrivateKey& k) {
  Writer w;
  k.write(w);
  Reader r(w.bytes());
  auto c = PrivateKey::read(r);
  if (!c) abort();
  return std::move(*c);
}

Bytes u32be(uint32_t v) {
  Writer w;
  w.u32(v);
  return w.take();
}

// The SSHSIG "signed data" ssh-keygen -Y sign asks the agent to sign.
Bytes sshsig_data(const std::string& ns, std::mt19937& rng) {
  Writer w;
  w.raw(view("SSHSIG"));
  w.string(ns);
  w.string(Bytes{});
  w.string(rng() % 2 ? "sha512" : "sha256");
  Bytes h(rng() % 2 ? 64 : 32);
  for (auto& b : h) b = uint8_t(rng());
  w.string(h);
  return w.take();
}

// Re-encodes an ECDSA or RSA signature blob with one leading zero byte more in its first
// (r or RSA s) or second (ECDSA s) integer: OpenSSH strips such zeros.
Bytes pad_signature(ByteView sig, bool second) {
  Reader r(sig);
  ByteView alg, inner;
  if (!r.string(alg) || !r.string(inner)) return to_bytes(sig);
  std::string a(alg.begin(), alg.end());
  Writer w;
  w.string(alg);
  if (a.rfind("ecdsa-", 0) == 0) {
    Reader ri(inner);
    ByteView rr, ss;
    if (!ri.string(rr) || !ri.string(ss)) return to_bytes(sig);
    Writer in;
    Bytes pr(1, 0), ps(1, 0);
    pr.insert(pr.end(), rr.begin(), rr.end());
    ps.insert(ps.end(), ss.begin(), ss.end());
    in.string(second ? ByteView(rr) : ByteView(pr));
    in.string(second ? ByteView(ps) : ByteView(ss));
    w.string(in.bytes());
  } else {
    Bytes p(1, 0);
    p.insert(p.end(), inner.begin(), inner.end());
    w.string(p);
  }
  return w.take();
}

// An ADD body for an RSA key with a leading zero in the `which`-th integer (n e d iqmp p q).
Bytes padded_rsa_add(const PrivateKey& k, int which, const std::string& comment) {
  Writer src;
  k.write(src);
  Reader r(src.bytes());
  ByteView type;
  if (!r.string(type)) return {};
  Writer w;
  w.string(type);
  for (int i = 0; i < 6; i++) {
    ByteView m;
    if (!r.string(m)) return {};
    if (i == which) {
      Bytes p(1, 0);
      p.insert(p.end(), m.begin(), m.end());
      w.string(p);
    } else {
      w.string(m);
    }
  }
  w.raw(r.rest());
  w.string(comment);
  return w.take();
}

// ------------------------------------------------------------------ operations

struct Op {
  int conn = 0;
  Bytes msg;        // type byte, then body
  std::string tag;  // how it was made or mutated ("" = as generated)
};
using Seq = std::vector<Op>;

Op op(int conn, uint8_t type, ByteView body, std::string tag = {}) {
  Op o;
  o.conn = conn;
  o.msg.push_back(type);
  o.msg.insert(o.msg.end(), body.begin(), body.end());
  o.tag = std::move(tag);
  return o;
}

Bytes ext_body(std::string_view name, ByteView rest) {
  Writer w;
  w.string(name);
  w.raw(rest);
  return w.take();
}

const char* kPasswords[] = {"a lock password", "", "x"};

class Generator {
 public:
  Generator(Pool& p, std::mt19937& rng) : p_(p), rng_(rng) {}

  Seq sequence() {
    Seq s;
    sids_.assign(2, {});
    int n = 2 + int(rng_() % 10);
    for (int i = 0; i < n; i++) one(s);
    return s;
  }

 private:
  size_t pick(size_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(unsigned pct) { return rng_() % 100 < pct; }

  Bytes random_bytes(size_t n) {
    Bytes b(n);
    for (auto& x : b) x = uint8_t(rng_());
    return b;
  }

  HopSpec hop(int which) {
    HopSpec h;
    if (which < 0) return h;  // the origin: this machine
    static const char* names[] = {"hosta", "hostb", "hostc", "hostd"};
    h.hostname = names[which];
    if (size_t(which) + 1 == p_.hosts.size()) {
      h.keys.push_back({p_.host_ca.public_key(), true});  // hostd: by its CA
    } else {
      h.keys.push_back({p_.hosts[which].public_key(), false});
    }
    return h;
  }

  Bytes destination_constraint() {
    std::vector<Bytes> list;
    int n = 1 + int(pick(3));
    for (int i = 0; i < n; i++) {
      int from = chance(60) ? -1 : int(pick(p_.hosts.size()));
      HopSpec to = hop(int(pick(p_.hosts.size())));
      if (chance(25)) to.user = chance(50) ? "alice" : "bob";
      list.push_back(constraint_bytes(hop(from), to));
    }
    return constraint_extension("restrict-destination-v00@openssh.com",
                                as_ssh_string(concat(list)));
  }

  Bytes constraints() {
    Writer w;
    if (chance(30)) {
      w.u8(1);
      uint32_t life = chance(95) ? 3600 : 0;  // 0: what a hostile client may send
      w.u32(life);
      if (life == 0) tag_ = "lifetime-0";
    }
    if (chance(15)) w.u8(2);  // confirm: refused at once by both (no prompter)
    if (chance(40)) w.raw(destination_constraint());
    if (chance(5))
      w.raw(constraint_extension("unknown@example.org", as_ssh_string(random_bytes(pick(4)))));
    if (chance(5))
      w.raw(constraint_extension("sk-provider@openssh.com", as_ssh_string(view(p_.sk_provider))));
    return w.take();
  }

  void add(Seq& s, int conn) {
    bool use_sk = !p_.sk.empty() && chance(10);
    const PrivateKey& k = use_sk ? p_.sk[pick(p_.sk.size())] : p_.user[pick(p_.user.size())];
    std::string comment = "key-" + std::to_string(pick(4));
    if (k.public_key().type == KeyType::rsa && !k.public_key().is_cert() && chance(10)) {
      int which = int(pick(6));
      s.push_back(op(conn, msg::kAddIdentity, padded_rsa_add(k, which, comment),
                     "rsa-mpint-leading-zero-" + std::to_string(which)));
      return;
    }
    tag_.clear();
    Bytes c = constraints();
    if (use_sk)
      c = concat({c, constraint_extension("sk-provider@openssh.com",
                                          as_ssh_string(view(p_.sk_provider)))});
    if (c.empty() && chance(50)) {
      s.push_back(op(conn, msg::kAddIdentity, add_body(k, comment)));
    } else {
      s.push_back(op(conn, msg::kAddIdConstrained, add_body(k, comment, c), tag_));
    }
  }

  const PublicKey& any_public() {
    if (!p_.sk.empty() && chance(10)) return p_.sk[pick(p_.sk.size())].public_key();
    if (chance(5)) return p_.hosts[pick(p_.hosts.size())].public_key();  // never added
    return p_.user[pick(p_.user.size())].public_key();
  }

  void bind(Seq& s, int conn) {
    size_t hi = pick(p_.hosts.size());
    const PrivateKey& h = p_.hosts[hi];
    Bytes sid = chance(10) && !sids_[conn].empty() ? sids_[conn].back()
                                                   : random_bytes(chance(90) ? 32 : 64);
    bool fwd = chance(60);
    Bytes sig = sign(h, sid);
    std::string tag;
    int m = int(pick(100));
    if (m < 12) {
      sig = pad_signature(sig, m % 2 == 1);
      tag = m % 2 ? "sig-second-int-leading-zero" : "sig-first-int-leading-zero";
    } else if (m < 15) {
      sig = sign(h, random_bytes(32));
      tag = "sig-over-other-sid";
    } else if (m < 18) {
      sig = sign(p_.hosts[(hi + 1) % p_.hosts.size()], sid);
      tag = "sig-by-other-key";
    } else if (m < 20 && h.public_key().type == KeyType::rsa) {
      sig = sign(h, sid, RsaHash::sha1);
      tag = "sig-rsa-sha1";
    }
    Writer w;
    w.string(h.public_key().blob());
    w.string(sid);
    w.string(sig);
    w.boolean(fwd);
    sids_[conn].push_back(sid);
    s.push_back(op(conn, msg::kExtension, ext_body("session-bind@openssh.com", w.bytes()), tag));
  }

  void sign_req(Seq& s, int conn) {
    const PublicKey& k = any_public();
    Bytes data;
    int kind = int(pick(3));
    if (kind == 0) {
      Userauth u;
      u.key = &k;
      if (!sids_[conn].empty() && chance(80)) u.session_id = sids_[conn][pick(sids_[conn].size())];
      u.user = chance(50) ? "alice" : "bob";
      if (k.type == KeyType::rsa)
        u.alg = std::string(chance(50) ? "rsa-sha2-512" : "rsa-sha2-256") +
                (k.is_cert() ? "-cert-v01@openssh.com" : "");
      if (chance(10)) {
        u.method = "publickey-hostbound-v00@openssh.com";
        u.host_key = &p_.hosts[pick(p_.hosts.size())].public_key();
      }
      data = u.build();
    } else if (kind == 1) {
      static const char* ns[] = {"git", "file", "ssh-connection", ""};
      data = sshsig_data(ns[pick(4)], rng_);
    } else {
      data = random_bytes(1 + pick(64));
    }
    uint32_t flags = 0;
    if (k.type == KeyType::rsa) {
      static const uint32_t f[] = {0, 2, 4, 6};
      flags = f[pick(4)];
    } else if (chance(5)) {
      flags = uint32_t(rng_());
    }
    s.push_back(op(conn, msg::kSignRequest, sign_body(k.blob(), data, flags)));
  }

  void one(Seq& s) {
    int conn = chance(75) ? 0 : 1;
    int what = int(pick(100));
    if (what < 25) {
      add(s, conn);
    } else if (what < 45) {
      sign_req(s, conn);
    } else if (what < 58) {
      bind(s, conn);
    } else if (what < 68) {
      s.push_back(op(conn, msg::kRequestIdentities, {}));
    } else if (what < 74) {
      Writer w;
      w.string(any_public().blob());
      s.push_back(op(conn, msg::kRemoveIdentity, w.bytes()));
    } else if (what < 77) {
      s.push_back(op(conn, msg::kRemoveAllIdentities, {}));
    } else if (what < 82) {
      // Lock, something while locked, unlock with the right password (a wrong one costs
      // both agents a growing delay, so it is rare).
      Writer pw;
      const char* p = kPasswords[pick(3)];
      pw.string(p);
      s.push_back(op(conn, msg::kLock, pw.bytes()));
      one(s);
      Writer un;
      un.string(chance(2) ? "wrong" : p);
      s.push_back(op(conn, msg::kUnlock, un.bytes()));
    } else if (what < 86) {
      s.push_back(op(conn, msg::kExtension, ext_body("query", {})));
    } else if (what < 88) {
      s.push_back(
          op(conn, msg::kExtension, ext_body("unknown@example.org", random_bytes(pick(8)))));
    } else if (what < 91) {
      Writer w;
      w.string(p_.sk_provider);
      w.string("");
      s.push_back(
          op(conn, chance(50) ? msg::kAddSmartcardKey : msg::kRemoveSmartcardKey, w.bytes()));
    } else {
      static const uint8_t types[] = {0, 1, 2, 9, 10, 24, 30, 99, 200, 255};
      s.push_back(op(conn, types[pick(sizeof(types))], random_bytes(pick(16)), "random-frame"));
    }
  }

  Pool& p_;
  std::mt19937& rng_;
  std::vector<std::vector<Bytes>> sids_;
  std::string tag_;
};

// ------------------------------------------------------------------ mutations

// Never mutated, never produced: a lock with a password nobody knows, or a wrong unlock
// (each costs both agents a delay that grows for good).
bool lock_frame(const Op& o) {
  return !o.msg.empty() && (o.msg[0] == msg::kLock || o.msg[0] == msg::kUnlock);
}

void mutate_frame(Op& o, std::mt19937& rng) {
  if (o.msg.empty() || lock_frame(o)) return;
  size_t n = o.msg.size();
  switch (rng() % 7) {
    case 0:  // truncate
      if (n > 1) {
        o.msg.resize(1 + rng() % (n - 1));
        o.tag += "+truncated";
      }
      break;
    case 1: {  // extra bytes
      size_t k = 1 + rng() % 8;
      for (size_t i = 0; i < k; i++) o.msg.push_back(uint8_t(rng()));
      o.tag += "+extra-bytes";
      break;
    }
    case 2:  // flip a byte
      if (n > 1) {
        o.msg[1 + rng() % (n - 1)] ^= uint8_t(1u << (rng() % 8));
        o.tag += "+bit-flip";
      }
      break;
    case 3: {  // type byte
      static const uint8_t types[] = {5,  6,  9,  11, 12, 13, 17, 18, 19,
                                      20, 21, 24, 25, 26, 27, 28, 255};
      o.msg[0] = types[rng() % sizeof(types)];
      o.tag += "+type";
      break;
    }
    case 4:
    case 5: {  // a length field: some u32 that fits what follows it
      std::vector<size_t> at;
      for (size_t i = 1; i + 4 <= n; i++) {
        uint32_t v = (uint32_t(o.msg[i]) << 24) | (uint32_t(o.msg[i + 1]) << 16) |
                     (uint32_t(o.msg[i + 2]) << 8) | o.msg[i + 3];
        if (v <= n - i - 4) at.push_back(i);
      }
      if (at.empty()) break;
      size_t i = at[rng() % at.size()];
      uint32_t v = (uint32_t(o.msg[i]) << 24) | (uint32_t(o.msg[i + 1]) << 16) |
                   (uint32_t(o.msg[i + 2]) << 8) | o.msg[i + 3];
      static const int64_t deltas[] = {1, -1, 0x7fffffff};
      uint32_t nv = rng() % 4 == 3 ? 0 : uint32_t(int64_t(v) + deltas[rng() % 3]);
      Bytes b = u32be(nv);
      std::copy(b.begin(), b.end(), o.msg.begin() + long(i));
      o.tag += "+length";
      break;
    }
    default:  // insert a zero byte (a leading zero in whatever starts here)
      if (n > 1) {
        o.msg.insert(o.msg.begin() + long(1 + rng() % (n - 1)), 0);
        o.tag += "+zero-inserted";
      }
      break;
  }
  if (lock_frame(o)) o.msg[0] = 99;
}

void mutate_sequence(Seq& s, const std::vector<Seq>& others, std::mt19937& rng) {
  int rounds = 1 + int(rng() % 3);
  for (int r = 0; r < rounds && !s.empty(); r++) {
    size_t i = rng() % s.size();
    switch (rng() % 6) {
      case 0:
      case 1:
        mutate_frame(s[i], rng);
        break;
      case 2:  // duplicate
        if (!lock_frame(s[i])) s.insert(s.begin() + long(i), s[i]);
        break;
      case 3: {  // reorder (lock frames stay where they are)
        size_t j = rng() % s.size();
        if (!lock_frame(s[i]) && !lock_frame(s[j])) std::swap(s[i], s[j]);
        break;
      }
      case 4: {  // splice a run of another sequence in
        if (others.empty()) break;
        const Seq& o = others[rng() % others.size()];
        if (o.empty()) break;
        size_t a = rng() % o.size(), b = std::min(o.size(), a + 1 + rng() % 4);
        for (size_t k = a; k < b; k++)
          if (!lock_frame(o[k])) s.insert(s.begin() + long(i), o[k]);
        break;
      }
      default:  // another connection
        if (!lock_frame(s[i])) s[i].conn ^= 1;
        break;
    }
  }
}

// ------------------------------------------------------------------ running and comparing

struct ConnState {
  bool bound = false, forwarded = false;
  bool bind_failed = false;  // a session-bind was answered 28 here: skagent distrusts it for good
  bool locked = false;       // the agent (as the reference agent answered): set per request
};

std::string key_label(ByteView blob) {
  auto k = parse_public_key(blob);
  if (!k) return "unparsable";
  return std::string(k->type_name());
}

// What the data is, as skagent's policy sees it (a user-auth request must name the key and an
// algorithm of its type, certificate or not).
std::string data_kind(ByteView blob, ByteView data) {
  if (data.size() >= 6 && std::string(data.begin(), data.begin() + 6) == "SSHSIG") return "sshsig";
  auto key = parse_public_key(blob);
  if (key && parse_userauth_request(data, *key)) return "userauth";
  return "other";
}

// What the request is, for the table of deliberate differences.
std::string describe(const Op& o, const ConnState& c) {
  std::ostringstream s;
  std::string conn = c.forwarded ? "forwarded" : c.bound ? "bound" : "local";
  if (o.msg.empty()) return "empty";
  Reader r(ByteView(o.msg).subspan(1));
  switch (o.msg[0]) {
    case msg::kRequestIdentities:
      s << "list";
      break;
    case msg::kSignRequest: {
      ByteView blob, data;
      uint32_t flags = 0;
      s << "sign";
      if (r.string(blob)) s << " key=" << key_label(blob);
      if (r.string(data)) s << " data=" << data_kind(blob, data);
      if (r.u32(flags)) s << " flags=" << flags;
      break;
    }
    case msg::kAddIdentity:
    case msg::kAddIdConstrained: {
      std::string type;
      s << (o.msg[0] == msg::kAddIdentity ? "add" : "add-constrained");
      if (r.cstring(type)) s << " key=" << type;
      std::string body(o.msg.begin(), o.msg.end());
      for (const char* c2 : {"restrict-destination-v00@openssh.com", "sk-provider@openssh.com",
                             "unknown@example.org"})
        if (body.find(c2) != std::string::npos) s << " +" << c2;
      break;
    }
    case msg::kRemoveIdentity: {
      ByteView blob;
      s << "remove";
      if (r.string(blob)) s << " key=" << key_label(blob);
      break;
    }
    case msg::kRemoveAllIdentities:
      s << "remove-all";
      break;
    case msg::kLock:
      s << "lock";
      break;
    case msg::kUnlock:
      s << "unlock";
      break;
    case msg::kExtension: {
      std::string name;
      s << "ext";
      if (r.cstring(name)) s << " " << name;
      if (name == "session-bind@openssh.com") {
        ByteView hk;
        if (r.string(hk)) s << " hostkey=" << key_label(hk);
      }
      break;
    }
    default:
      s << "type=" << int(o.msg[0]);
      break;
  }
  s << " conn=" << conn << (c.bind_failed ? " bind-failed" : "") << (c.locked ? " locked" : "");
  if (!o.tag.empty()) s << " tag=" << o.tag;
  return s.str();
}

std::string hex(ByteView b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

// A reply as text: the type, or closed / timeout.
std::string reply_name(const std::optional<Bytes>& r, bool eof) {
  if (!r) return eof ? "closed" : "timeout";
  if (r->empty()) return "empty";
  return std::to_string((*r)[0]);
}

struct Known {
  std::string pattern, reason;
  uint64_t hits = 0;
};

class Runner {
 public:
  Runner(std::string openssh_agent, std::string skagent, std::string allow, std::string sk_helper)
      : prog_{std::move(openssh_agent), std::move(skagent)},
        allow_(std::move(allow)),
        sk_helper_(std::move(sk_helper)) {}
  ~Runner() { stop(); }

  bool start() {
    for (int i = 0; i < 2; i++) {
      a_[i].name = i == 0 ? "openssh" : "skagent";
      if (!a_[i].start(prog_[i], allow_, sk_helper_)) {
        fprintf(stderr, "differential: cannot start %s (%s)\n", prog_[i].c_str(),
                a_[i].dir.c_str());
        return false;
      }
    }
    restarts_++;
    return true;
  }
  void stop() {
    for (auto& a : a_) a.stop();
  }

  // Runs `s` from a clean state; returns the first difference ("" when none).
  std::string run(const Seq& s, bool verbose) {
    if (!reset(s)) {
      stop();
      if (!start()) return "harness: agents could not be restarted";
    }
    std::unique_ptr<AgentClient> c[2][2];
    ConnState st[2];
    bool locked = false;
    for (const Op& o : s) {
      int k = o.conn & 1;
      for (int i = 0; i < 2; i++)
        if (!c[k][i]) c[k][i] = std::make_unique<AgentClient>(a_[i].sock);
      st[k].locked = locked;
      std::string label = describe(o, st[k]);
      for (int i = 0; i < 2; i++) {
        Writer w;
        w.u32(uint32_t(o.msg.size()));
        w.raw(o.msg);
        c[k][i]->send_raw(w.bytes());
      }
      std::optional<Bytes> rep[2];
      bool eof[2];
      for (int i = 0; i < 2; i++) {
        rep[i] = c[k][i]->receive(5000);
        eof[i] = !rep[i] && c[k][i]->closed_by_peer(0);
      }
      if (verbose) {
        printf("  %s -> openssh %s, skagent %s\n", label.c_str(),
               reply_name(rep[0], eof[0]).c_str(), reply_name(rep[1], eof[1]).c_str());
        if (rep[0] && rep[1] && *rep[0] != *rep[1])
          printf("    openssh %s\n    skagent %s\n", hex(*rep[0]).c_str(), hex(*rep[1]).c_str());
      }
      std::string diff = compare(o, rep, eof);
      if (!diff.empty()) {
        // What earlier messages were made with (a key added with lifetime 0 shows in a list).
        std::set<std::string> before;
        for (const Op* p = s.data(); p != &o; p++)
          if (!p->tag.empty()) before.insert(p->tag);
        std::string after;
        for (const auto& t : before) after += (after.empty() ? "" : ",") + t;
        return label + (after.empty() ? "" : " after:" + after) + " :: " + diff;
      }
      // What the reference agent accepted shapes the labels.
      if (rep[0] && *rep[0] == Bytes{msg::kSuccess} && o.msg[0] == msg::kLock) locked = true;
      if (rep[0] && *rep[0] == Bytes{msg::kSuccess} && o.msg[0] == msg::kUnlock) locked = false;
      if (o.msg[0] == msg::kExtension && rep[0] && *rep[0] == Bytes{msg::kSuccess} &&
          label.rfind("ext session-bind@openssh.com", 0) == 0) {
        st[k].bound = true;
        Bytes m = o.msg;
        if (!m.empty() && m.back() == 1) st[k].forwarded = true;
      }
      if (o.msg[0] == msg::kExtension && rep[0] && *rep[0] == Bytes{msg::kExtensionFailure} &&
          label.rfind("ext session-bind@openssh.com", 0) == 0)
        st[k].bind_failed = true;
      if (!rep[0]) {
        // Both closed (or both timed out): reconnect for what follows.
        c[k][0].reset();
        c[k][1].reset();
        st[k] = {};
      }
    }
    return {};
  }

  uint64_t restarts() const { return restarts_ - 1; }

 private:
  std::string compare(const Op& o, const std::optional<Bytes> (&rep)[2], const bool (&eof)[2]) {
    std::string n0 = reply_name(rep[0], eof[0]), n1 = reply_name(rep[1], eof[1]);
    if (n0 != n1) return "openssh=" + n0 + " skagent=" + n1;
    if (!rep[0] || *rep[0] == *rep[1]) return {};
    uint8_t t = (*rep[0])[0];
    if (t == msg::kExtensionResponse) return {};  // query lists differ by design; types agree
    if (t == msg::kIdentitiesAnswer) return "openssh=12 skagent=12 lists differ";
    if (t == msg::kSignResponse) {
      Reader r(ByteView(o.msg).subspan(1));
      ByteView blob, data;
      if (!r.string(blob) || !r.string(data)) return "sign response to an unparsable request";
      auto key = parse_public_key(blob);
      if (!key) return "sign response for an unparsable key";
      std::string why;
      for (int i = 0; i < 2; i++) {
        Reader sr(ByteView(*rep[i]).subspan(1));
        ByteView sig;
        if (!sr.string(sig) || !sr.empty())
          return std::string(i ? "skagent" : "openssh") + " sign response malformed";
        auto v = verify_signature(*key, sig, data);
        if (!v)
          return std::string(i ? "skagent" : "openssh") +
                 " signature does not verify: " + v.error().message;
      }
      KeyType kt = key->type;
      if (kt == KeyType::ed25519 || kt == KeyType::rsa)
        return "openssh=14 skagent=14 signatures differ";
      return {};  // ECDSA and security keys: both verify
    }
    return "openssh=" + n0 + " skagent=" + n1 + " bodies differ";
  }

  // A fresh state: remove-all on a new connection, unlocking first with what the last
  // sequence locked with. False when that did not work (the caller restarts both agents).
  bool reset(const Seq& last) {
    for (int i = 0; i < 2; i++) {
      AgentClient c(a_[i].sock);
      if (!c.connected()) return false;
      if (c.call_ok(msg::kRemoveAllIdentities)) continue;
      bool ok = false;
      for (const Op& o : last) {
        if (o.msg.empty() || o.msg[0] != msg::kLock) continue;
        c.call(msg::kUnlock, ByteView(o.msg).subspan(1));
        if (c.call_ok(msg::kRemoveAllIdentities)) {
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    return true;
  }

  std::string prog_[2];
  std::string allow_, sk_helper_;
  AgentProcess a_[2];
  uint64_t restarts_ = 0;
};

// ------------------------------------------------------------------ output, input

using skagent::testing::from_hex;

void print_seq(FILE* f, const Seq& s) {
  for (const Op& o : s)
    fprintf(f, "%d %s%s%s\n", o.conn, hex(o.msg).c_str(), o.tag.empty() ? "" : " ", o.tag.c_str());
}

// Replay files: one "CONN HEX [TAG]" line per message, as print_seq writes them.
Seq read_seq(const std::string& path) {
  Seq s;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    Op o;
    std::string h;
    if (!(ls >> o.conn >> h)) continue;
    o.msg = from_hex(h);
    ls >> o.tag;
    s.push_back(std::move(o));
  }
  return s;
}

// Recorded client streams (uint32 length + message, repeated) as sequences on connection 0.
std::vector<Seq> read_corpus(const std::string& dir) {
  std::vector<Seq> out;
  if (dir.empty() || !std::filesystem::is_directory(dir)) return out;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Reader r(b);
    Seq s;
    ByteView m;
    while (r.string(m))
      if (!m.empty()) s.push_back(op(0, m[0], m.subspan(1), "recorded"));
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::vector<Known> read_known(const std::string& path) {
  std::vector<Known> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sep = line.find(" :: reason: ");
    Known k;
    k.pattern = line.substr(0, sep);
    k.reason = sep == std::string::npos ? "" : line.substr(sep + 12);
    out.push_back(k);
  }
  return out;
}

Known* match_known(std::vector<Known>& known, const std::string& diff) {
  for (auto& k : known)
    if (fnmatch(k.pattern.c_str(), diff.c_str(), 0) == 0) return &k;
  return nullptr;
}

// Drops messages one at a time while the first difference stays the same.
Seq minimize(Runner& run, Seq s, const std::string& diff) {
  for (size_t i = s.size(); i-- > 0;) {
    Seq t = s;
    t.erase(t.begin() + long(i));
    if (!t.empty() && run.run(t, false) == diff) s = std::move(t);
  }
  return s;
}

// Host keys, user keys and certificates, and security keys enrolled on sk-dummy through
// OpenSSH's ssh-keygen (skipped, with a note, when that does not work).
void make_pool(Pool& p, const std::string& openssh_dir) {
  for (auto [t, bits] : std::vector<std::pair<KeyType, unsigned>>{{KeyType::ed25519, 0},
                                                                  {KeyType::ecdsa_p256, 0},
                                                                  {KeyType::ecdsa_p384, 0},
                                                                  {KeyType::ecdsa_p521, 0},
                                                                  {KeyType::rsa, 2048}}) {
    p.user.push_back(generate(t, bits));
  }
  for (size_t i : {0, 1, 4}) {  // user certificates of ed25519, p256, rsa keys
    PrivateKey c = copy_key(p.user[i]);
    CertSpec spec;
    spec.type = Certificate::kUser;
    spec.principals = {"alice"};
    c.set_public_key(certify(p.user[i].public_key(), p.user_ca, spec));
    p.user.push_back(std::move(c));
  }
  p.hosts.push_back(generate(KeyType::ed25519));
  p.hosts.push_back(generate(KeyType::ecdsa_p256));
  p.hosts.push_back(generate(KeyType::rsa, 2048));
  PrivateKey hc = generate(KeyType::ecdsa_p384);
  CertSpec hs;
  hs.principals = {"hostd"};
  hc.set_public_key(certify(hc.public_key(), p.host_ca, hs));
  p.hosts.push_back(std::move(hc));

  // Both agents match -P against the provider's real path.
  std::error_code ec;
  p.sk_provider =
      std::filesystem::canonical(openssh_dir + "/regress/misc/sk-dummy/sk-dummy.so", ec).string();
  char tmpl[] = "/tmp/skagent-diff-sk.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  std::string d = tmpl;
  for (const char* t : {"ed25519-sk", "ecdsa-sk"}) {
    std::string f = d + "/" + t;
    std::string cmd = "SSH_SK_HELPER='" + openssh_dir + "/ssh-sk-helper' '" + openssh_dir +
                      "/ssh-keygen' -q -t " + t + " -w '" + p.sk_provider + "' -N '' -C sk -f '" +
                      f + "' </dev/null >/dev/null 2>&1";
    if (system(cmd.c_str()) != 0) {
      fprintf(stderr, "differential: note: could not enroll a %s key on sk-dummy\n", t);
      continue;
    }
    std::ifstream in(f);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto k = read_private_key_file(view(text), "");
    if (k) p.sk.push_back(std::move(k->key));
  }
  std::filesystem::remove_all(d);
}

}  // namespace

int main(int argc, char** argv) {
  std::string openssh, skagent_path, corpus_dir, known_path, replay;
  uint64_t sequences = 1000;
  uint32_t seed = 1;
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--openssh") openssh = next();
    else if (a == "--skagent") skagent_path = next();
    else if (a == "--sequences") sequences = std::stoull(next());
    else if (a == "--seed") seed = uint32_t(std::stoul(next()));
    else if (a == "--corpus") corpus_dir = next();
    else if (a == "--known") known_path = next();
    else if (a == "--replay") replay = next();
    else if (a == "--verbose") verbose = true;
    else {
      fprintf(stderr,
              "usage: skagent-differential --openssh DIR --skagent PATH [--sequences N] [--seed S] "
              "[--corpus DIR] [--known FILE] [--replay FILE] [--verbose]\n");
      return 2;
    }
  }
  if (openssh.empty() || skagent_path.empty() || !std::filesystem::exists(openssh + "/ssh-agent")) {
    fprintf(stderr, "differential: no OpenSSH agent at %s/ssh-agent: could not run\n",
            openssh.c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Pool pool;
  make_pool(pool, openssh);
  std::string allow = std::filesystem::path(pool.sk_provider).parent_path().string() + "/*," +
                      "/usr/lib/openssh/regress/misc/sk-dummy/*";
  Runner runner(openssh + "/ssh-agent", skagent_path, allow, openssh + "/ssh-sk-helper");
  if (!runner.start()) return 2;

  if (!replay.empty()) {
    Seq s = read_seq(replay);
    std::string d = runner.run(s, true);
    printf("%s\n", d.empty() ? "no difference" : d.c_str());
    return d.empty() ? 0 : 1;
  }

  std::vector<Known> known = read_known(known_path);
  std::vector<Seq> corpus = read_corpus(corpus_dir);
  std::mt19937 rng(seed);
  Generator gen(pool, rng);
  std::map<std::string, uint64_t> fresh;  // new differences and how often each was seen
  uint64_t with_diff = 0, same = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t n = 0; n < sequences; n++) {
    Seq s;
    if (!corpus.empty() && rng() % 100 < 25) {
      s = corpus[rng() % corpus.size()];
      if (rng() % 100 < 80) mutate_sequence(s, corpus, rng);
    } else {
      s = gen.sequence();
      if (rng() % 100 < 50) mutate_sequence(s, corpus, rng);
    }
    std::string d = runner.run(s, verbose);
    if (d.empty()) {
      same++;
      continue;
    }
    with_diff++;
    if (Known* k = match_known(known, d)) {
      k->hits++;
      continue;
    }
    if (fresh[d]++ > 0) continue;
    Seq m = minimize(runner, s, d);
    printf(
        "NEW DIFFERENCE (sequence %llu): %s\n  minimized reproduction (replay: --replay FILE with "
        "these lines):\n",
        (unsigned long long)n, d.c_str());
    print_seq(stdout, m);
    fflush(stdout);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printf(
      "differential: %llu sequences (seed %u) in %.1f s: %llu identical, %llu with a difference "
      "(%zu deliberate kinds seen, %zu new kinds), %llu agent restarts\n",
      (unsigned long long)sequences, seed, secs, (unsigned long long)same,
      (unsigned long long)with_diff,
      size_t(std::count_if(known.begin(), known.end(), [](const Known& k) { return k.hits > 0; })),
      fresh.size(), (unsigned long long)runner.restarts());
  for (const auto& k : known)
    if (k.hits > 0)
      printf("  deliberate x%llu: %s\n", (unsigned long long)k.hits, k.pattern.c_str());
  for (const auto& [d, c] : fresh) printf("  NEW x%llu: %s\n", (unsigned long long)c, d.c_str());
  return fresh.empty() ? 0 : 1;
}
