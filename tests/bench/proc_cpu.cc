// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/proc_cpu.h"

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

}  // namespace skagent::bench
