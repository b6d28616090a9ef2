// SPDX-License-Identifier: BSD-2-Clause
// The generating command (no -K, -l, -y): settle the file, make the key in
// software or on the token, ask for a passphrase, write the files, and report
// as ssh-keygen does.
#pragma once

#include "keygen/command_line.h"
#include "keygen/console.h"
#include "keygen/sk_token.h"
#include "base/error.h"

namespace skagent::keygen {

// `open_token` is called only for a security key type.
Status run_generate(Console& console, const Options& options,
                    const std::function<Result<std::unique_ptr<SkToken>>()>& open_token);

}  // namespace skagent::keygen
