// SPDX-License-Identifier: BSD-2-Clause
// Memory for secrets: locked in RAM, excluded from core dumps, wiped on free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/error.h"

namespace skagent {

class LockedBuffer {
 public:
  // Fails (no exception) when the pages cannot be mapped.
  static Result<std::unique_ptr<LockedBuffer>> create(size_t size);
  ~LockedBuffer();
  LockedBuffer(const LockedBuffer&) = delete;
  LockedBuffer& operator=(const LockedBuffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> view() const { return {data_, size_}; }
  // Whether mlock succeeded (it may not under a tight RLIMIT_MEMLOCK).
  bool locked() const { return locked_; }

 private:
  LockedBuffer(uint8_t* data, size_t size, size_t mapped, bool locked)
      : data_(data), size_(size), mapped_(mapped), locked_(locked) {}
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
  bool locked_ = false;
};

}  // namespace skagent
