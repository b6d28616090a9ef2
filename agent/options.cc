// SPDX-License-Identifier: BSD-2-Clause
#include "agent/options.h"

#include <unistd.h>

#include <climits>

namespace skagent {

const char* const kAgentUsage =
    "usage: skagent [-c | -s] [-DdTU] [-a bind_address] [-E fingerprint_hash]\n"
    "               [-f config] [-O option] [-o policy] [-P allowed_providers] [-t life]\n"
    "       skagent [-TU] [-a bind_address] [-E fingerprint_hash] [-f config] [-O option]\n"
    "               [-o policy] [-P allowed_providers] [-t life] command [arg ...]\n"
    "       skagent [-c | -s] -k\n"
    "       skagent -u\n"
    "       skagent -V\n";

std::optional<uint32_t> parse_duration(const std::string& s) {
  if (s.empty()) return std::nullopt;
  uint64_t total = 0, cur = 0;
  bool digits = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + uint64_t(c - '0');
      digits = true;
      if (cur > UINT32_MAX) return std::nullopt;
      continue;
    }
    uint64_t mult = 0;
    switch (c) {
      case 's':
      case 'S':
        mult = 1;
        break;
      case 'm':
      case 'M':
        mult = 60;
        break;
      case 'h':
      case 'H':
        mult = 3600;
        break;
      case 'd':
      case 'D':
        mult = 86400;
        break;
      case 'w':
      case 'W':
        mult = 604800;
        break;
      default:
        return std::nullopt;
    }
    if (!digits) return std::nullopt;
    total += cur * mult;  // one term is < 2^52, so checking each sum stops any wrap
    if (total > INT_MAX) return std::nullopt;
    cur = 0;
    digits = false;
  }
  total += cur;
  if (total > INT_MAX) return std::nullopt;
  return uint32_t(total);
}

static Status apply_o_option(AgentOptions& o, const std::string& v) {
  if (v == "allow-remote-pkcs11") {
    o.allow_remote_providers = true;
  } else if (v == "no-restrict-websafe") {
    o.restrict_websafe = false;
  } else if (v.rfind("websafe-allow=", 0) == 0) {
    o.websafe_allowlist = v.substr(14);
  } else {
    return make_error(Errc::unsupported, "Unknown -O option");
  }
  return {};
}

static Status apply_flag(AgentOptions& o, int c, const char* arg) {
  switch (c) {
    case 'c':
    case 's': {  // ssh-agent refuses -c together with -s
      auto want = c == 'c' ? AgentOptions::Shell::csh : AgentOptions::Shell::sh;
      if (o.shell != AgentOptions::Shell::auto_detect && o.shell != want) {
        return make_error(Errc::malformed, "");
      }
      o.shell = want;
      break;
    }
    case 'd':
    case 'D':  // OpenSSH 10 refuses -d with -D, and either one twice
      if (o.debug || o.foreground) return make_error(Errc::malformed, "");
      (c == 'd' ? o.debug : o.foreground) = true;
      break;
    case 'T':
      o.tmp_socket = true;
      break;
    case 'U':
      o.keep_stale = true;
      break;
    case 'u':
      o.clean_stale++;
      break;
    case 'k':
      o.kill = true;
      break;
    case 'V':
      o.version = true;
      break;
    case 'a':
      o.socket_path = arg;
      break;
    case 'P':
      o.allowed_providers = arg;
      break;
    case 'f':
      o.policy_file = arg;
      break;
    case 'o':
      o.policy_overrides.emplace_back(arg);
      break;
    case 'O':
      return apply_o_option(o, arg);
    case 'E': {
      auto h = fingerprint_hash_by_name(arg);
      if (!h)
        return make_error(Errc::unsupported, "Invalid hash algorithm \"" + std::string(arg) + "\"");
      o.fingerprint_hash = *h;
      break;
    }
    case 't': {
      auto t = parse_duration(arg);
      if (!t) return make_error(Errc::malformed, "Invalid lifetime");
      o.default_lifetime = *t;
      break;
    }
    default:
      return make_error(Errc::malformed, "");
  }
  return {};
}

Result<AgentOptions> parse_agent_options(int argc, char** argv) {
  AgentOptions o;
  optind = 0;  // 0, not 1: glibc then also resets its position inside a -xyz cluster
  opterr = 1;
  int c;
  // '+' stops at the first non-option, so "skagent cmd -x" passes -x to cmd.
  while ((c = getopt(argc, argv, "+cDdksTuUE:a:f:O:o:P:t:V")) != -1) {
    if (c == '?') return make_error(Errc::malformed, "");
    if (auto s = apply_flag(o, c, optarg); !s) return s.error();
  }
  for (int i = optind; i < argc; i++) o.command.emplace_back(argv[i]);
  // As OpenSSH 10.5: a command goes with none of -c -s -k -d -D -u.
  if (!o.command.empty() && (o.shell != AgentOptions::Shell::auto_detect || o.kill || o.debug ||
                             o.foreground || o.clean_stale > 0)) {
    return make_error(Errc::malformed, "");
  }
  if ((o.debug || o.foreground) && o.kill) return make_error(Errc::malformed, "");
  return o;
}

}  // namespace skagent
