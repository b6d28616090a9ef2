// SPDX-License-Identifier: BSD-2-Clause
#include "platform/secure_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace skagent {
namespace {

TEST(LockedBuffer, SizeZeroedAndWritable) {
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  for (size_t n : {size_t(1), size_t(100), page - 1, page, page + 1, 16 * size_t(1024)}) {
    LockedBuffer b(n);
    ASSERT_NE(b.data(), nullptr) << n;
    EXPECT_EQ(b.size(), n);
    EXPECT_EQ(b.view().size(), n);
    EXPECT_EQ(b.view().data(), b.data());
    for (size_t i = 0; i < n; i++) ASSERT_EQ(b.data()[i], 0) << n << " at " << i;
    for (size_t i = 0; i < n; i++) b.data()[i] = uint8_t(i * 13 + 1);
    const LockedBuffer& cb = b;
    for (size_t i = 0; i < n; i++) ASSERT_EQ(cb.data()[i], uint8_t(i * 13 + 1)) << n << " at " << i;
  }
}

TEST(LockedBuffer, PageAligned) {
  LockedBuffer b(10);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % uintptr_t(sysconf(_SC_PAGESIZE)), 0u);
}

TEST(LockedBuffer, DistinctBuffersDoNotAlias) {
  LockedBuffer a(64), b(64);
  EXPECT_NE(a.data(), b.data());
  a.data()[0] = 0xaa;
  EXPECT_EQ(b.data()[0], 0);
}

}  // namespace
}  // namespace skagent
