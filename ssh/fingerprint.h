// SPDX-License-Identifier: BSD-2-Clause
// Key fingerprints exactly as ssh-keygen -l and ssh-add -l print them.
#pragma once

#include <string>
#include <string_view>

#include "ssh/key.h"

namespace skagent {

enum class FingerprintHash { sha256, md5 };

// "SHA256:<unpadded base64>" or "MD5:xx:xx:...". A certificate has the
// fingerprint of its underlying plain key, as OpenSSH computes it.
std::string fingerprint(const PublicKey& key, FingerprintHash hash);
// The same for a plain (not certificate) key's blob, for a caller that holds it already.
std::string plain_blob_fingerprint(ByteView plain_blob, FingerprintHash hash);

// Parses ssh-agent -E's argument ("sha256", "md5"; case-insensitive).
Result<FingerprintHash> fingerprint_hash_by_name(std::string_view name);

}  // namespace skagent
