// SPDX-License-Identifier: BSD-2-Clause
// The audit log's JSON: one object per sign decision, written by hand (no JSON library in the
// agent). Its one string writer is proved by tests/fuzz/audit_json_fuzz.cc, which parses what it
// writes with a real JSON parser.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace skagent {

struct SignContext;
struct CallerInfo;

// Appends `s` to `out` as one JSON string literal. The text first goes through printable(s,
// 1024) (controls, invalid UTF-8, hidden code points and backslashes become visible escapes, so
// the result is valid UTF-8 with no control characters); then '"' and '\' are escaped. So a JSON
// parser reads back exactly printable(s, 1024).
void append_json_string(std::string& out, std::string_view s);

// The caller object's members before its state (pid, uid) and after it (exe, cmdline,
// parents; empty when the caller could not be read), each with its leading comma but the first:
// made once per caller (CallerText), not per audit line.
std::string audit_caller_ids(const CallerInfo& c);
std::string audit_caller_process(const CallerInfo& c);

// One JSON object (no newline): time, key, caller, chain, namespace, decision, reason.
std::string audit_json(const SignContext& c, std::time_t now);

}  // namespace skagent
