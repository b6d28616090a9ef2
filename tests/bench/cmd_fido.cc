// SPDX-License-Identifier: BSD-2-Clause
#include <cstdio>

#include "tests/bench/commands.h"
#include "tests/bench/fido_load.h"
#include "tests/bench/metrics.h"

namespace skagent::bench {

namespace {

// The target: fido/ adds under 1 ms to each operation.
constexpr double kMaxOverheadUs = 1000;

// Prints one operation's figures; true when it meets the target.
bool print_op(const char* name, const char* label, const FidoOpTiming& t) {
  double overhead = t.fido.p50_us - t.bare.p50_us;
  std::string prefix = std::string("fido.") + name;
  print_metric(std::cout, prefix + ".bare_p50_us", t.bare.p50_us);
  print_metric(std::cout, prefix + ".fido_p50_us", t.fido.p50_us);
  print_metric(std::cout, prefix + ".bare_mean_us", t.bare.mean_us);
  print_metric(std::cout, prefix + ".fido_mean_us", t.fido.mean_us);
  print_metric(std::cout, prefix + ".overhead_us", overhead);
  bool met = overhead < kMaxOverheadUs;
  char line[200];
  snprintf(line, sizeof(line), "  %-34s %10.0f us %10.0f us %+10.0f us %s\n", label, t.bare.p50_us,
           t.fido.p50_us, overhead, met ? "(< 1 ms: ok)" : "(>= 1 ms: MISSED)");
  std::cerr << line;
  return met;
}

}  // namespace

int cmd_fido(const Args& args) {
  FidoBench b;
  b.vtoken_socket = args.text("vtoken");
  b.pin = args.text("pin");
  auto rounds = args.number("rounds", 200);
  if (!rounds) return fail("fido", rounds.error());
  if (b.vtoken_socket.empty())
    return fail("fido", make_error(Errc::malformed, "--vtoken SOCKET is required"));
  b.rounds = unsigned(*rounds);
  auto r = run_fido_bench(b);
  if (!r) return fail("fido", r.error());
  std::cerr << "fido/ against bare libfido2, same virtual token, median of " << b.rounds
            << " rounds each:\n"
            << "  operation                          bare libfido2      fido/   overhead\n";
  // Every row prints, then a missed target fails the command.
  int missed = 0;
  missed += !print_op("enroll", "enroll (Ed25519)", r->enroll);
  missed += !print_op("sign", "sign (device named)", r->sign);
  missed += !print_op("sign_discovery", "sign (token found by discovery)", r->sign_discovery);
  missed += !print_op("load", "resident-key load (2 keys, PIN)", r->load);
  if (missed == 0) return 0;
  std::cerr << "skagent-bench fido: " << missed
            << " operation(s) missed the target of fido/ adding under 1 ms\n";
  return 1;
}

}  // namespace skagent::bench
