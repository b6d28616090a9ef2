// SPDX-License-Identifier: BSD-2-Clause
// The audit log's hand-written JSON (agent/prompts/audit_json.cc) against a real JSON parser
// (nlohmann-json): every string, whatever its bytes (controls, quotes, backslashes, invalid
// UTF-8, hidden code points), is written as a string literal that parses back to exactly
// printable(s, 1024), the documented escaping; a whole audit line built from such strings is
// one valid JSON object whose every field reads back the same way.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "agent/prompts/audit_json.h"
#include "agent/prompts/request_context.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;
using nlohmann::json;

namespace {

// The input cut at each 0xff byte (which is never valid UTF-8 itself) into strings.
std::vector<std::string> pieces(std::string_view in) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= in.size(); i++) {
    if (i == in.size() || uint8_t(in[i]) == 0xff) {
      out.emplace_back(in.substr(start, i - start));
      start = i + 1;
    }
  }
  out.resize(std::max<size_t>(out.size(), 12));
  return out;
}

json parse(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!j.is_discarded());
  return j;
}

// One string alone: a JSON string literal that reads back as printable(s, 1024).
void check_string(const std::string& s) {
  std::string out;
  append_json_string(out, s);
  json j = parse(out);
  FUZZ_CHECK(j.is_string());
  FUZZ_CHECK(j.get<std::string>() == printable(s, 1024));
}

void check_field(const json& obj, const char* name, const std::string& raw) {
  FUZZ_CHECK(obj.contains(name) && obj[name].is_string());
  FUZZ_CHECK(obj[name].get<std::string>() == printable(raw, 1024));
}

// A whole audit line whose text fields are the pieces.
void check_line(const std::vector<std::string>& p) {
  SignContext c;
  // The decision is one of SignOutcome's names (an enum since the audit outcome was structured).
  static constexpr SignOutcome::Kind kOutcomes[] = {SignOutcome::allowed, SignOutcome::refused,
                                                    SignOutcome::failed};
  c.decision = kOutcomes[p[0].size() % 3];
  c.reason = p[1];
  c.approval.confirm = Approval::Confirm(p[2].size() % 5);  // an enum since it was structured
  c.approval.cached_pin = p[2].size() % 2 == 1;
  c.approval.pins_typed = unsigned(p[2].size() % 4);
  c.key_fp = p[3];
  c.key_type = p[4];
  c.key_comment = p[5];
  auto caller = std::make_shared<CallerInfo>();
  caller->pid = 42;
  ProcessInfo self, parent;
  self.exe = p[6];
  parent.exe = p[7];
  parent.pid = 7;
  caller->chain = {self, parent};
  c.caller = caller;
  HopInfo hop;
  hop.names.names = {p[8]};
  hop.key_type = p[9];
  c.hops = {hop};
  c.kind = SignKind::userauth;
  c.user = p[10];
  c.destination = hop;
  json j = parse(audit_json(c, 0));
  FUZZ_CHECK(j.is_object());
  check_field(j, "decision", std::string(c.decision.name()));
  check_field(j, "reason", c.reason);
  check_field(j, "approval", c.approval.name());
  check_field(j, "key", c.key_fp);
  check_field(j, "key_type", c.key_type);
  check_field(j, "comment", c.key_comment);
  check_field(j["caller"], "exe", self.exe);
  check_field(j["caller"]["parents"][0], "exe", process_name(parent));  // "[comm]" when empty
  check_field(j["chain"][0], "host", p[8]);
  check_field(j, "user", c.user);
  check_field(j, "destination", p[8]);
  FUZZ_CHECK(j["caller"]["pid"] == 42 && j["forwarded"] == false);

  c.kind = SignKind::sshsig;
  c.sig_namespace = p[11];
  json s = parse(audit_json(c, 0));
  check_field(s, "namespace", c.sig_namespace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check_string(std::string(in));
  check_line(pieces(in));
  return 0;
}
