// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/cbor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace skagent::vtoken::cbor {

namespace {

Error bad(const std::string& why) { return make_error(Errc::malformed, "CBOR: " + why); }

// Canonical order of two encoded keys: shorter first, then bytewise.
int compare_keys(ByteView a, ByteView b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.empty() ? 0 : std::memcmp(a.data(), b.data(), a.size());
  return c;
}

struct Frame {
  bool is_map = false;
  uint64_t remaining = 0;  // items left, keys and values counted separately
  size_t key_start = 0;
  size_t prev_key_start = 0, prev_key_end = 0;
  bool have_prev = false;
};

Item own(cbor_item_t* p) {
  if (p == nullptr) abort();  // libcbor's only failure here is allocation
  return Item(p);
}

}  // namespace

Result<size_t> canonical_prefix(ByteView data, const Limits& limits) {
  std::vector<Frame> stack;
  size_t pos = 0;
  size_t items = 0;
  for (;;) {
    if (!stack.empty() && stack.back().is_map && stack.back().remaining % 2 == 0) {
      stack.back().key_start = pos;
    }
    if (pos >= data.size()) return bad("truncated");
    if (++items > limits.max_items) return bad("too many items");
    uint8_t ib = data[pos++];
    uint8_t major = ib >> 5, ai = ib & 0x1f;
    uint64_t val = ai;
    if (ai >= 24 && ai <= 27) {
      size_t n = size_t(1) << (ai - 24);
      if (data.size() - pos < n) return bad("truncated head");
      val = 0;
      for (size_t i = 0; i < n; i++) val = (val << 8) | data[pos + i];
      pos += n;
      // Shortest form only, as CTAP2 canonical CBOR requires.
      static const uint64_t kMin[] = {24, 0x100, 0x10000, 0x100000000ULL};
      if (major != 7 && val < kMin[ai - 24]) return bad("integer not in shortest form");
    } else if (ai > 27) {
      return bad(ai == 31 ? "indefinite length" : "reserved additional info");
    }
    bool container = false;
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (val > data.size() - pos) return bad("string longer than input");
        pos += size_t(val);
        break;
      case 4:
      case 5: {
        uint64_t count = major == 5 ? val * 2 : val;
        // Every element needs at least one byte: a larger count is a lie.
        if (val > data.size() || count > data.size() - pos) return bad("count larger than input");
        if (count > 0) {
          if (stack.size() >= limits.max_depth) return bad("nested too deeply");
          Frame f;
          f.is_map = major == 5;
          f.remaining = count;
          stack.push_back(f);
          container = true;
        }
        break;
      }
      case 6:
        return bad("tags are not used by CTAP");
      case 7:
        if (ai < 20 || ai > 22) return bad("unsupported simple value or float");
        break;
    }
    if (container) continue;
    // One item is complete: account for it in its parents.
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.is_map && f.remaining % 2 == 0) {
        ByteView key = data.subspan(f.key_start, pos - f.key_start);
        if (f.have_prev) {
          ByteView prev = data.subspan(f.prev_key_start, f.prev_key_end - f.prev_key_start);
          int c = compare_keys(prev, key);
          if (c == 0) return bad("duplicate map key");
          if (c > 0) return bad("map keys not in canonical order");
        }
        f.prev_key_start = f.key_start;
        f.prev_key_end = pos;
        f.have_prev = true;
      }
      if (--f.remaining > 0) break;
      stack.pop_back();
    }
    if (stack.empty()) return pos;
  }
}

Status check_canonical(ByteView data, const Limits& limits) {
  auto n = canonical_prefix(data, limits);
  if (!n) return n.error();
  if (*n != data.size()) return bad("trailing bytes");
  return {};
}

Result<Item> decode(ByteView data, const Limits& limits) {
  if (auto st = check_canonical(data, limits); !st) return st.error();
  struct cbor_load_result res {};
  cbor_item_t* item = cbor_load(data.data(), data.size(), &res);
  if (item == nullptr || res.error.code != CBOR_ERR_NONE || res.read != data.size()) {
    if (item != nullptr) cbor_decref(&item);
    return bad("libcbor could not decode");
  }
  return Item(item);
}

Bytes encode(const cbor_item_t* item) {
  unsigned char* buf = nullptr;
  size_t cap = 0;
  size_t len = cbor_serialize_alloc(item, &buf, &cap);
  if (len == 0) {
    free(buf);
    abort();
  }
  Bytes out(buf, buf + len);
  secure_wipe(buf, cap);
  free(buf);
  return out;
}

Item uint(uint64_t v) {
  if (v <= 0xff) return own(cbor_build_uint8(uint8_t(v)));
  if (v <= 0xffff) return own(cbor_build_uint16(uint16_t(v)));
  if (v <= 0xffffffffULL) return own(cbor_build_uint32(uint32_t(v)));
  return own(cbor_build_uint64(v));
}

Item integer(int64_t v) {
  if (v >= 0) return uint(uint64_t(v));
  uint64_t n = uint64_t(-(v + 1));
  if (n <= 0xff) return own(cbor_build_negint8(uint8_t(n)));
  if (n <= 0xffff) return own(cbor_build_negint16(uint16_t(n)));
  if (n <= 0xffffffffULL) return own(cbor_build_negint32(uint32_t(n)));
  return own(cbor_build_negint64(n));
}

Item bytes(ByteView b) {
  static const uint8_t empty = 0;
  return own(cbor_build_bytestring(b.empty() ? &empty : b.data(), b.size()));
}

Item text(std::string_view s) {
  return own(cbor_build_stringn(s.empty() ? "" : s.data(), s.size()));
}

Item boolean(bool v) { return own(cbor_build_bool(v)); }

ArrayBuilder& ArrayBuilder::add(Item v) {
  items_.push_back(std::move(v));
  return *this;
}

Item ArrayBuilder::build() {
  Item a = own(cbor_new_definite_array(items_.size()));
  for (auto& i : items_) {
    if (!cbor_array_push(a.get(), i.get())) abort();
  }
  items_.clear();
  return a;
}

MapBuilder& MapBuilder::add(Item key, Item value) {
  pairs_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Item MapBuilder::build() {
  std::vector<std::pair<Bytes, size_t>> order;
  for (size_t i = 0; i < pairs_.size(); i++) order.emplace_back(encode(pairs_[i].first.get()), i);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return compare_keys(a.first, b.first) < 0; });
  Item m = own(cbor_new_definite_map(pairs_.size()));
  for (const auto& o : order) {
    auto& p = pairs_[o.second];
    if (!cbor_map_add(m.get(), cbor_pair{p.first.get(), p.second.get()})) abort();
  }
  pairs_.clear();
  return m;
}

bool is_map(const cbor_item_t* item) {
  return item != nullptr && cbor_isa_map(item) && cbor_map_is_definite(item);
}

bool is_array(const cbor_item_t* item) {
  return item != nullptr && cbor_isa_array(item) && cbor_array_is_definite(item);
}

const cbor_item_t* map_get(const cbor_item_t* map, int64_t key) {
  if (!is_map(map)) return nullptr;
  size_t n = cbor_map_size(map);
  struct cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < n; i++) {
    auto k = get_int(pairs[i].key);
    if (k && *k == key) return pairs[i].value;
  }
  return nullptr;
}

const cbor_item_t* map_get(const cbor_item_t* map, std::string_view key) {
  if (!is_map(map)) return nullptr;
  size_t n = cbor_map_size(map);
  struct cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < n; i++) {
    const cbor_item_t* k = pairs[i].key;
    if (cbor_isa_string(k) && cbor_string_is_definite(k) && cbor_string_length(k) == key.size() &&
        (key.empty() || std::memcmp(cbor_string_handle(k), key.data(), key.size()) == 0)) {
      return pairs[i].value;
    }
  }
  return nullptr;
}

Result<Bytes> get_bytes(const cbor_item_t* item, size_t max_len) {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return make_error(Errc::malformed, "expected a byte string");
  }
  size_t n = cbor_bytestring_length(item);
  if (n > max_len) return make_error(Errc::limit, "byte string too long");
  const uint8_t* p = cbor_bytestring_handle(item);
  return n == 0 ? Bytes{} : Bytes(p, p + n);
}

Result<std::string> get_text(const cbor_item_t* item, size_t max_len) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) {
    return make_error(Errc::malformed, "expected a text string");
  }
  size_t n = cbor_string_length(item);
  if (n > max_len) return make_error(Errc::limit, "text string too long");
  const char* p = reinterpret_cast<const char*>(cbor_string_handle(item));
  return n == 0 ? std::string() : std::string(p, n);
}

Result<int64_t> get_int(const cbor_item_t* item) {
  if (item == nullptr) return make_error(Errc::malformed, "expected an integer");
  if (cbor_isa_uint(item)) {
    uint64_t v = cbor_get_int(item);
    if (v > uint64_t(INT64_MAX)) return make_error(Errc::limit, "integer out of range");
    return int64_t(v);
  }
  if (cbor_isa_negint(item)) {
    uint64_t v = cbor_get_int(item);
    if (v > uint64_t(INT64_MAX)) return make_error(Errc::limit, "integer out of range");
    return -1 - int64_t(v);
  }
  return make_error(Errc::malformed, "expected an integer");
}

Result<uint64_t> get_uint(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_uint(item))
    return make_error(Errc::malformed, "expected an unsigned integer");
  return uint64_t(cbor_get_int(item));
}

Result<bool> get_bool(const cbor_item_t* item) {
  if (item == nullptr || !cbor_is_bool(item))
    return make_error(Errc::malformed, "expected a boolean");
  return cbor_get_bool(item);
}

namespace {

// A required field, read by `get`; errors name the field.
template <class T, class Key, class Get>
Result<T> required_field(const cbor_item_t* map, Key key, const char* what, Get get) {
  const cbor_item_t* v = map_get(map, key);
  if (v == nullptr) return make_error(Errc::not_found, std::string("missing ") + what);
  Result<T> got = get(v);
  if (!got) return make_error(got.error().code, std::string(what) + ": " + got.error().message);
  return got;
}

// An optional field, read by `get` when present.
template <class T, class Get>
Status optional_field(const cbor_item_t* map, int64_t key, std::optional<T>& out, Get get) {
  const cbor_item_t* v = map_get(map, key);
  if (v == nullptr) return {};
  Result<T> got = get(v);
  if (!got) return got.error();
  out = std::move(*got);
  return {};
}

}  // namespace

Result<Bytes> required_bytes(const cbor_item_t* map, int64_t key, size_t max_len,
                             const char* what) {
  return required_field<Bytes>(map, key, what,
                               [&](const cbor_item_t* v) { return get_bytes(v, max_len); });
}

Result<std::string> required_text(const cbor_item_t* map, int64_t key, size_t max_len,
                                  const char* what) {
  return required_field<std::string>(map, key, what,
                                     [&](const cbor_item_t* v) { return get_text(v, max_len); });
}

Result<Bytes> required_bytes(const cbor_item_t* map, std::string_view key, size_t max_len,
                             const char* what) {
  return required_field<Bytes>(map, key, what,
                               [&](const cbor_item_t* v) { return get_bytes(v, max_len); });
}

Result<std::string> required_text(const cbor_item_t* map, std::string_view key, size_t max_len,
                                  const char* what) {
  return required_field<std::string>(map, key, what,
                                     [&](const cbor_item_t* v) { return get_text(v, max_len); });
}

Status optional_bytes(const cbor_item_t* map, int64_t key, size_t max_len,
                      std::optional<Bytes>& out) {
  return optional_field(map, key, out, [&](const cbor_item_t* v) { return get_bytes(v, max_len); });
}

Status optional_text(const cbor_item_t* map, int64_t key, size_t max_len,
                     std::optional<std::string>& out) {
  return optional_field(map, key, out, [&](const cbor_item_t* v) { return get_text(v, max_len); });
}

Status optional_int(const cbor_item_t* map, int64_t key, std::optional<int64_t>& out) {
  return optional_field(map, key, out, get_int);
}

Status optional_uint(const cbor_item_t* map, int64_t key, std::optional<uint64_t>& out) {
  return optional_field(map, key, out, get_uint);
}

}  // namespace skagent::vtoken::cbor
