// SPDX-License-Identifier: BSD-2-Clause
#include "platform/peer_identity.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace skagent {
namespace {

TEST(PeerIdentity, SocketpairIsUs) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  for (int fd : sv) {
    auto p = peer_identity(fd);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->pid, getpid());
    EXPECT_EQ(p->uid, getuid());
    EXPECT_EQ(p->gid, getgid());
  }
  close(sv[0]);
  close(sv[1]);
}

TEST(PeerIdentity, NotASocketFails) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  auto r = peer_identity(p[0]);
  EXPECT_FALSE(r.ok());
  if (!r.ok()) {
    EXPECT_EQ(r.error().code, Errc::io);
  }
  close(p[0]);
  close(p[1]);
  EXPECT_FALSE(peer_identity(-1).ok());
}

}  // namespace
}  // namespace skagent
