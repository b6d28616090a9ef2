// SPDX-License-Identifier: BSD-2-Clause
#include "pkcs11/module_store.h"

#include <stdlib.h>
#include <unistd.h>
#include <gtest/gtest.h>

namespace skagent::pkcs11 {
namespace {

TEST(ModuleStore, ReadsSoftHsm2TokenDirectory) {
  EXPECT_EQ(softhsm2_token_dir("# comment\ndirectories.tokendir = /var/lib/softhsm/tokens/\n"
                               "objectstore.backend = file\n"),
            "/var/lib/softhsm/tokens/");
  EXPECT_EQ(softhsm2_token_dir("  directories.tokendir=/a b\t\r\nlog.level = ERROR"), "/a b");
  // The last definition wins, as in SoftHSM2; a commented one does not count.
  EXPECT_EQ(softhsm2_token_dir("directories.tokendir = /one\n#directories.tokendir = /two\n"
                               "directories.tokendir = /three\n"),
            "/three");
  EXPECT_EQ(softhsm2_token_dir("objectstore.backend = file\n"), "");
  EXPECT_EQ(softhsm2_token_dir("directories.tokendirx = /no\n"), "");
}

TEST(ModuleStore, UnreadableOrRelativeConfigurationGrantsNothing) {
  EXPECT_TRUE(module_stores("/nonexistent/softhsm2.conf").empty());
  char t[] = "/tmp/skstore-XXXXXX";
  int fd = mkstemp(t);
  ASSERT_GE(fd, 0);
  std::string text = "directories.tokendir = relative/tokens\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), ssize_t(text.size()));
  close(fd);
  EXPECT_TRUE(module_stores(t).empty());
  unlink(t);
}

}  // namespace
}  // namespace skagent::pkcs11
