// SPDX-License-Identifier: BSD-2-Clause
#include <sys/mman.h>
#include <unistd.h>

#include <new>

#include "platform/secure_memory.h"
#include "base/bytes.h"

namespace skagent {

LockedBuffer::LockedBuffer(size_t size) : size_(size) {
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  mapped_ = (size + page - 1) / page * page;
  void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(p);
  madvise(p, mapped_, MADV_DONTDUMP);
  madvise(p, mapped_, MADV_WIPEONFORK);
  locked_ = mlock(p, mapped_) == 0;
}

LockedBuffer::~LockedBuffer() {
  secure_wipe(data_, mapped_);
  if (locked_) munlock(data_, mapped_);
  munmap(data_, mapped_);
}

}  // namespace skagent
