// SPDX-License-Identifier: BSD-2-Clause
// Host names for hashed known_hosts entries, read off a caller's command line.
#include "agent/prompts/host_candidates.h"

#include <algorithm>

#include "agent/policy/known_hosts.h"
#include "platform/process_info.h"

namespace skagent {

namespace {

constexpr size_t kMaxCandidates = 48;

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool plausible_host(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '-' || h.front() == '.') return false;
  return std::all_of(h.begin(), h.end(), host_char);
}

bool parse_port(std::string_view s, uint16_t& port) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  port = uint16_t(v);
  return true;
}

// "user@host:port", "[host]:port", "ssh://user@host:port" → host (and port).
void add_destination_word(std::string_view w, std::vector<std::string>& hosts,
                          std::vector<uint16_t>& ports) {
  if (w.substr(0, 6) == "ssh://") w.remove_prefix(6);
  if (auto slash = w.find('/'); slash != std::string_view::npos) w = w.substr(0, slash);
  if (auto at = w.rfind('@'); at != std::string_view::npos) w.remove_prefix(at + 1);
  uint16_t port = 0;
  if (!w.empty() && w.front() == '[') {
    auto close = w.find(']');
    if (close == std::string_view::npos) return;
    std::string_view rest = w.substr(close + 1);
    if (rest.size() > 1 && rest.front() == ':' && parse_port(rest.substr(1), port))
      ports.push_back(port);
    w = w.substr(1, close - 1);
  } else if (auto colon = w.find(':');
             colon != std::string_view::npos && w.find(':', colon + 1) == std::string_view::npos) {
    if (parse_port(w.substr(colon + 1), port)) ports.push_back(port);
    w = w.substr(0, colon);
  }
  if (plausible_host(w)) hosts.emplace_back(w);
}

}  // namespace

std::vector<std::string> host_candidates(const std::vector<std::string>& argv) {
  std::vector<std::string> hosts;
  std::vector<uint16_t> ports;
  for (size_t i = 1; i < argv.size() && i < kMaxCmdlineArgs; i++) {
    std::string_view a = argv[i];
    if (a == "-p" && i + 1 < argv.size()) {
      uint16_t p = 0;
      if (parse_port(argv[i + 1], p)) ports.push_back(p);
      i++;
      continue;
    }
    if (a.substr(0, 2) == "-p") {
      uint16_t p = 0;
      if (parse_port(a.substr(2), p)) ports.push_back(p);
      continue;
    }
    if (a == "-J" && i + 1 < argv.size()) a = argv[++i];
    else if (a.substr(0, 2) == "-J") a.remove_prefix(2);
    else if (!a.empty() && a.front() == '-') continue;
    size_t pos = 0;
    while (pos <= a.size()) {
      size_t end = a.find(',', pos);
      if (end == std::string_view::npos) end = a.size();
      add_destination_word(a.substr(pos, end - pos), hosts, ports);
      pos = end + 1;
    }
  }
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (out.size() < kMaxCandidates && std::find(out.begin(), out.end(), s) == out.end()) {
      out.push_back(std::move(s));
    }
  };
  for (const auto& h : hosts) add(known_hosts_name(h));
  for (const auto& h : hosts) {
    for (uint16_t p : ports) add(known_hosts_name(h, p));
  }
  return out;
}

}  // namespace skagent
