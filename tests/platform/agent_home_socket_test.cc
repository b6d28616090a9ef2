// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH 10.1's default agent socket in ~/.ssh/agent and its stale-socket cleanup.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "platform/unix_listener.h"
#include "tests/common/temp_dir.h"

namespace skagent {
namespace {

namespace fs = std::filesystem;

class AgentHomeSocketTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (int fd : fds_) close(fd);
  }
  std::string agent_dir() const { return home_ + "/.ssh/agent"; }

  // A socket file at `name` in ~/.ssh/agent; listening or (closed at once) dead, with its
  // modification time `age` seconds ago.
  std::string make_socket(const std::string& name, bool listening, int age) {
    fs::create_directories(agent_dir());
    std::string path = agent_dir() + "/" + name;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun {};
    sun.sun_family = AF_UNIX;
    strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
    EXPECT_EQ(bind(fd, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun)), 0) << path;
    if (listening) {
      EXPECT_EQ(listen(fd, 4), 0);
      fds_.push_back(fd);
    } else {
      close(fd);
    }
    age_file(path, age);
    return path;
  }
  static void age_file(const std::string& path, int age) {
    struct timespec times[2] = {{time(nullptr) - age, 0}, {time(nullptr) - age, 0}};
    EXPECT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
  }

  testing::TempDir tmp_{"skagent-home-test"};
  const std::string home_ = tmp_.path();
  std::vector<int> fds_;
};

// The host part of the name, as OpenSSH 10.5's ssh-agent printed it on host "vm"
// (s.2N0me1rP8M.agent.*), and SHA-512 of "example.org" mapped the same way.
TEST_F(AgentHomeSocketTest, HostHashAsOpenSsh) {
  EXPECT_EQ(agent_host_hash("vm"), "2N0me1rP8M");
  EXPECT_EQ(agent_host_hash("example.org"), "G95ZPJWuqh");
}

TEST_F(AgentHomeSocketTest, SocketNameDirectoriesAndModes) {
  auto l = listen_in_home(home_, "example.org");
  ASSERT_TRUE(l.ok()) << l.error().message;
  fds_.push_back(l->fd);
  EXPECT_TRUE(std::regex_match(
      l->path, std::regex(std::regex_replace(agent_dir(), std::regex("[.]"), "\\.") +
                          "/s\\.G95ZPJWuqh\\.agent\\.[a-zA-Z0-9]{10}")))
      << l->path;
  EXPECT_TRUE(l->own_dir.empty()) << "~/.ssh/agent is shared: it must stay";
  struct stat st {};
  ASSERT_EQ(stat((home_ + "/.ssh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(stat(agent_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(lstat(l->path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = listen_in_home(home_, "example.org");
  ASSERT_TRUE(again.ok());
  fds_.push_back(again->fd);
  EXPECT_NE(again->path, l->path);
}

TEST_F(AgentHomeSocketTest, RefusesDirectoryOthersMayWrite) {
  fs::create_directories(agent_dir());
  chmod(agent_dir().c_str(), 0777);
  auto l = listen_in_home(home_, "example.org");
  EXPECT_FALSE(l.ok());
  EXPECT_TRUE(fs::is_empty(agent_dir()));
}

TEST_F(AgentHomeSocketTest, NoHomeOrNoHostFails) {
  EXPECT_FALSE(listen_in_home("", "example.org").ok());
  EXPECT_FALSE(listen_in_home(home_, "").ok());
  EXPECT_FALSE(listen_in_home(home_ + "/missing", "example.org").ok());
}

// Only sockets of this host, older than an hour, that refuse connections go.
TEST_F(AgentHomeSocketTest, StaleCleanup) {
  std::string mine = "s." + agent_host_hash("example.org") + ".";
  std::string other = "s." + agent_host_hash("other.example") + ".";
  std::string dead_old = make_socket(mine + "agent.AAAAAAAAAA", false, 2 * 3600);
  std::string dead_young = make_socket(mine + "agent.BBBBBBBBBB", false, 60);
  std::string live_old = make_socket(mine + "agent.CCCCCCCCCC", true, 2 * 3600);
  std::string sshd_dead_old = make_socket(mine + "sshd.DDDDDDDDDD", false, 2 * 3600);
  std::string other_host = make_socket(other + "agent.EEEEEEEEEE", false, 2 * 3600);
  std::string file = agent_dir() + "/" + mine + "agent.FFFFFFFFFF";
  std::ofstream(file) << "x";
  age_file(file, 2 * 3600);
  std::string link = agent_dir() + "/" + mine + "agent.GGGGGGGGGG";
  fs::create_symlink(dead_young, link);

  EXPECT_EQ(remove_stale_agent_sockets(home_, "example.org", false), 2);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dead_old)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(sshd_dead_old)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(dead_young)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(live_old)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(other_host)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(file)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(link)));

  // -uu: every host's.
  EXPECT_EQ(remove_stale_agent_sockets(home_, "example.org", true), 1);
  EXPECT_FALSE(fs::exists(fs::symlink_status(other_host)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(live_old)));
  EXPECT_TRUE(fs::exists(fs::symlink_status(dead_young)));
}

TEST_F(AgentHomeSocketTest, CleanupWithoutDirectoryDoesNothing) {
  EXPECT_EQ(remove_stale_agent_sockets(home_, "example.org", false), 0);
  EXPECT_FALSE(fs::exists(agent_dir()));
}

}  // namespace
}  // namespace skagent
