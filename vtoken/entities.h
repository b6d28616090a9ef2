// SPDX-License-Identifier: BSD-2-Clause
// The WebAuthn structures CTAP requests carry: relying party, user, and
// public-key credential descriptors (allow and exclude lists).
#pragma once

#include <string>
#include <vector>

#include "vtoken/cbor.h"

namespace skagent::vtoken {

inline constexpr size_t kMaxRpIdLength = 255;
inline constexpr size_t kMaxUserIdLength = 64;
inline constexpr size_t kMaxNameLength = 64;  // names are truncated to this
inline constexpr size_t kMaxCredentialIdLength = 1023;
inline constexpr size_t kMaxCredentialList = 64;

struct RpEntity {
  std::string id;
  std::string name;
  static Result<RpEntity> parse(const cbor_item_t* item);
};

struct UserEntity {
  Bytes id;
  std::string name;
  std::string display_name;
  static Result<UserEntity> parse(const cbor_item_t* item);
  // {"id"} alone, or with the names when `with_names`.
  cbor::Item to_cbor(bool with_names) const;
};

// A descriptor of type "public-key"; descriptors of other types are skipped
// by the list parser, as WebAuthn says.
struct CredentialDescriptor {
  Bytes id;
  static cbor::Item to_cbor(ByteView id);
  static Result<CredentialDescriptor> parse(const cbor_item_t* item);
};

Result<std::vector<Bytes>> parse_credential_list(const cbor_item_t* item);

// Truncates to at most `max` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string s, size_t max);

}  // namespace skagent::vtoken
