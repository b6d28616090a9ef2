// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/audit_cost.h"

#include <unistd.h>

#include <fstream>

#include "agent/policy/sign_guard.h"
#include "agent/protocol/messages.h"
#include "platform/event_loop.h"
#include "ssh/private_key.h"
#include "tests/bench/proc_cpu.h"
#include "tests/common/temp_dir.h"

namespace skagent::bench {

Result<double> context_and_audit_us(double seconds) {
  testing::TempDir dir("skbench-audit");
  AgentOptions options;
  options.home = dir.path();
  options.policy_file = dir / "config";
  std::ofstream(options.policy_file).close();
  options.policy_overrides = {"Audit " + (dir / "audit.jsonl")};
  auto store = PolicyStore::open(options);
  if (!store) return store.error();
  auto loop = EventLoop::create();
  if (!loop) return loop.error();
  Logger log;
  Prompter prompter{**loop, log, AskpassSettings{}};
  SignGuard guard{options, log, prompter, *store};

  auto key = PrivateKey::generate(KeyType::ed25519);
  if (!key) return key.error();
  Identity id;
  id.key = key->public_key();
  id.blob = id.key.blob();
  id.comment = "bench-audit";
  // The caller is this process, read from /proc when the context first asks (as for a
  // connection the server did not accept itself).
  auto conn = std::make_shared<Connection>();
  conn->peer = PeerIdentity{getpid(), getuid(), getgid()};
  const Bytes data(64, 0x5a);
  const Bytes response{msg::kSignResponse};
  const ReplyFn drop = [](Bytes) {};

  return cpu_us_per_call(seconds, 64, [&]() -> Status {
    guard.audited(guard.context(conn, id, data), drop)(response);
    return {};
  });
}

}  // namespace skagent::bench
