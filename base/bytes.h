// SPDX-License-Identifier: BSD-2-Clause
// Byte containers shared by every module. Every Bytes buffer is wiped when it
// is freed (including on reallocation), so key material that passes through a
// message buffer never lingers in freed heap memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skagent {

void secure_wipe(void* p, size_t n);

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) {}
  T* allocate(size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, size_t n) {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const {
    return true;
  }
};

using Bytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;
using ByteView = std::span<const uint8_t>;

inline ByteView view(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
// Wipes the bytes between a buffer's size and its capacity: what erase() and
// clear() leave behind.
void wipe_spare(Bytes& b);

inline Bytes to_bytes(ByteView b) { return Bytes(b.begin(), b.end()); }
inline bool equal(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
// Constant-time comparison for secrets (session ids, password hashes).
bool equal_ct(ByteView a, ByteView b);

}  // namespace skagent
