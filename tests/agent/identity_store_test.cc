// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/identity_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace skagent {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

IdentityStore::Ptr make(std::string_view blob, std::string comment,
                        std::optional<Clock::time_point> expires = std::nullopt) {
  auto id = std::make_shared<Identity>();
  id->blob = to_bytes(view(blob));
  id->comment = std::move(comment);
  id->expires = expires;
  return id;
}

std::vector<std::string> comments(const IdentityStore& s) {
  std::vector<std::string> out;
  for (const auto& id : s.all()) out.push_back(id->comment);
  return out;
}

TEST(IdentityStore, PutKeepsInsertionOrder) {
  IdentityStore s;
  EXPECT_EQ(s.size(), 0u);
  s.put(make("a", "A"));
  s.put(make("b", "B"));
  s.put(make("c", "C"));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(comments(s), (std::vector<std::string>{"A", "B", "C"}));
}

TEST(IdentityStore, PutReplacesInPlace) {
  IdentityStore s;
  s.put(make("a", "A"));
  s.put(make("b", "B"));
  s.put(make("c", "C"));
  s.put(make("b", "B2"));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(comments(s), (std::vector<std::string>{"A", "B2", "C"}));
  EXPECT_EQ(s.find(view("b"))->comment, "B2");
}

TEST(IdentityStore, BlobsComparedByWholeValue) {
  IdentityStore s;
  s.put(make("ab", "AB"));
  s.put(make("a", "A"));  // a prefix is a different key
  s.put(make(std::string_view("a\0", 2), "A0"));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.find(view("a"))->comment, "A");
  EXPECT_EQ(s.find(view("ab"))->comment, "AB");
  EXPECT_EQ(s.find(view(std::string_view("a\0", 2)))->comment, "A0");
  EXPECT_EQ(s.find(view("b")), nullptr);
  EXPECT_EQ(s.find({}), nullptr);
}

TEST(IdentityStore, FindReturnsSharedIdentity) {
  IdentityStore s;
  auto a = make("a", "A");
  s.put(a);
  EXPECT_EQ(s.find(view("a")), a);
}

TEST(IdentityStore, Remove) {
  IdentityStore s;
  s.put(make("a", "A"));
  s.put(make("b", "B"));
  s.put(make("c", "C"));
  EXPECT_TRUE(s.remove(view("b")));
  EXPECT_FALSE(s.remove(view("b")));
  EXPECT_FALSE(s.remove(view("zz")));
  EXPECT_EQ(comments(s), (std::vector<std::string>{"A", "C"}));
  EXPECT_EQ(s.find(view("b")), nullptr);
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.find(view("a")), nullptr);
}

TEST(IdentityStore, ExpireDropsOnlyExpiredAndReturnsNextExpiry) {
  IdentityStore s;
  auto t0 = Clock::now();
  s.put(make("a", "A", t0 + seconds(10)));
  s.put(make("b", "B"));  // no lifetime
  s.put(make("c", "C", t0 + seconds(30)));
  s.put(make("d", "D", t0 + seconds(20)));

  auto next = s.expire(t0);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, t0 + seconds(10));
  EXPECT_EQ(s.size(), 4u);

  next = s.expire(t0 + seconds(10));  // expiry at exactly `now` counts
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, t0 + seconds(20));
  EXPECT_EQ(comments(s), (std::vector<std::string>{"B", "C", "D"}));

  next = s.expire(t0 + seconds(25));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, t0 + seconds(30));
  EXPECT_EQ(comments(s), (std::vector<std::string>{"B", "C"}));

  next = s.expire(t0 + seconds(1000));
  EXPECT_FALSE(next.has_value());
  EXPECT_EQ(comments(s), (std::vector<std::string>{"B"}));
}

TEST(IdentityStore, ExpireOnEmptyOrUnlimited) {
  IdentityStore s;
  EXPECT_FALSE(s.expire(Clock::now()).has_value());
  s.put(make("a", "A"));
  EXPECT_FALSE(s.expire(Clock::now() + seconds(1000000)).has_value());
  EXPECT_EQ(s.size(), 1u);
}

TEST(IdentityStore, ReplaceUpdatesExpiry) {
  IdentityStore s;
  auto t0 = Clock::now();
  s.put(make("a", "A", t0 + seconds(5)));
  s.put(make("a", "A2"));  // re-added without a lifetime
  EXPECT_FALSE(s.expire(t0 + seconds(10)).has_value());
  EXPECT_EQ(comments(s), (std::vector<std::string>{"A2"}));
}

}  // namespace
}  // namespace skagent
