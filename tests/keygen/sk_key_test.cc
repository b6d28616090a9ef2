// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/sk_key.h"

#include <gtest/gtest.h>

#include "ssh/key_file.h"

namespace skagent::keygen {
namespace {

TEST(KeygenSkKey, BuildsAndSerialisesLikeOpenSSH) {
  auto k = make_sk_private_key(KeyType::sk_ed25519, "ssh:x", Bytes(32, 7), 0x21, Bytes{9, 9});
  ASSERT_TRUE(k) << k.error().message;
  // The agent-add / key-file serialisation: public fields, flags, handle, reserved.
  Writer w;
  k->write(w);
  Writer want;
  want.string("sk-ssh-ed25519@openssh.com");
  want.string(Bytes(32, 7));
  want.string("ssh:x");
  want.u8(0x21);
  want.string(Bytes{9, 9});
  want.string(std::string_view{});
  EXPECT_EQ(w.bytes(), want.bytes());
  auto text = write_private_key_file(*k, "c");
  ASSERT_TRUE(text);
  auto back = read_private_key_file(view(*text), "");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->key.sk_flags(), 0x21);
}

TEST(KeygenSkKey, RefusesBadParts) {
  EXPECT_FALSE(make_sk_private_key(KeyType::ed25519, "ssh:", Bytes(32, 1), 1, Bytes{1}));
  EXPECT_FALSE(make_sk_private_key(KeyType::sk_ed25519, "ssh:", Bytes(33, 1), 1, Bytes{1}));
  EXPECT_FALSE(make_sk_private_key(KeyType::sk_ed25519, "ssh:", Bytes(32, 1), 1, Bytes{}));
  EXPECT_FALSE(make_sk_private_key(KeyType::sk_ed25519, "", Bytes(32, 1), 1, Bytes{1}));
  Bytes not_on_curve(65, 1);
  not_on_curve[0] = 4;
  EXPECT_FALSE(make_sk_private_key(KeyType::sk_ecdsa_p256, "ssh:", not_on_curve, 1, Bytes{1}));
}

}  // namespace
}  // namespace skagent::keygen
