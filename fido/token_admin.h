// SPDX-License-Identifier: BSD-2-Clause
// Managing a security key rather than using it: which one to manage, what it
// says about itself (getInfo, PIN retries), deleting one of its resident
// credentials, and a factory reset. The PIN calls are in fido/pin.h and the
// resident-key listing in fido/resident_keys.h.
//
// Every call here works on exactly one token: `Options::device`, or the only
// one found. With several and none named, single_device() refuses (naming
// them) instead of guessing, because a deletion or a reset cannot be undone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fido/device.h"
#include "fido/options.h"
#include "base/bytes.h"
#include "base/error.h"

namespace skagent::fido {

// `o` with `device` set to the one token to manage: the named one, or the
// only one found. not_found with none, denied with several (the message
// lists their paths and says to name one).
Result<Options> single_device(const Options& o, std::string_view what);

struct TokenInfo {
  std::string path;
  Transport transport = Transport::usb;
  bool fido2 = false;                   // CTAP2; a U2F-only token answers nothing more
  std::vector<std::string> versions;    // "FIDO_2_0", "FIDO_2_1", "U2F_V2"
  std::vector<std::string> extensions;  // "credProtect", "hmac-secret", ...
  std::vector<std::string> transports;  // what the token says it speaks: "usb", "nfc"
  std::vector<std::pair<std::string, bool>>
      options;  // as sent: rk, up, uv, clientPin, credMgmt, ...
  Bytes aaguid;
  std::vector<uint8_t> pin_protocols;
  std::vector<int> algorithms;      // COSE numbers
  uint64_t firmware_version = 0;    // 0: not said
  uint64_t min_pin_length = 0;      // 0: not said (CTAP's default is 4)
  int64_t resident_remaining = -1;  // -1: not said (getInfo 0x14)
  std::optional<int> pin_retries;   // when a PIN is set

  // An option's value; nullopt when the token does not name it.
  std::optional<bool> option(std::string_view name) const;
  // The minimum PIN length in code points the token takes (4 unless it says more).
  size_t effective_min_pin_length() const;
};

// getInfo and the PIN retry counter of `o.device` (single_device first).
Result<TokenInfo> read_token_info(const Options& o);

// Deletes the resident credential `credential_id` (a key handle from
// load_resident_keys) from `o.device`, authorised by `pin`.
Status delete_resident_key(const Options& o, ByteView credential_id, const char* pin);

// authenticatorReset of `o.device`: the token erases every credential and
// its PIN. Tokens take it only within a few seconds of power-up and with a
// touch; a refusal says so.
Status reset_token(const Options& o);

}  // namespace skagent::fido
