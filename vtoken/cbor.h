// SPDX-License-Identifier: BSD-2-Clause
// CBOR over libcbor for CTAP2: a strict pre-scan (definite lengths, shortest
// integer forms, canonical map key order, bounded depth and counts, no tags or
// floats) runs before libcbor sees untrusted bytes, so libcbor never allocates
// for a hostile count nor recurses deeper than the scan allowed. Builders sort
// map keys into CTAP2 canonical order, which libfido2 insists on.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken::cbor {

struct ItemFree {
  void operator()(cbor_item_t* p) const { cbor_decref(&p); }
};
// An owned reference to a libcbor item.
using Item = std::unique_ptr<cbor_item_t, ItemFree>;

struct Limits {
  size_t max_depth = 8;     // CTAP requests nest 3 deep at most
  size_t max_items = 2048;  // every head counts
};

// Checks that `data` is exactly one CBOR item in CTAP2 canonical form.
Status check_canonical(ByteView data, const Limits& limits = {});
// The length of the canonical CBOR item at the start of `data` (for items
// embedded in binary structures, like the COSE key in authenticator data).
Result<size_t> canonical_prefix(ByteView data, const Limits& limits = {});
// check_canonical, then libcbor's decoder.
Result<Item> decode(ByteView data, const Limits& limits = {});
Bytes encode(const cbor_item_t* item);

// Builders. They abort on allocation failure, like operator new.
Item uint(uint64_t v);
Item integer(int64_t v);
Item bytes(ByteView b);
Item text(std::string_view s);
Item boolean(bool v);

class ArrayBuilder {
 public:
  ArrayBuilder& add(Item v);
  Item build();

 private:
  std::vector<Item> items_;
};

class MapBuilder {
 public:
  MapBuilder& add(Item key, Item value);
  MapBuilder& add(int64_t key, Item value) { return add(integer(key), std::move(value)); }
  MapBuilder& add(std::string_view key, Item value) { return add(text(key), std::move(value)); }
  // Keys are sorted canonically: shorter encodings first, then bytewise.
  Item build();

 private:
  std::vector<std::pair<Item, Item>> pairs_;
};

// Accessors over decoded items. Each checks the type and a size bound.
const cbor_item_t* map_get(const cbor_item_t* map, int64_t key);
const cbor_item_t* map_get(const cbor_item_t* map, std::string_view key);
Result<Bytes> get_bytes(const cbor_item_t* item, size_t max_len);
Result<std::string> get_text(const cbor_item_t* item, size_t max_len);
Result<int64_t> get_int(const cbor_item_t* item);
Result<uint64_t> get_uint(const cbor_item_t* item);
Result<bool> get_bool(const cbor_item_t* item);
bool is_map(const cbor_item_t* item);
bool is_array(const cbor_item_t* item);

// Field helpers for request maps: a missing required field is Errc::not_found.
Result<Bytes> required_bytes(const cbor_item_t* map, int64_t key, size_t max_len, const char* what);
Result<std::string> required_text(const cbor_item_t* map, int64_t key, size_t max_len,
                                  const char* what);
// The same for maps with text keys (WebAuthn entities).
Result<Bytes> required_bytes(const cbor_item_t* map, std::string_view key, size_t max_len,
                             const char* what);
Result<std::string> required_text(const cbor_item_t* map, std::string_view key, size_t max_len,
                                  const char* what);
// An optional field: absent leaves `out` as it is; present, it must have the
// type and size bound, or its error is returned.
Status optional_bytes(const cbor_item_t* map, int64_t key, size_t max_len,
                      std::optional<Bytes>& out);
Status optional_text(const cbor_item_t* map, int64_t key, size_t max_len,
                     std::optional<std::string>& out);
Status optional_int(const cbor_item_t* map, int64_t key, std::optional<int64_t>& out);
Status optional_uint(const cbor_item_t* map, int64_t key, std::optional<uint64_t>& out);

}  // namespace skagent::vtoken::cbor
