// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/control.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>

#include <thread>

#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

TEST(VtokenControl, Commands) {
  TokenFixture t;
  bool quit = false;
  Controls c(t.touch(), t.auth(), [&] { quit = true; });
  EXPECT_EQ(c.execute("touch never"), "ok");
  EXPECT_EQ(t.touch().policy().mode, TouchMode::never);
  EXPECT_EQ(c.execute("touch after=250"), "ok");
  EXPECT_EQ(t.touch().policy().after_ms, 250u);
  EXPECT_EQ(c.execute("touch-timeout 1500\r"), "ok");
  EXPECT_EQ(t.touch().timeout_ms(), 1500u);
  EXPECT_EQ(c.execute("touches"), "0");
  EXPECT_EQ(c.execute("press"), "ok");
  EXPECT_EQ(c.execute("power-cycle"), "ok");
  std::string st = c.execute("status");
  EXPECT_NE(st.find("touch=after=250\n"), std::string::npos);
  EXPECT_NE(st.find("pin_retries=8\n"), std::string::npos);
  EXPECT_NE(st.find("sign_counter=0"), std::string::npos);
  for (const std::string& bad : {std::string(), std::string("touch"), std::string("touch after="),
                                 std::string("touch after=-1"), std::string("touch after=99999999"),
                                 std::string("touch-timeout x"), std::string("touches now"),
                                 std::string("reboot"), std::string(300, 'x')}) {
    EXPECT_EQ(c.execute(bad).rfind("error: ", 0), 0u) << bad;
  }
  EXPECT_FALSE(quit);
  EXPECT_EQ(c.execute("quit"), "ok");
  EXPECT_TRUE(quit);
}

TEST(VtokenControl, OverTheSocket) {
  TokenFixture t;
  Controls c(t.touch(), t.auth(), [] {});
  std::string dir = make_temp_dir("skvtc");
  auto server = ControlServer::listen(dir + "/ctl", c);
  ASSERT_TRUE(server.ok());
  int stop = eventfd(0, EFD_CLOEXEC);
  std::thread th([&] { (*server)->run(stop); });
  EXPECT_EQ(*control_request(dir + "/ctl", "touch refuse"), "ok");
  auto err = control_request(dir + "/ctl", "bogus");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code, Errc::denied);
  EXPECT_FALSE(control_request(dir + "/nothing-here", "status").ok());
  uint64_t one = 1;
  (void)!write(stop, &one, sizeof(one));
  th.join();
  close(stop);
  server->reset();
  std::filesystem::remove_all(dir);
}

TEST(VtokenTouchPolicy, ParseAndWait) {
  EXPECT_EQ(TouchPolicy::parse("after=0")->mode, TouchMode::after);
  EXPECT_FALSE(TouchPolicy::parse("After=1").ok());
  EXPECT_FALSE(TouchPolicy::parse("after=1x").ok());
  EXPECT_EQ(TouchPolicy::parse("refuse")->to_string(), "refuse");
  TouchControl tc(TouchPolicy{TouchMode::never, 0}, 10000);
  struct CancelAfter : PresenceWait {
    int calls = 0;
    bool cancelled(int) override { return ++calls >= 3; }
  } cancel;
  EXPECT_EQ(tc.wait(cancel), Presence::cancelled);
  tc.press();  // remembered for the next wait
  SleepingWait sleep;
  EXPECT_EQ(tc.wait(sleep), Presence::touched);
  EXPECT_EQ(tc.touches(), 1u);
  tc.set_timeout_ms(30);
  EXPECT_EQ(tc.wait(sleep), Presence::timed_out);
  EXPECT_FALSE(tc.waiting());
  EXPECT_EQ(status_of(Presence::timed_out), 0x2F);
  EXPECT_EQ(status_of(Presence::refused), 0x27);
  EXPECT_EQ(status_of(Presence::cancelled), 0x2D);
}

}  // namespace
}  // namespace skagent::vtoken::testing
