// SPDX-License-Identifier: BSD-2-Clause
// The lines ssh-agent prints for `eval`, in sh or csh syntax.
#pragma once

#include <string>

namespace skagent {

// `value` as one shell word. As OpenSSH 10.5 (argv_assemble): backslashes and quotes get a
// backslash, and a value with a space or tab goes in double quotes. Where that form would not
// give the value back when evaluated (a quote inside double quotes; $ ` ; & | < > ( ) * ? [ ] ~
// # ! { } left bare, as 10.5 leaves them), skagent single-quotes the whole word instead.
// Values with control characters other than tab have no safe csh form: callers refuse them
// (has_control_characters).
std::string shell_word(const std::string& value);
bool has_control_characters(const std::string& value);

std::string env_line(bool csh, const std::string& name, const std::string& value);
std::string unset_line(bool csh, const std::string& name);

}  // namespace skagent
