// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/entities.h"

namespace skagent::vtoken {

namespace {

// Optional text member: absent is fine, present must be text.
Result<std::string> optional_text(const cbor_item_t* map, std::string_view key, size_t max) {
  const cbor_item_t* v = cbor::map_get(map, key);
  if (v == nullptr) return std::string();
  auto t = cbor::get_text(v, max);
  if (!t) return make_error(t.error().code, std::string(key) + ": " + t.error().message);
  return t;
}

}  // namespace

std::string truncate_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  // Step back over continuation bytes (10xxxxxx) to a sequence start.
  while (cut > 0 && (uint8_t(s[cut]) & 0xC0) == 0x80) cut--;
  s.resize(cut);
  return s;
}

Result<RpEntity> RpEntity::parse(const cbor_item_t* item) {
  if (!cbor::is_map(item)) return make_error(Errc::malformed, "rp is not a map");
  auto t = cbor::required_text(item, "id", kMaxRpIdLength, "rp.id");
  if (!t) return t.error();
  auto name = optional_text(item, "name", 4096);
  if (!name) return name.error();
  return RpEntity{std::move(*t), truncate_utf8(std::move(*name), kMaxNameLength)};
}

Result<UserEntity> UserEntity::parse(const cbor_item_t* item) {
  if (!cbor::is_map(item)) return make_error(Errc::malformed, "user is not a map");
  auto b = cbor::required_bytes(item, "id", kMaxUserIdLength, "user.id");
  if (!b) return b.error();
  auto name = optional_text(item, "name", 4096);
  if (!name) return name.error();
  auto dname = optional_text(item, "displayName", 4096);
  if (!dname) return dname.error();
  UserEntity u;
  u.id = std::move(*b);
  u.name = truncate_utf8(std::move(*name), kMaxNameLength);
  u.display_name = truncate_utf8(std::move(*dname), kMaxNameLength);
  return u;
}

cbor::Item UserEntity::to_cbor(bool with_names) const {
  cbor::MapBuilder m;
  m.add("id", cbor::bytes(id));
  if (with_names && !name.empty()) m.add("name", cbor::text(name));
  if (with_names && !display_name.empty()) m.add("displayName", cbor::text(display_name));
  return m.build();
}

cbor::Item CredentialDescriptor::to_cbor(ByteView id) {
  cbor::MapBuilder m;
  m.add("id", cbor::bytes(id));
  m.add("type", cbor::text("public-key"));
  return m.build();
}

Result<CredentialDescriptor> CredentialDescriptor::parse(const cbor_item_t* item) {
  if (!cbor::is_map(item)) return make_error(Errc::malformed, "credential descriptor is not a map");
  auto type = cbor::get_text(cbor::map_get(item, "type"), 64);
  if (!type) return make_error(Errc::malformed, "credential descriptor type");
  auto b = cbor::required_bytes(item, "id", kMaxCredentialIdLength, "credential id");
  if (!b) return b.error();
  if (*type != "public-key") return make_error(Errc::unsupported, "credential type " + *type);
  return CredentialDescriptor{std::move(*b)};
}

Result<std::vector<Bytes>> parse_credential_list(const cbor_item_t* item) {
  if (!cbor::is_array(item)) return make_error(Errc::malformed, "credential list is not an array");
  size_t n = cbor_array_size(item);
  if (n > kMaxCredentialList) return make_error(Errc::limit, "credential list too long");
  std::vector<Bytes> out;
  cbor_item_t** items = cbor_array_handle(item);
  for (size_t i = 0; i < n; i++) {
    auto d = CredentialDescriptor::parse(items[i]);
    if (!d) {
      if (d.error().code == Errc::unsupported) continue;  // another credential type
      return d.error();
    }
    out.push_back(std::move(d->id));
  }
  return out;
}

}  // namespace skagent::vtoken
