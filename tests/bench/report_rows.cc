// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/report_rows.h"

#include <cstdio>

namespace skagent::bench {
namespace {

// `metric` "sign.ed25519", say; the label names what one request is ("sig", "request").
void add_load_rows(std::vector<Row>& rows, const std::string& metric, const std::string& label,
                   const std::string& per) {
  for (const char* c : {"1", "8"}) {
    std::string prefix = metric + ".c" + c;
    std::string who = label + ", " + c + (c[0] == '1' ? " client" : " clients");
    rows.push_back({prefix + ".ops_per_s", who + ": throughput", Unit::ops_per_s, Better::higher});
    rows.push_back({prefix + ".p50_us", who + ": p50", Unit::micros, Better::lower});
    rows.push_back({prefix + ".p99_us", who + ": p99", Unit::micros, Better::lower});
    rows.push_back(
        {prefix + ".cpu_us", who + ": agent CPU per " + per, Unit::micros, Better::lower});
  }
}

void add_sign_rows(std::vector<Row>& rows, const std::string& key, const std::string& label) {
  add_load_rows(rows, "sign." + key, "sign " + label, "sig");
}

std::string printf_string(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

std::vector<Row> report_rows() {
  std::vector<Row> rows;
  // A request answered with no work: the socket and event loop's share of each signature.
  add_load_rows(rows, "roundtrip", "bare round trip", "request");
  add_sign_rows(rows, "ed25519", "ed25519");
  add_sign_rows(rows, "ecdsa-p256", "ecdsa-p256");
  add_sign_rows(rows, "rsa-3072", "rsa-3072/sha2-512");
  add_sign_rows(rows, "sk-ed25519", "sk-ed25519/sk-dummy");
  // OpenSSH's agent through libskagent-sk.so (-S), skagent through "internal".
  add_sign_rows(rows, "sk-vtoken", "sk-ed25519/vtoken");
  rows.push_back({"bulk_add.ms", "ssh-add of 1,000 keys: wall time", Unit::millis, Better::lower});
  rows.push_back({"list.keys", "list: keys in answer", Unit::count, Better::neither});
  rows.push_back({"list.mean_us", "list 1,000 keys: mean latency", Unit::micros, Better::lower});
  rows.push_back({"list.p99_us", "list 1,000 keys: p99", Unit::micros, Better::lower});
  rows.push_back(
      {"list.calls_per_s", "list 1,000 keys: throughput", Unit::ops_per_s, Better::higher});
  rows.push_back(
      {"confirm.prompt_wait_ms", "confirm: prompted sign took", Unit::millis, Better::neither});
  rows.push_back({"confirm.other_samples", "confirm: other's signs during prompt", Unit::count,
                  Better::neither});
  rows.push_back(
      {"confirm.other_p50_us", "confirm: other client's p50", Unit::micros, Better::lower});
  rows.push_back(
      {"confirm.other_p99_us", "confirm: other client's p99", Unit::micros, Better::lower});
  rows.push_back({"rss_base.kb", "agent RSS, bench keys only", Unit::kilobytes, Better::lower});
  rows.push_back({"rss_1000.kb", "agent RSS, 1,000 more keys", Unit::kilobytes, Better::lower});
  rows.push_back(
      {"rss_1000.tree_kb", "RSS summed over agent + helpers", Unit::kilobytes, Better::lower});
  rows.push_back(
      {"rss_1000.tree_pss_kb", "PSS of agent + helpers", Unit::kilobytes, Better::lower});
  rows.push_back(
      {"rss_1000.processes", "processes: agent + helpers", Unit::count, Better::neither});
  return rows;
}

std::string format_value(Unit unit, std::optional<double> value) {
  if (!value) return "n/a";
  double v = *value;
  if (unit == Unit::millis) {
    unit = Unit::micros;
    v *= 1e3;
  }
  switch (unit) {
    case Unit::ops_per_s:
      return printf_string("%.0f/s", v);
    case Unit::kilobytes:
      return printf_string("%.0f kB", v);
    case Unit::count:
      return printf_string("%.0f", v);
    default:
      break;
  }
  if (v < 1e3) return printf_string("%.1f us", v);
  if (v < 1e6) return printf_string("%.2f ms", v / 1e3);
  return printf_string("%.2f s", v / 1e6);
}

std::string format_ratio(double ratio) {
  return printf_string(ratio >= 100 ? "%.0fx" : "%#.3gx", ratio);
}

std::optional<double> lookup(const Metrics& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::optional<double> oriented_ratio(Better better, std::optional<double> ref,
                                     std::optional<double> neu) {
  if (better == Better::neither || !ref || !neu) return std::nullopt;
  double num = better == Better::higher ? *neu : *ref;
  double den = better == Better::higher ? *ref : *neu;
  if (den <= 0) return std::nullopt;
  return num / den;
}

}  // namespace skagent::bench
