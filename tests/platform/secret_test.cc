// SPDX-License-Identifier: BSD-2-Clause
#include "platform/secret.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace skagent {
namespace {

TEST(Secret, EmptyUntilAppendedAndNulTerminated) {
  Secret s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.view(), "");
  EXPECT_STREQ(s.c_str(), "");
  EXPECT_TRUE(s.append("12", 2));
  EXPECT_TRUE(s.append("34", 2));
  EXPECT_EQ(s.view(), "1234");
  EXPECT_STREQ(s.c_str(), "1234");
  EXPECT_TRUE(s.assign("9"));  // shorter: the old tail is gone, not just hidden
  EXPECT_STREQ(s.c_str(), "9");
  EXPECT_EQ(s.c_str()[2], 0);
}

TEST(Secret, CopiesAreDeepAndMovesLeaveNothing) {
  Secret a;
  ASSERT_TRUE(a.assign("pin-a"));
  Secret b = a;
  EXPECT_EQ(b.view(), "pin-a");
  EXPECT_NE(b.view().data(), a.view().data());
  b.assign("pin-b");
  EXPECT_EQ(a.view(), "pin-a");
  auto c = a.copy();
  EXPECT_TRUE(*c == a);
  Secret d = std::move(a);
  EXPECT_EQ(d.view(), "pin-a");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  EXPECT_STREQ(a.c_str(), "");
  b = std::move(d);
  EXPECT_EQ(b.view(), "pin-a");
}

TEST(Secret, ClearWipesInPlace) {
  Secret s;
  ASSERT_TRUE(s.assign("123456"));
  const char* p = s.c_str();
  s.clear();
  EXPECT_TRUE(s.empty());
  for (int i = 0; i < 6; i++) EXPECT_EQ(p[i], 0) << i;  // the locked page stays mapped
}

TEST(Secret, BoundedAndCutAtTheNewline) {
  Secret s;
  EXPECT_TRUE(s.append("34\r\nrest", 8));
  const char* p = s.c_str();
  s.cut_at_newline();
  EXPECT_EQ(s.view(), "34");
  EXPECT_EQ(std::string(p + 2, 6), std::string(6, '\0'));
  Secret big;
  std::string full(Secret::kCapacity, 'x');
  EXPECT_TRUE(big.append(full.data(), full.size()));
  EXPECT_EQ(strlen(big.c_str()), Secret::kCapacity);  // still room for the NUL
  EXPECT_FALSE(big.append("1", 1));
  EXPECT_TRUE(big.empty());
  EXPECT_FALSE(big.append("1", 1));  // once over, stays refused until cleared
  big.clear();
  EXPECT_TRUE(big.append("1", 1));
}

}  // namespace
}  // namespace skagent
