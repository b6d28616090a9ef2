// SPDX-License-Identifier: BSD-2-Clause
// LockedBuffer on Windows: its own pages from VirtualAlloc, locked in RAM with VirtualLock
// (kept out of the page file), wiped with SecureZeroMemory before they are freed. Windows has
// no per-region "exclude from core dumps" switch that mingw exposes (WerRegisterExcluded-
// MemoryBlock covers only Windows Error Reporting dumps): not done.
#include <windows.h>

#include <new>

#include "platform/secure_memory.h"
#include "base/bytes.h"

namespace skagent {

LockedBuffer::LockedBuffer(size_t size) : size_(size) {
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  size_t page = si.dwPageSize;
  mapped_ = (size + page - 1) / page * page;
  if (mapped_ == 0) mapped_ = page;
  void* p = VirtualAlloc(nullptr, mapped_, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (p == nullptr) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(p);
  locked_ = VirtualLock(p, mapped_) != 0;
}

LockedBuffer::~LockedBuffer() {
  secure_wipe(data_, mapped_);
  if (locked_) VirtualUnlock(data_, mapped_);
  VirtualFree(data_, 0, MEM_RELEASE);
}

}  // namespace skagent
