// SPDX-License-Identifier: BSD-2-Clause
// Key files on disk: reading them, and writing them without ever replacing an
// existing file unless the person said yes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keygen/console.h"
#include "keygen/secret_text.h"
#include "base/bytes.h"
#include "base/error.h"
#include "ssh/private_key.h"

namespace skagent::keygen {

// The whole file (at most `max_size` bytes). Errc::not_found when missing.
Result<Bytes> read_small_file(const std::string& path, size_t max_size = 1 << 20);

bool path_exists(const std::string& path);

// Writes `content` to `path` with `mode`: through a temporary file in the same
// directory, then rename (replace = true) or a hard link that fails when the
// name was taken meanwhile (replace = false; Errc::exists).
Status write_file(const std::string& path, ByteView content, unsigned mode, bool replace);

// ssh-keygen's question when any of `paths` exists, naming the first that
// does: "PATH already exists.\nOverwrite (y/n)? ". True when none exists or
// the answer is yes. Errc::denied when there is no terminal to ask on.
Result<bool> confirm_overwrite(Console& console, const std::vector<std::string>& paths);

struct KeyPairFiles {
  std::string private_path;  // and private_path + ".pub"
  std::string comment;
  std::string_view passphrase;  // empty: not encrypted
  uint32_t rounds = 16;
};

// Writes the openssh-key-v1 private key (mode 0600) and the public key line
// (0644). `replace` as for write_file (after confirm_overwrite said yes).
Status save_key_pair(const PrivateKey& key, const KeyPairFiles& files, bool replace);

// The home directory: $HOME as main read it (null or empty: the password
// database's, else "/"), as ssh-keygen finds it.
std::string home_directory(const char* env_home);

// <home>/.ssh/id_<name> for a key type (id_ed25519_sk, id_ecdsa, id_rsa, ...).
std::string default_key_path(const std::string& home, KeyType type);

// Creates <home>/.ssh (mode 0700) when `path` is inside it and it is missing;
// returns whether it made it.
bool make_user_ssh_dir(const std::string& home, const std::string& path);

// Asks for a new passphrase twice (until both agree), as ssh-keygen does.
Result<SecretText> ask_new_passphrase(Console& console);
// The passphrase -N gave, else one asked for (ask_new_passphrase).
Result<SecretText> new_passphrase(const std::optional<std::string>& given, Console& console);

}  // namespace skagent::keygen
