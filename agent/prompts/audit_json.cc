// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/audit_json.h"

#include <ctime>

#include "agent/prompts/printable.h"
#include "agent/prompts/request_context.h"

namespace skagent {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::string clean = printable(s, 1024);
  for (char c : clean) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string audit_caller_ids(const CallerInfo& c) {
  return "\"pid\":" + std::to_string(c.pid) +
         ",\"uid\":" + (c.uid == uid_t(-1) ? std::string("-1") : std::to_string(c.uid));
}

std::string audit_caller_process(const CallerInfo& c) {
  if (c.chain.empty()) return {};
  std::string j;
  const auto& p = c.chain[0];
  j += ",\"exe\":";
  append_json_string(j, p.exe);
  j += ",\"cmdline\":";
  append_json_string(j, join_argv(p.argv, p.argv_truncated, 512));
  j += ",\"parents\":[";
  for (size_t i = 1; i < c.chain.size(); i++) {
    if (i > 1) j += ",";
    j += "{\"pid\":" + std::to_string(c.chain[i].pid) + ",\"exe\":";
    append_json_string(j, process_name(c.chain[i]));
    j += "}";
  }
  j += "]";
  return j;
}

std::string audit_json(const SignContext& c, std::time_t now) {
  char when[32];
  struct tm tm {};
  gmtime_r(&now, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string j = "{\"time\":\"";
  j += when;
  j += "\",\"event\":\"sign\",\"decision\":";
  append_json_string(j, c.decision);
  j += ",\"reason\":";
  append_json_string(j, c.reason);
  j += ",\"approval\":";
  append_json_string(j, c.approval.name());
  j += ",\"key\":";
  append_json_string(j, c.key_fp);
  j += ",\"key_type\":";
  append_json_string(j, c.key_type);
  j += ",\"comment\":";
  append_json_string(j, c.key_comment);
  j += ",\"caller\":{";
  if (c.caller) {
    // The caller's parts were made once for its connection; its state is this signature's.
    const CallerText& t = c.caller->text();
    j += t.audit_ids;
    j += ",\"state\":";
    j += c.caller_fate == ProcessFate::exited     ? "\"exited\""
         : c.caller_fate == ProcessFate::replaced ? "\"replaced\""
                                                  : "\"running\"";
    j += t.audit_process;
  }
  j += "},\"forwarded\":";
  j += c.forwarded ? "true" : "false";
  if (c.bind_failed) j += ",\"bind_failed\":true";
  j += ",\"chain\":[";
  for (size_t i = 0; i < c.hops.size(); i++) {
    const auto& h = c.hops[i];
    if (i > 0) j += ",";
    j += "{\"host\":";
    append_json_string(j, h.names.names.empty() ? "" : h.names.names[0]);
    j += ",\"host_key\":";
    append_json_string(j, h.key_type + " " + h.fingerprint);
    j += ",\"forwarding\":";
    j += h.forwarding ? "true" : "false";
    if (h.names.revoked) j += ",\"revoked\":true";
    j += "}";
  }
  j += "],\"kind\":";
  append_json_string(j, c.kind == SignKind::userauth ? "userauth"
                        : c.kind == SignKind::sshsig ? "sshsig"
                                                     : "other");
  if (c.kind == SignKind::userauth) {
    j += ",\"user\":";
    append_json_string(j, c.user);
    j += ",\"destination\":";
    append_json_string(j, c.destination && !c.destination->names.names.empty()
                              ? c.destination->names.names[0]
                              : "");
    if (c.destination) {
      j += ",\"destination_key\":";
      append_json_string(j, c.destination->key_type + " " + c.destination->fingerprint);
      j += ",\"destination_verified\":";
      j += c.destination_verified ? "true" : "false";
    }
  }
  if (c.kind == SignKind::sshsig) {
    j += ",\"namespace\":";
    append_json_string(j, c.sig_namespace);
  }
  j += "}";
  return j;
}

}  // namespace skagent
