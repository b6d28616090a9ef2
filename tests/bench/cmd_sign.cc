// SPDX-License-Identifier: BSD-2-Clause
#include <cstdlib>
#include <sstream>
#include <vector>

#include "tests/bench/audit_cost.h"
#include "tests/bench/commands.h"
#include "tests/bench/identity_lookup.h"
#include "tests/bench/metrics.h"
#include "tests/bench/proc_cpu.h"
#include "tests/bench/raw_sign.h"
#include "tests/bench/sign_load.h"

namespace skagent::bench {
namespace {

Result<std::vector<unsigned>> client_counts(const std::string& list) {
  std::vector<unsigned> counts;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    unsigned n = unsigned(std::strtoul(item.c_str(), nullptr, 10));
    if (n == 0 || n > 256) return make_error(Errc::malformed, "bad client count " + item);
    counts.push_back(n);
  }
  return counts;
}

// One measurement per client count: throughput, latency and, with --pid, the agent's CPU
// per request (utime + stime of all its threads over the run).
using LoadRunner = Result<SignResult> (*)(const SignLoad&);
int measure_load(std::string_view command, const Args& args, const std::string& name,
                 const Bytes& key, LoadRunner run) {
  auto socket = args.socket();
  auto seconds = args.number("seconds", 3);
  auto flags = args.number("flags", 0);
  auto pid = args.number("pid", 0);  // the agent's: its CPU time per request
  auto counts = client_counts(args.text("clients", "1,8"));
  if (!socket) return fail(command, socket.error());
  if (!seconds) return fail(command, seconds.error());
  if (!flags) return fail(command, flags.error());
  if (!counts) return fail(command, counts.error());
  if (!pid) return fail(command, pid.error());
  for (unsigned clients : *counts) {
    SignLoad load{*socket, key, uint32_t(*flags), clients, *seconds};
    auto cpu0 = *pid > 0 ? process_cpu_seconds(pid_t(*pid)) : Result<double>(0.0);
    auto r = run(load);
    auto cpu1 = *pid > 0 ? process_cpu_seconds(pid_t(*pid)) : Result<double>(0.0);
    if (!r) return fail(command, r.error());
    if (!cpu0 || !cpu1) return fail(command, !cpu0 ? cpu0.error() : cpu1.error());
    std::string prefix = name + ".c" + std::to_string(clients);
    if (*pid > 0 && r->ops > 0)
      print_metric(std::cout, prefix + ".cpu_us", (*cpu1 - *cpu0) * 1e6 / double(r->ops));
    print_metric(std::cout, prefix + ".ops_per_s", r->ops_per_s());
    print_metric(std::cout, prefix + ".p50_us", r->latency.p50_us);
    print_metric(std::cout, prefix + ".p99_us", r->latency.p99_us);
  }
  return 0;
}

}  // namespace

int cmd_sign(const Args& args) {
  auto socket = args.socket();
  if (!socket) return fail("sign", socket.error());
  auto key = find_key_by_comment(*socket, args.text("comment"));
  if (!key) return fail("sign", key.error());
  return measure_load("sign", args, "sign." + args.text("name", args.text("comment")), *key,
                      run_sign_load);
}

int cmd_roundtrip(const Args& args) {
  return measure_load("roundtrip", args, "roundtrip", Bytes{}, run_roundtrip_load);
}

int cmd_raw(const Args& args) {
  auto seconds = args.number("seconds", 1);
  if (!seconds) return fail("raw", seconds.error());
  for (const auto& name : raw_sign_names()) {
    auto us = raw_sign_us(name, *seconds);
    if (!us) return fail("raw", us.error());
    print_metric(std::cout, "raw." + name + ".us", *us);
    auto unseal = unseal_us(name, *seconds);
    if (!unseal) return fail("raw", unseal.error());
    print_metric(std::cout, "raw." + name + ".unseal_us", *unseal);
  }
  auto audit = context_and_audit_us(*seconds);
  if (!audit) return fail("raw", audit.error());
  print_metric(std::cout, "raw.audit_us", *audit);
  return 0;
}

}  // namespace skagent::bench
