// SPDX-License-Identifier: BSD-2-Clause
// Managing a security key from skagent-keygen, through the built-in FIDO2
// middleware (fido/) over USB, PC/SC readers and virtual tokens alike:
//
//   --list-resident      the resident "ssh:" credentials (PIN asked once)
//   --delete-resident K  one of them, by fingerprint or application (+ -O user=),
//                        shown first and deleted only after a yes on the terminal
//   --set-pin            a first PIN, or a new one (old once, new twice)
//   --token-info         what the token says about itself, and its PIN retries
//   --reset-token        erase the token, after a typed confirmation
//
// Each works on one token: -O device=PATH, or the only one connected. A PIN is
// asked once (terminal, or SSH_ASKPASS without one) into locked memory; a
// wrong one is reported with the tries left and never sent again on its own.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fido/options.h"
#include "fido/resident_keys.h"
#include "keygen/console.h"
#include "base/error.h"
#include "ssh/fingerprint.h"

namespace skagent::keygen {

enum class TokenAction { list, remove, set_pin, info, reset };

struct TokenRequest {
  TokenAction action = TokenAction::list;
  std::string device;               // -O device=; empty: the only token connected
  std::string target;               // remove: "SHA256:..."/"MD5:..." or an "ssh:" application
  std::optional<std::string> user;  // remove: -O user=, with an application
  FingerprintHash hash = FingerprintHash::sha256;  // -E
  fido::DeviceSources sources;  // where to look for tokens (main: the environment)
  std::chrono::milliseconds timeout = fido::kDefaultTimeout;
};

// The -O options the token commands take: device= (all), user= (delete).
Status parse_token_options(const std::vector<std::string>& options, TokenRequest& req);

Status run_token_command(Console& console, const TokenRequest& req);

// The user of an OpenSSH resident credential as -O user= gave it: the user id
// without its trailing zero bytes, as text when printable, else "0x" + hex;
// "" for the all-zero default.
std::string resident_user(ByteView user_id);

// One credential as --list-resident prints it (two lines).
std::string format_resident_key(const fido::ResidentKey& k, FingerprintHash hash);

}  // namespace skagent::keygen
