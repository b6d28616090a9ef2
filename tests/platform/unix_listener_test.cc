// SPDX-License-Identifier: BSD-2-Clause
#include "platform/unix_listener.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/common/temp_dir.h"

namespace skagent {
namespace {

namespace fs = std::filesystem;

bool connects(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
  bool ok = connect(fd, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun)) == 0;
  close(fd);
  return ok;
}

// A private directory for each test, given to listen_unix as the agent's main gives $TMPDIR.
class UnixListenerTest : public ::testing::Test {
 protected:
  size_t entries(const fs::path& p) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(p)) n++;
    return n;
  }
  testing::TempDir tmp_{"skagent-listener-test"};
  const std::string dir_ = tmp_.path();
};

TEST_F(UnixListenerTest, ExplicitPathIs0600Socket) {
  std::string path = dir_ + "/agent.sock";
  auto l = listen_unix(path, 4242);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_GE(l->fd, 0);
  EXPECT_EQ(l->path, path);
  EXPECT_EQ(l->own_dir, "");
  struct stat st {};
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_TRUE(connects(path));
  remove_listener_files(*l);
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_TRUE(fs::exists(dir_));  // not ours to remove
  close(l->fd);
}

TEST_F(UnixListenerTest, UmaskIsRestored) {
  mode_t old = umask(022);
  auto l = listen_unix(dir_ + "/s", 1);
  mode_t after = umask(old);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(after, 022u);
  close(l->fd);
}

TEST_F(UnixListenerTest, PrivateDirectory) {
  auto l = listen_unix("", 31337, dir_);
  ASSERT_TRUE(l.ok()) << l.error().message;
  fs::path own(l->own_dir);
  EXPECT_EQ(own.parent_path().string(), dir_);
  std::string name = own.filename().string();
  ASSERT_EQ(name.size(), 14u) << name;
  EXPECT_EQ(name.substr(0, 4), "ssh-");
  for (char c : name.substr(4)) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c))) << name;
  EXPECT_EQ(l->path, l->own_dir + "/agent.31337");

  struct stat st {};
  ASSERT_EQ(lstat(l->own_dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(lstat(l->path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(entries(l->own_dir), 1u);
  EXPECT_TRUE(connects(l->path));

  remove_listener_files(*l);
  EXPECT_FALSE(fs::exists(l->path));
  EXPECT_FALSE(fs::exists(l->own_dir));
  EXPECT_EQ(entries(dir_), 0u);
  close(l->fd);
}

TEST_F(UnixListenerTest, TwoPrivateDirectoriesDiffer) {
  auto a = listen_unix("", 1, dir_), b = listen_unix("", 1, dir_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->own_dir, b->own_dir);
  remove_listener_files(*a);
  remove_listener_files(*b);
  close(a->fd);
  close(b->fd);
}

TEST_F(UnixListenerTest, ExistingSocketPathFails) {
  std::string path = dir_ + "/agent.sock";
  auto first = listen_unix(path, 1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = listen_unix(path, 1);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::io);
  EXPECT_TRUE(connects(path));  // the first listener is untouched
  close(first->fd);
}

TEST_F(UnixListenerTest, ExistingRegularFileFails) {
  std::string path = dir_ + "/file";
  std::ofstream(path) << "keep me";
  auto l = listen_unix(path, 1);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::io);
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "keep me");
}

TEST_F(UnixListenerTest, MissingParentDirectoryFails) {
  auto l = listen_unix(dir_ + "/no/such/dir/sock", 1);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::io);
}

TEST_F(UnixListenerTest, TooLongPathFails) {
  auto l = listen_unix(dir_ + "/" + std::string(200, 'a'), 1);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::limit);
}

// With a long TMPDIR the private directory fits but agent.<pid> inside it does
// not; the directory just created must not be left behind.
TEST_F(UnixListenerTest, TooLongPathLeavesNoPrivateDirectory) {
  std::string deep = dir_ + "/" + std::string(99 - dir_.size(), 'd');
  ASSERT_EQ(deep.size(), 100u);
  ASSERT_TRUE(fs::create_directory(deep));
  auto l = listen_unix("", 12345, deep);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::limit);
  EXPECT_EQ(entries(deep), 0u) << "left " << fs::directory_iterator(deep)->path();
}

TEST_F(UnixListenerTest, PrivateDirectoryInUnwritableTmpdirFails) {
  auto l = listen_unix("", 1, dir_ + "/missing");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::io);
}

}  // namespace
}  // namespace skagent
