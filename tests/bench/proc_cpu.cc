// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/proc_cpu.h"

#include <time.h>
#include <unistd.h>

#include <string>

#include "platform/process_info.h"
#include "platform/read_file.h"

namespace skagent::bench {

Result<double> process_cpu_seconds(pid_t pid) {
  auto text = read_file_head("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!text) return text.error();
  auto st = parse_proc_stat(*text);
  if (!st) return st.error();
  const long ticks = sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return make_error(Errc::internal, "no clock tick rate");
  return double(st->utime + st->stime) / double(ticks);
}

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

}  // namespace

Result<double> cpu_us_per_call(double seconds, int round, const std::function<Status()>& op) {
  const double t0 = thread_cpu_seconds();
  uint64_t n = 0;
  double spent = 0;
  do {
    for (int i = 0; i < round; i++, n++) {
      if (auto s = op(); !s) return s.error();
    }
    spent = thread_cpu_seconds() - t0;
  } while (spent < seconds);
  return spent * 1e6 / double(n);
}

}  // namespace skagent::bench
