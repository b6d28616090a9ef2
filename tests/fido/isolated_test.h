// SPDX-License-Identifier: BSD-2-Clause
// Runs one test of this binary in a process of its own: for tests that touch
// process-wide state of a library. libpcsclite reads PCSCLITE_CSOCK_NAME once
// per process, so a test with its own private pcscd (or one whose discovery
// would bind libpcsclite to the default pcscd) must not share the process
// with other PC/SC tests.
//
//   TEST_F(FidoPcsc, DISABLED_Scenario) { ... }                       // the work
//   TEST(FidoPcscIsolated, Scenario) { run_isolated("FidoPcsc.DISABLED_Scenario"); }
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>

namespace skagent::fido::testing {

inline void run_isolated(const std::string& test) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  ASSERT_FALSE(ec) << "cannot find this test binary";
  std::string cmd = "'" + self.string() +
                    "' --gtest_also_run_disabled_tests --gtest_color=no --gtest_filter='" + test +
                    "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("[  PASSED  ] 1 test."), std::string::npos) << out;
}

}  // namespace skagent::fido::testing
