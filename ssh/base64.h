// SPDX-License-Identifier: BSD-2-Clause
// Base64 (RFC 4648) as OpenSSH key files and key lines use it.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

// Encodes with '=' padding unless `pad` is false (fingerprints drop it).
std::string base64_encode(ByteView data, bool pad = true);

// Decodes strictly: whitespace anywhere is skipped (key files wrap lines), but
// any other non-alphabet character, missing or misplaced padding, or non-zero
// bits under the padding is an error, so one text decodes one way only.
Result<Bytes> base64_decode(std::string_view text);

}  // namespace skagent
