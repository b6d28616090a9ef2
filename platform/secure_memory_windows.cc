// SPDX-License-Identifier: BSD-2-Clause
// LockedBuffer on Windows: its own pages from VirtualAlloc, locked in RAM with VirtualLock
// (kept out of the page file), wiped with SecureZeroMemory before they are freed. Windows has
// no per-region "exclude from core dumps" switch that mingw exposes (WerRegisterExcluded-
// MemoryBlock covers only Windows Error Reporting dumps): not done.
#include <windows.h>

#include <string>

#include "platform/secure_memory.h"
#include "base/bytes.h"

namespace skagent {

Result<std::unique_ptr<LockedBuffer>> LockedBuffer::create(size_t size) {
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  size_t page = si.dwPageSize;
  if (size > SIZE_MAX - page) return make_error(Errc::limit, "locked buffer too large");
  size_t mapped = size == 0 ? page : (size + page - 1) / page * page;
  void* p = VirtualAlloc(nullptr, mapped, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (p == nullptr) {
    return make_error(Errc::io, "cannot allocate " + std::to_string(size) +
                                    " bytes of locked memory (error " +
                                    std::to_string(GetLastError()) + ")");
  }
  bool locked = VirtualLock(p, mapped) != 0;
  return std::unique_ptr<LockedBuffer>(
      new LockedBuffer(static_cast<uint8_t*>(p), size, mapped, locked));
}

LockedBuffer::~LockedBuffer() {
  secure_wipe(data_, mapped_);
  if (locked_) VirtualUnlock(data_, mapped_);
  VirtualFree(data_, 0, MEM_RELEASE);
}

}  // namespace skagent
