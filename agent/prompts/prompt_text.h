// SPDX-License-Identifier: BSD-2-Clause
// The texts a person reads about one sign request: the short descriptions, the
// confirmation, the PIN prompt and the touch notice, built from its SignContext.
#pragma once

#include <cstdint>
#include <string>

#include "agent/prompts/confirm_prompt.h"
#include "agent/prompts/request_context.h"

namespace skagent {

// Short descriptions.
std::string describe_caller(const CallerInfo& c);  // "/usr/bin/ssh (pid 42)"
std::string describe_asker(const SignContext& c);  // describe_caller, and what became of it
std::string describe_ancestry(
    const CallerInfo& c);  // "/usr/bin/git, /usr/bin/bash" (parents, nearest first)
std::string describe_hop(
    const HopInfo& h);  // "build.example.com" or "an unknown host (ED25519 SHA256:..)"
std::string describe_destination(const SignContext& c);  // "alice@host", "" when not a known login
std::string describe_path(const SignContext& c);  // "this machine > hop1 (agent forwarded) > hop2"
std::string describe_requester(const SignContext& c);  // "hop1 (through a forwarded agent)", "ssh"
std::string describe_task(
    const SignContext& c);  // "log in to alice@host", "sign a file (namespace \"file\")"
// The line a person decides on: "ssh wants key work-laptop to log in to git@github.com".
std::string describe_decision(const SignContext& c);

// The texts. A confirmation: the decision first, then the details.
ConfirmQuestion confirm_question(const SignContext& c, uint32_t approve_for_seconds);
std::string confirm_prompt_text(const SignContext& c,
                                uint32_t approve_for_seconds);  // its plain_text
std::string pin_prompt_text(const SignContext& c, const std::string& note);
std::string touch_notice_summary();
std::string touch_notice_body(const SignContext& c);

}  // namespace skagent
