// SPDX-License-Identifier: BSD-2-Clause
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "platform/secure_memory.h"
#include "base/bytes.h"

namespace skagent {

Result<std::unique_ptr<LockedBuffer>> LockedBuffer::create(size_t size) {
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  if (size > SIZE_MAX - page) return make_error(Errc::limit, "locked buffer too large");
  size_t mapped = size == 0 ? page : (size + page - 1) / page * page;
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return make_error(Errc::io, "cannot map " + std::to_string(size) +
                                    " bytes of locked memory: " + std::strerror(errno));
  }
  madvise(p, mapped, MADV_DONTDUMP);
  madvise(p, mapped, MADV_WIPEONFORK);
  bool locked = mlock(p, mapped) == 0;
  return std::unique_ptr<LockedBuffer>(
      new LockedBuffer(static_cast<uint8_t*>(p), size, mapped, locked));
}

LockedBuffer::~LockedBuffer() {
  secure_wipe(data_, mapped_);
  if (locked_) munlock(data_, mapped_);
  munmap(data_, mapped_);
}

}  // namespace skagent
