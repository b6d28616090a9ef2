// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/report.h"

#include <cstdio>

#include "tests/bench/raw_sign.h"
#include "tests/bench/report_rows.h"
#include "tests/bench/targets.h"

namespace skagent::bench {
namespace {

std::string row4(const std::string& a, const std::string& b, const std::string& c,
                 const std::string& d) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-48s %14s %14s %9s\n", a.c_str(), b.c_str(), c.c_str(),
                d.c_str());
  return buf;
}

std::string ratio_cell(std::optional<double> r) { return r ? format_ratio(*r) : ""; }

void print_metrics(std::ostream& out, const Metrics& ref, const Metrics& neu,
                   const ReportLabels& labels) {
  out << "ratio = " << labels.neu << " vs " << labels.ref << ", oriented so that > 1 means "
      << labels.neu << " is better\n"
      << "(throughput: new/ref; latency and RSS: ref/new)\n\n";
  out << row4("metric", labels.ref, labels.neu, "ratio");
  for (const Row& row : report_rows()) {
    auto a = lookup(ref, row.key), b = lookup(neu, row.key);
    out << row4(row.label, format_value(row.unit, a), format_value(row.unit, b),
                ratio_cell(oriented_ratio(row.better, a, b)));
  }
}

// Each agent's CPU per signature against OpenSSL's raw signature of the same type, measured
// by the bench program in the same run: what the agent adds on top of the signature itself.
void print_raw(std::ostream& out, const Metrics& ref, const Metrics& neu,
               const ReportLabels& labels) {
  out << "\nagent CPU per signature / OpenSSL's raw signature (same run, same machine)\n"
      << row4("key type, clients: raw sign", labels.ref, labels.neu, "");
  for (const auto& name : raw_sign_names()) {
    const std::string raw = "raw." + name + ".us";
    for (const char* c : {"1", "8"}) {
      const std::string cpu = "sign." + name + ".c" + c + ".cpu_us";
      auto cell = [&](const Metrics& m) {
        auto r = cpu_over_raw(m, cpu, raw);
        return r ? format_ratio(*r) : std::string("n/a");
      };
      out << row4(name + ", " + c + ": raw " + format_value(Unit::micros, lookup(neu, raw)),
                  cell(ref), cell(neu), "");
    }
  }
}

// skagent's CPU per signature against the floor no agent built this way goes under on this
// machine: its own bare round trip (socket, framing, event loop: an unknown extension),
// the key shield's unseal (a security parameter), the request's context and audit line (every
// signature is audited) and OpenSSL's raw signature, each measured apart in this run. What is
// above the floor is skagent's remaining work (key import, policy) and what the parts cost
// together that they do not cost apart (caches, the wake-ups of a loaded machine).
void print_floor(std::ostream& out, const Metrics& neu, const ReportLabels& labels) {
  out << "\n"
      << labels.neu << " CPU per signature against the floor"
      << " (bare round trip + key unseal + context and audit line + raw signature, same run)\n"
      << row4("key type, clients", "floor", labels.neu, "ratio");
  auto audit = lookup(neu, "raw.audit_us");
  for (const auto& name : raw_sign_names()) {
    for (const char* c : {"1", "8"}) {
      auto rt = lookup(neu, std::string("roundtrip.c") + c + ".cpu_us");
      auto unseal = lookup(neu, "raw." + name + ".unseal_us");
      auto raw = lookup(neu, "raw." + name + ".us");
      auto cpu = lookup(neu, "sign." + name + ".c" + c + ".cpu_us");
      std::optional<double> floor;
      if (rt && unseal && audit && raw) floor = *rt + *unseal + *audit + *raw;
      std::string parts = name + ", " + c + ": " + format_value(Unit::micros, rt) + " + " +
                          format_value(Unit::micros, unseal) + " + " +
                          format_value(Unit::micros, audit) + " + " +
                          format_value(Unit::micros, raw);
      std::optional<double> ratio;
      if (floor && cpu && *floor > 0) ratio = *cpu / *floor;
      out << row4(parts, format_value(Unit::micros, floor), format_value(Unit::micros, cpu),
                  ratio ? format_ratio(*ratio) : "n/a");
    }
  }
}

int print_targets(std::ostream& out, const Metrics& ref, const Metrics& neu) {
  out << "\n" << row4("target (for skagent)", "", "measured", "verdict");
  int missed = 0;
  for (const Target& t : targets()) {
    Verdict v = judge(t, ref, neu);
    missed += v.pass ? 0 : 1;
    out << row4(t.label, "", v.measured, v.pass ? "PASS" : "MISS");
  }
  out << "\ntargets: " << targets().size() - size_t(missed) << " PASS, " << missed << " MISS\n";
  return missed;
}

}  // namespace

int print_report(std::ostream& out, const Metrics& ref, const Metrics& neu,
                 const ReportLabels& labels) {
  print_metrics(out, ref, neu, labels);
  print_raw(out, ref, neu, labels);
  print_floor(out, neu, labels);
  return print_targets(out, ref, neu);
}

}  // namespace skagent::bench
