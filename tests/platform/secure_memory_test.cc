// SPDX-License-Identifier: BSD-2-Clause
#include "platform/secure_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace skagent {
namespace {

std::unique_ptr<LockedBuffer> locked(size_t n) {
  auto b = LockedBuffer::create(n);
  EXPECT_TRUE(b.ok()) << n << ": " << (b.ok() ? "" : b.error().message);
  return b.ok() ? std::move(*b) : nullptr;
}

TEST(LockedBuffer, SizeZeroedAndWritable) {
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  for (size_t n : {size_t(1), size_t(100), page - 1, page, page + 1, 16 * size_t(1024)}) {
    auto owned = locked(n);
    ASSERT_NE(owned, nullptr) << n;
    LockedBuffer& b = *owned;
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
  auto b = locked(10);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data()) % uintptr_t(sysconf(_SC_PAGESIZE)), 0u);
}

TEST(LockedBuffer, DistinctBuffersDoNotAlias) {
  auto a = locked(64), b = locked(64);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->data(), b->data());
  a->data()[0] = 0xaa;
  EXPECT_EQ(b->data()[0], 0);
}

// Memory that cannot be had is an error to return, not an exception that ends the agent.
TEST(LockedBuffer, UnmappableSizeIsAnError) {
  for (size_t n : {size_t(1) << 60, SIZE_MAX - 1, SIZE_MAX}) {
    auto b = LockedBuffer::create(n);
    ASSERT_FALSE(b.ok()) << n;
    EXPECT_TRUE(b.error().code == Errc::io || b.error().code == Errc::limit) << n;
  }
}

}  // namespace
}  // namespace skagent
