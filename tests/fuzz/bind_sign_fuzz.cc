// SPDX-License-Identifier: BSD-2-Clause
// Structure-aware session-bind + sign: the input (read through FuzzedDataProvider) chooses
// destination constraints for two keys, then session-binds on two connections — with REAL
// signatures by fixed host keys over the session ids it chooses, or deliberately bad ones —
// and user-auth, hostbound, SSHSIG and other sign requests, lists and removes. So it gets past
// signature verification into the hop checks. One Agent for every input; a key is added again
// (which replaces it, constraints and all) only when an input asks for other constraints than
// it was last added with, or an input asked to remove it. An input makes at most kMaxOps
// requests after the adds.
//
// Speed: the agent verifies every session-bind and makes every signature itself. The harness
// signs a session id with a host key once (kept, Ed25519 being deterministic) and checks a
// signature the agent returns by comparing it with one it verified before for the same key
// and data, verifying only what it has not seen. Session ids come mostly from a fixed set
// (lengths 0 to 129), so those signatures and the agent's verifications are made once; key
// blobs and hop encodings are made once.
//
// Oracles, from OpenSSH's process_sign_request: a destination-constrained key signs only on a
// connection with at least one accepted bind, only a user-auth request whose session id is the
// last bound one and whose host key (if any) is the last bound host key, which must be named
// by one of the key's to-hops (for that user, if the hop names one); with more than one bind
// the request must carry the host key. Every returned signature verifies.
// SKAGENT_FUZZ_FAIL_CLOSED_BIND=1 adds defect 1 of issue 13: after a failed bind on a
// connection, a destination-constrained key never signs there.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

namespace {

constexpr int kHosts = 4;
constexpr int kMaxOps = 32;
bool g_fail_closed = false;

// Signatures already made or verified, by (key index, data); emptied when large.
class SignatureCache {
 public:
  const Bytes* find(int key, const Bytes& data) const {
    auto it = map_.find({key, data});
    return it == map_.end() ? nullptr : &it->second;
  }
  void put(int key, const Bytes& data, Bytes sig) {
    if (map_.size() >= 65536) map_.clear();
    map_[{key, data}] = std::move(sig);
  }

 private:
  std::map<std::pair<int, Bytes>, Bytes> map_;
};

struct Fixed {
  std::vector<PrivateKey> hosts;  // fixed Ed25519 host keys
  std::vector<Bytes> host_blobs;
  std::vector<Bytes> user_priv;  // private serializations of the two user keys
  std::vector<PrivateKey> user;
  std::vector<Bytes> user_blobs;
  std::vector<Bytes> session_ids;  // the ones inputs mostly choose from (FuzzedDataProvider)
};
Fixed* g_fixed = nullptr;

struct Conn {
  std::shared_ptr<Connection> c = fuzz::in_process_connection(1);
  std::vector<std::pair<Bytes, int>> bound;  // accepted binds: session id, host index
  bool bind_failed = false;
};

struct Hop {
  int from = -1, to = 0;  // host indexes; -1 = this machine
  std::string user;
  bool operator==(const Hop&) const = default;
};

class World {
 public:
  World() {
    opts_.allowed_providers = "/nonexistent-provider-dir/*";
    log_.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, "/nonexistent/skagent-sk-helper",
                           "/nonexistent/skagent-pkcs11-helper")
                 .value();
  }

  Bytes call(const std::shared_ptr<Connection>& conn, ByteView message) {
    fuzz::g_counts.requests++;
    return fuzz::dispatch_sync(*agent_, loop_, conn, message);
  }

  void run(FuzzedDataProvider& in) {
    // Two keys, each with its own destination constraints (none for an empty list).
    std::vector<Hop> hops[2];
    for (int k = 0; k < 2; k++) {
      int n = in.ConsumeIntegralInRange(0, 3);
      for (int i = 0; i < n; i++) {
        Hop h;
        h.from = in.ConsumeIntegralInRange(-1, kHosts - 1);
        h.to = in.ConsumeIntegralInRange(0, kHosts - 1);
        if (in.ConsumeBool()) h.user = in.ConsumeBool() ? "alice" : "bob";
        hops[k].push_back(h);
      }
    }
    for (int k = 0; k < 2; k++) {
      if (!present_[k] || hops[k] != added_[k]) add_key(k, hops[k]);
    }
    Conn conns[2];
    for (int ops = 0; in.remaining_bytes() > 0 && ops < kMaxOps; ops++) {
      Conn& c = conns[in.ConsumeIntegralInRange(0, 1)];
      switch (in.ConsumeIntegralInRange(0, 5)) {
        case 0:
        case 1:
          bind(in, c);
          break;
        case 2:
        case 3:
          sign(in, c, hops);
          break;
        case 4:
          call(c.c, Bytes{msg::kRequestIdentities});
          break;
        default: {
          const int k = in.ConsumeIntegralInRange(0, 1);
          present_[k] = false;  // it may be gone: add it again for the next input
          Writer m;
          m.u8(msg::kRemoveIdentity);
          m.string(g_fixed->user_blobs[size_t(k)]);
          call(c.c, m.bytes());
        }
      }
    }
  }

 private:
  void add_key(int k, const std::vector<Hop>& hops) {
    Writer m;
    m.u8(hops.empty() ? msg::kAddIdentity : msg::kAddIdConstrained);
    m.raw(g_fixed->user_priv[k]);
    m.string("user-key");
    if (!hops.empty()) m.raw(constraint(hops));
    FUZZ_CHECK(call(control_, m.bytes()) == msg::status(true));
    added_[k] = hops;
    present_[k] = true;
  }

  // Made once per host and user (5 x 3 at most): most inputs add a key with new constraints.
  static const Bytes& hop_bytes(int host, const std::string& user) {
    static std::map<std::pair<int, std::string>, Bytes> made;
    auto [it, fresh] = made.try_emplace({host, user});
    if (!fresh) return it->second;
    Writer w;
    w.string(user);
    w.string(host < 0 ? "" : "host" + std::to_string(host));
    w.string(Bytes{});
    if (host >= 0) {
      w.string(g_fixed->host_blobs[size_t(host)]);
      w.boolean(false);
    }
    it->second = w.take();
    return it->second;
  }

  static Bytes constraint(const std::vector<Hop>& hops) {
    Writer list;
    for (const auto& h : hops) {
      Writer one;
      one.string(hop_bytes(h.from, ""));
      one.string(hop_bytes(h.to, h.user));
      one.string(Bytes{});
      list.string(one.bytes());
    }
    Writer w;
    w.u8(255);
    w.string("restrict-destination-v00@openssh.com");
    w.string(list.bytes());
    return w.take();
  }

  // A session id bound on this connection, one of the fixed ones (their lengths include
  // OpenSSH's limit, 128, and one past it) or, one time in ten, any string up to 130 bytes.
  // Only equality and length matter to the agent; the fixed ones are what lets the harness's
  // host signatures and the agent's verifications be reused instead of made per input.
  Bytes session_id(FuzzedDataProvider& in, const Conn& c) {
    if (!c.bound.empty() && in.ConsumeBool())
      return c.bound[in.ConsumeIntegralInRange<size_t>(0, c.bound.size() - 1)].first;
    const auto& fixed = g_fixed->session_ids;
    const size_t i = in.ConsumeIntegralInRange<size_t>(0, fixed.size());
    if (i < fixed.size()) return fixed[i];
    return to_bytes(view(in.ConsumeRandomLengthString(130)));
  }

  void bind(FuzzedDataProvider& in, Conn& c) {
    int h = in.ConsumeIntegralInRange(0, kHosts - 1);
    Bytes sid = session_id(in, c);
    bool fwd = in.ConsumeBool();
    int corrupt = in.ConsumeIntegralInRange(0, 7);  // 0-2: a bad signature
    Bytes signed_over = sid;
    if (corrupt == 0) signed_over.push_back(0);
    const int signer = corrupt == 1 ? (h + 1) % kHosts : h;
    const Bytes* made = host_sigs_.find(signer, signed_over);
    if (made == nullptr) {
      auto sig = g_fixed->hosts[signer].sign(signed_over);
      FUZZ_CHECK(sig.ok());
      host_sigs_.put(signer, signed_over, *sig);
      made = host_sigs_.find(signer, signed_over);
    }
    Bytes s = *made;
    if (corrupt == 2 && !s.empty()) s.back() ^= 1;
    Writer m;
    m.u8(msg::kExtension);
    m.string("session-bind@openssh.com");
    m.string(g_fixed->host_blobs[size_t(h)]);
    m.string(sid);
    m.string(s);
    m.boolean(fwd);
    Bytes r = call(c.c, m.bytes());
    bool ok = r == msg::status(true);
    if (corrupt <= 2) FUZZ_CHECK(!ok);  // a bad signature never binds
    if (ok) {
      if (std::find(c.bound.begin(), c.bound.end(), std::make_pair(sid, h)) == c.bound.end())
        c.bound.emplace_back(sid, h);
    } else {
      c.bind_failed = true;
    }
  }

  void sign(FuzzedDataProvider& in, Conn& c, const std::vector<Hop> (&hops)[2]) {
    int k = in.ConsumeIntegralInRange(0, 1);
    const PublicKey& key = g_fixed->user[k].public_key();
    Bytes sid = session_id(in, c);
    std::string user = in.ConsumeBool() ? "alice" : "bob";
    int host = -1;
    Bytes data;
    int kind = in.ConsumeIntegralInRange(0, 3);
    if (kind <= 1) {
      Writer w;
      w.string(sid);
      w.u8(50);
      w.string(user);
      w.string("ssh-connection");
      w.string(kind == 1 ? "publickey-hostbound-v00@openssh.com" : "publickey");
      w.u8(1);
      w.string(key.type_name());
      w.string(g_fixed->user_blobs[size_t(k)]);
      if (kind == 1) {
        host = in.ConsumeIntegralInRange(0, kHosts - 1);
        w.string(g_fixed->host_blobs[size_t(host)]);
      }
      data = w.take();
    } else if (kind == 2) {
      Writer w;
      w.raw(view("SSHSIG"));
      w.string(in.ConsumeBool() ? "git" : "file");
      w.string(Bytes{});
      w.string("sha512");
      w.string(Bytes(64, 7));
      data = w.take();
    } else {
      data = to_bytes(view(in.ConsumeRandomLengthString(64)));
    }
    Writer m;
    m.u8(msg::kSignRequest);
    m.string(g_fixed->user_blobs[size_t(k)]);
    m.string(data);
    m.u32(0);
    Bytes r = call(c.c, m.bytes());
    if (r.empty() || r[0] != msg::kSignResponse) return;
    Reader rr(ByteView(r).subspan(1));
    ByteView sig;
    FUZZ_CHECK(rr.string(sig) && rr.empty());
    if (const Bytes* seen = verified_.find(k, data)) {
      FUZZ_CHECK(equal(*seen, sig));  // Ed25519: the same key and data, the same signature
    } else {
      FUZZ_CHECK(verify_signature(key, sig, data).ok());
      verified_.put(k, data, to_bytes(sig));
    }
    if (hops[k].empty()) return;
    // A destination-constrained key signed: OpenSSH's conditions must all hold.
    FUZZ_CHECK(!c.bound.empty());
    FUZZ_CHECK(kind <= 1);
    FUZZ_CHECK(sid == c.bound.back().first);
    int last = c.bound.back().second;
    FUZZ_CHECK(c.bound.size() == 1 || host >= 0);
    FUZZ_CHECK(host < 0 || host == last);
    bool named = false;
    for (const auto& h : hops[k])
      if (h.to == last && (h.user.empty() || h.user == user)) named = true;
    FUZZ_CHECK(named);
    if (g_fail_closed) FUZZ_CHECK(!c.bind_failed);
  }

  AgentOptions opts_;
  Logger log_;
  std::unique_ptr<EventLoop> loop_owner_ = EventLoop::create().value();
  EventLoop& loop_ = *loop_owner_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<Connection> control_ = fuzz::in_process_connection(0);  // local, unbound
  bool present_[2] = {false, false};  // the agent holds key k (it was not asked to remove it)
  std::vector<Hop> added_[2];         // the constraints the agent's two keys were added with
  SignatureCache host_sigs_;          // by host key index
  SignatureCache verified_;           // by user key index
};

World* g_world = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The agent's default options name no askpass: confirmations are refused at once.
  g_fail_closed = getenv("SKAGENT_FUZZ_FAIL_CLOSED_BIND") != nullptr;
  fuzz::print_counts_at_exit();
  stderr = fopen("/dev/null", "w");
  g_fixed = new Fixed();
  for (int i = 0; i < kHosts; i++) {
    g_fixed->hosts.push_back(fuzz::read_key(fuzz::fixed_ed25519_private(uint8_t(150 + 10 * i))));
    g_fixed->host_blobs.push_back(g_fixed->hosts.back().public_key().blob());
  }
  for (uint8_t first : {1, 101}) {
    g_fixed->user_priv.push_back(fuzz::fixed_ed25519_private(first));
    g_fixed->user.push_back(fuzz::read_key(g_fixed->user_priv.back()));
    g_fixed->user_blobs.push_back(g_fixed->user.back().public_key().blob());
  }
  uint8_t fill = 0x11;
  for (size_t len : {0, 1, 20, 32, 32, 48, 64, 128, 129}) {
    g_fixed->session_ids.push_back(Bytes(len, fill));
    fill = uint8_t(fill + 0x11);
  }
  g_world = new World();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  fuzz::g_counts.inputs++;
  g_world->run(in);
  return 0;
}
