// SPDX-License-Identifier: BSD-2-Clause
// -l and -y: what ssh-keygen prints for a key file, byte for byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "keygen/console.h"
#include "base/error.h"
#include "ssh/fingerprint.h"
#include "ssh/key.h"

namespace skagent::keygen {

// "ED25519", "ECDSA-SK", "RSA-CERT", ...: sshkey_type() of OpenSSH.
std::string key_type_label(const PublicKey& key);

// Escapes what OpenSSH's mprintf would not print as is (non-printable or
// invalid characters in the current locale become \ooo).
std::string sanitize_for_terminal(std::string_view text);

// Lower-case hex, two digits a byte.
std::string to_hex(ByteView bytes);

// "256 SHA256:... comment (ED25519-SK)\n"; "no comment" when `comment` is null.
std::string fingerprint_line(const PublicKey& key, const std::string* comment,
                             FingerprintHash hash);

// OpenSSH's "drunken bishop" picture of a fingerprint (no trailing newline).
std::string randomart(const PublicKey& key, FingerprintHash hash);

// ssh-keygen -l -f path: a private key file (its .pub's comment when there is
// one, and no passphrase is asked), or any number of public key lines
// (plain, authorized_keys with options, known_hosts). With `verbose`, each
// line is followed by the randomart.
Result<std::string> fingerprint_file(const std::string& path, FingerprintHash hash, bool verbose);

// ssh-keygen -y -f path: the public key line of a private key file, asking
// for the passphrase ("Enter passphrase: ") when the file is encrypted and
// `passphrase` (-P) is not given.
Result<std::string> public_key_of_file(Console& console, const std::string& path,
                                       const std::optional<std::string>& passphrase);

}  // namespace skagent::keygen
