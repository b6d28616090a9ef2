// SPDX-License-Identifier: BSD-2-Clause
// skagent-keygen's command line, a subset of ssh-keygen's with the same
// letters and meanings, plus --list-devices and the token commands
// (--list-resident, --delete-resident, --set-pin, --token-info, --reset-token).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "ssh/fingerprint.h"
#include "ssh/key.h"

namespace skagent::keygen {

enum class Mode {
  generate,           // (default) make a key pair
  download_resident,  // -K
  fingerprint,        // -l
  print_public,       // -y
  list_devices,       // --list-devices
  list_resident,      // --list-resident
  delete_resident,    // --delete-resident FINGERPRINT|APPLICATION
  set_pin,            // --set-pin
  token_info,         // --token-info
  reset_token,        // --reset-token
  help,               // -h / --help
  version,            // -V / --version
};

struct KeySpec {
  KeyType type = KeyType::ed25519;
  unsigned bits = 0;  // 0: the type's default
};

struct Options {
  Mode mode = Mode::generate;
  std::optional<KeySpec> key;                      // -t (and -b)
  unsigned bits = 0;                               // -b
  std::optional<std::string> comment;              // -C
  std::optional<std::string> file;                 // -f
  std::optional<std::string> new_passphrase;       // -N (may be empty)
  std::optional<std::string> passphrase;           // -P (to read an encrypted key)
  std::vector<std::string> sk_options;             // -O, in order
  std::string delete_target;                       // --delete-resident's argument
  std::string provider;                            // -w, else $SSH_SK_PROVIDER, else "internal"
  FingerprintHash hash = FingerprintHash::sha256;  // -E
  uint32_t rounds = 16;                            // -a
  bool quiet = false;                              // -q
  bool verbose = false;                            // -v (randomart with -l)
  std::string home;  // the home directory (main: $HOME, else the password database)
};

// Parses argv (argv[0] is the program). `sk_provider_env` is $SSH_SK_PROVIDER
// (or null). Errors carry a message for the person; the caller adds usage.
Result<Options> parse_command_line(int argc, char** argv, const char* sk_provider_env);

// -t names as ssh-keygen takes them: ed25519, ecdsa, rsa, ed25519-sk,
// ecdsa-sk (any case), or a full plain key name such as ecdsa-sha2-nistp384.
// `bits` is -b (0 when not given); the result has the size settled.
Result<KeySpec> parse_key_spec(const std::string& name, unsigned bits);

// "ed25519-sk", "rsa", ...: how the -t name of a type reads in messages.
std::string key_spec_name(KeyType type);

// The modes that manage a token (keygen/manage_token.h).
bool is_token_mode(Mode m);

std::string usage_text();

}  // namespace skagent::keygen
