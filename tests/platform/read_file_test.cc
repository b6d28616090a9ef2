// SPDX-License-Identifier: BSD-2-Clause
#include "platform/read_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace skagent {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/skrf-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name) << text;
    return path + "/" + name;
  }
};

TEST(ReadFile, ReadsAWholeFile) {
  TempDir d;
  bool truncated = true;
  auto t = read_file_head(d.write("f", "line 1\nline 2\n"), 100, &truncated);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*t, "line 1\nline 2\n");
  EXPECT_FALSE(truncated);
}

TEST(ReadFile, StopsAtTheLimitAndSaysSo) {
  TempDir d;
  std::string big(100000, 'x');
  bool truncated = false;
  auto t = read_file_head(d.write("big", big), 20000, &truncated);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), 20000u);
  EXPECT_TRUE(truncated);
}

TEST(ReadFile, AMissingFileIsNotFound) {
  TempDir d;
  auto t = read_file_head(d.path + "/absent", 10);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::not_found);
}

// A FIFO would block a reader until someone writes: refused at once instead.
TEST(ReadFile, NotARegularFileIsRefusedWithoutWaiting) {
  TempDir d;
  std::string fifo = d.path + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& p : {fifo, d.path}) {
    auto t = read_file_head(p, 10);
    ASSERT_FALSE(t.ok()) << p;
    EXPECT_NE(t.error().message.find("not a regular file"), std::string::npos) << t.error().message;
  }
}

// As ssh checks its config: a file others may write is refused, also through a symlink (the
// file opened is the one checked); the owner's own 0600 or 0644 file is read.
TEST(ReadFile, UserOrRootRefusesFilesOthersMayWrite) {
  TempDir d;
  struct Case {
    const char* name;
    mode_t mode;
    bool ok;
  };
  for (const Case& c :
       {Case{"m600", 0600, true}, Case{"m644", 0644, true}, Case{"m664", 0664, false},
        Case{"m620", 0620, false}, Case{"m602", 0602, false}, Case{"m666", 0666, false}}) {
    std::string f = d.write(c.name, "Confirm never\n");
    ASSERT_EQ(chmod(f.c_str(), c.mode), 0);
    std::string link = d.path + "/link-" + c.name;
    ASSERT_EQ(symlink(f.c_str(), link.c_str()), 0);
    for (const std::string& p : {f, link}) {
      auto t = read_file_head(p, 100, nullptr, FileOwner::user_or_root);
      EXPECT_EQ(t.ok(), c.ok) << p;
      if (!c.ok && !t.ok()) {
        EXPECT_EQ(t.error().code, Errc::denied);
        EXPECT_NE(t.error().message.find("bad permissions"), std::string::npos)
            << t.error().message;
      }
      EXPECT_TRUE(read_file_head(p, 100).ok()) << "FileOwner::any reads " << p;
    }
  }
}

TEST(ReadFile, UserOrRootRefusesAnotherUsersFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file away";
  TempDir d;
  std::string f = d.write("theirs", "Confirm never\n");
  ASSERT_EQ(chmod(f.c_str(), 0644), 0);
  ASSERT_EQ(chown(f.c_str(), 65534, 65534), 0);
  auto t = read_file_head(f, 100, nullptr, FileOwner::user_or_root);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("bad owner"), std::string::npos) << t.error().message;
}

TEST(ReadFile, ReadsProcEntries) {
  auto t = read_file_head("/proc/self/stat", 4096);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->substr(0, std::to_string(getpid()).size()), std::to_string(getpid()));
}

}  // namespace
}  // namespace skagent
