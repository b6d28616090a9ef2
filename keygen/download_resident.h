// SPDX-License-Identifier: BSD-2-Clause
// -K: every resident "ssh:" credential of the token(s), written into the
// current directory under the names ssh-keygen -K gives them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "keygen/console.h"
#include "keygen/sk_token.h"
#include "base/error.h"

namespace skagent::keygen {

// OpenSSH 9.2's sk_suffix(): the application without "ssh://" or "ssh:",
// then "_" and the user id when it is not all zeros (trailing zero bytes
// dropped, escaped as mprintf does, or as lower-case hex when it holds "/",
// ".." or "\").
std::string resident_key_suffix(const std::string& application, ByteView user_id);

// "id_ed25519_sk_rk" or "id_ecdsa_sk_rk", then "_" + suffix when not empty.
std::string resident_key_file_name(KeyType type, const std::string& application, ByteView user_id);

struct DownloadOptions {
  std::string device;                         // -O device=
  std::optional<std::string> new_passphrase;  // -N
  uint32_t rounds = 16;                       // -a
  bool quiet = false;
  std::string directory = ".";
};

// The -O options ssh-keygen -K takes: device= only.
Result<DownloadOptions> parse_download_options(const std::vector<std::string>& options);

// Asks for the PIN, loads the resident credentials, and saves each (private
// key with the application as comment, and .pub); an existing file is
// replaced only after a yes on the terminal. The output is ssh-keygen's
// ("Saved ED25519-SK key ssh:foo to id_ed25519_sk_rk_foo").
Status download_resident_keys(Console& console, SkToken& token, const DownloadOptions& options);

}  // namespace skagent::keygen
