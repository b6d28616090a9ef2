// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/proc_rss.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace skagent::bench {
namespace {

// The parent pid is the second field after the command name, which is in
// parentheses and may itself contain spaces or parentheses.
bool parent_of(pid_t pid, pid_t& ppid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  return bool(fields >> state >> ppid);
}

std::multimap<pid_t, pid_t> children_by_parent() {
  std::multimap<pid_t, pid_t> tree;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename();
    pid_t pid = 0, ppid = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || end != name.data() + name.size()) continue;
    if (parent_of(pid, ppid)) tree.emplace(ppid, pid);
  }
  return tree;
}

// The kB value of the line starting with `field` in /proc/PID/FILE.
Result<uint64_t> proc_kb_field(pid_t pid, const char* file, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  if (!in)
    return make_error(Errc::not_found, "cannot read /proc/" + std::to_string(pid) + "/" + file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) != 0) continue;
    std::istringstream value(line.substr(field.size()));
    uint64_t kb = 0;
    if (value >> kb) return kb;
  }
  return make_error(Errc::malformed, "no " + std::string(field) + " for " + std::to_string(pid));
}

}  // namespace

Result<uint64_t> vm_rss_kb(pid_t pid) { return proc_kb_field(pid, "status", "VmRSS:"); }

Result<uint64_t> pss_kb(pid_t pid) { return proc_kb_field(pid, "smaps_rollup", "Pss:"); }

Result<TreeRss> tree_rss_kb(pid_t root) {
  auto tree = children_by_parent();
  TreeRss rss;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t pid = todo.back();
    todo.pop_back();
    auto kb = vm_rss_kb(pid);
    if (!kb) {
      if (pid == root) return kb.error();
      continue;  // a child that exited meanwhile
    }
    if (pid == root) {
      rss.root_kb = *kb;
      rss.pss_kb = 0;
    }
    rss.total_kb += *kb;
    rss.processes++;
    auto pss = pss_kb(pid);
    if (pss && rss.pss_kb) {
      *rss.pss_kb += *pss;
    } else {
      rss.pss_kb.reset();
    }
    auto [first, last] = tree.equal_range(pid);
    for (auto it = first; it != last; ++it) todo.push_back(it->second);
  }
  return rss;
}

}  // namespace skagent::bench
