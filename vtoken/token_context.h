// SPDX-License-Identifier: BSD-2-Clause
// What every command handler works on: the token's configuration, its
// persistent state and file, the volatile PIN session and the cursors of
// multi-step commands (getNextAssertion, credential enumeration).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vtoken/pin_session.h"
#include "vtoken/state_file.h"
#include "vtoken/user_presence.h"

namespace skagent::vtoken {

struct TokenConfig {
  Bytes aaguid = Bytes(16, 0);
  // Offered PIN protocols, preferred first (libfido2 picks 2 when offered).
  std::vector<uint8_t> pin_protocols = {2, 1};
  size_t max_resident = kMaxResidentCredentials;
  // Test control: makeCredential takes this long to generate its key, as a
  // real token may (the platform sees "processing" keepalives meanwhile).
  uint32_t processing_delay_ms = 0;
  // getInfo advertises discoverable credentials (option "rk") and makeCredential
  // accepts them; false models an older U2F-era token.
  bool resident_keys = true;
  // The credProtect extension is advertised and honoured; false models a
  // CTAP 2.0 token without it.
  bool cred_protect = true;
  // getInfo's minPINLength; setPIN and changePIN refuse shorter PINs.
  size_t min_pin_length = 4;
  // authenticatorReset is taken only this long after power-up (CTAP 2.1
  // §6.6: 10 s on a real token), then answers NOT_ALLOWED.
  uint32_t reset_window_ms = 10000;
};

// One credential found for an assertion.
struct AssertionCandidate {
  Bytes id;
  int64_t alg = 0;
  Bytes private_key;
  std::optional<size_t> resident_index;  // into TokenState::credentials
};

// getNextAssertion's queue (CTAP 2.1 §6.3): the rest of the credentials
// found by the last getAssertion, valid for 30 s.
struct AssertionQueue {
  std::vector<AssertionCandidate> remaining;
  Bytes rp_id_hash;
  Bytes client_data_hash;
  uint8_t flags = 0;
  std::chrono::steady_clock::time_point deadline;
};

// Credential management's enumeration cursors.
struct CredmanCursor {
  std::vector<std::string> rp_ids;  // enumerateRPs
  size_t next_rp = 0;
  std::vector<size_t> credentials;  // enumerateCredentials: indices into state
  size_t next_credential = 0;
  void clear() { *this = CredmanCursor{}; }
};

struct TokenContext {
  TokenConfig config;
  StateFile file;
  TokenState state;
  TouchControl& touch;
  PinSession pin;
  std::optional<AssertionQueue> assertions;
  CredmanCursor credman;
  std::chrono::steady_clock::time_point powered_up = std::chrono::steady_clock::now();

  Status persist() { return file.save(state); }
  bool protocol_offered(int64_t v) const {
    for (uint8_t p : config.pin_protocols) {
      if (p == v) return true;
    }
    return false;
  }
};

}  // namespace skagent::vtoken
