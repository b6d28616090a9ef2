// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/metrics.h"

#include <fstream>
#include <sstream>

namespace skagent::bench {

void print_metric(std::ostream& out, std::string_view name, double value) {
  std::ostringstream line;
  line.precision(12);
  line << name << ' ' << value << '\n';
  out << line.str() << std::flush;
}

Result<Metrics> read_metrics(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot read " + path);
  Metrics metrics;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    double value = 0;
    if (fields >> name >> value) metrics[name] = value;
  }
  return metrics;
}

}  // namespace skagent::bench
