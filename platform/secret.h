// SPDX-License-Identifier: BSD-2-Clause
// A secret a person typed (a PIN): held only in locked, non-dumpable memory
// (LockedBuffer), wiped when changed or freed. It travels as this type from
// the askpass through the PIN cache and the sk-helper protocol to the token
// library, so no ordinary heap buffer ever holds it. Copies are deep copies
// into their own locked page; an empty Secret maps nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "platform/secure_memory.h"

namespace skagent {

class Secret {
 public:
  static constexpr size_t kCapacity = 256;
  Secret() = default;
  Secret(const Secret& other);
  Secret& operator=(const Secret& other);
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret() = default;  // the LockedBuffer wipes itself

  std::string_view view() const;
  // NUL-terminated, for C token APIs; "" when empty.
  const char* c_str() const;
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  // Appends; false (and nothing kept, now or later) past kCapacity.
  bool append(const char* p, size_t n);
  // Replaces the content: clear() then append().
  bool assign(std::string_view s);
  // Wipes the content and forgets an overflow.
  void clear();
  // Keeps only the first line.
  void cut_at_newline();
  std::unique_ptr<Secret> copy() const;
  bool operator==(const Secret& other) const { return view() == other.view(); }

 private:
  std::unique_ptr<LockedBuffer> buf_;  // kCapacity + 1 bytes: room for c_str()'s NUL
  size_t len_ = 0;
  bool overflow_ = false;
};

// Call after ordinary code has handled a Secret's bytes (copied, encoded,
// written): zeroes the vector registers, through which string functions such
// as memcpy carry data, and the stack below the caller's frame, where callees
// left copies. The dynamic linker, binding a library function on first use,
// saves every vector register there.
void wipe_registers_and_stack();

}  // namespace skagent
