// SPDX-License-Identifier: BSD-2-Clause
// What the environment says reaches the agent's code only through AgentOptions (main reads
// it): whether an askpass may be shown, where the session bus is, which policy file is read.
// Each case sets options, never a variable of this process.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/policy/policy.h"
#include "agent/prompts/confirm_prompt.h"
#include "agent/prompts/touch_notice.h"
#include "tests/ssh/openssh_tools.h"

namespace skagent {
namespace {

namespace fs = std::filesystem;

bool askpass_shown(const std::string& display, const std::string& wayland,
                   const std::string& require) {
  auto loop = EventLoop::create().value();
  Logger log;
  return Prompter(*loop, log, {display, wayland, require, "/bin/true"}).available();
}

TEST(EnvironmentOptions, AskpassFollowsOpenSshsRulesFromTheGivenSettings) {
  EXPECT_FALSE(askpass_shown("", "", ""));
  EXPECT_TRUE(askpass_shown(":0", "", ""));
  EXPECT_TRUE(askpass_shown("", "wayland-0", ""));
  EXPECT_TRUE(askpass_shown("", "", "force"));
  EXPECT_TRUE(askpass_shown("", "", "FORCE"));
  EXPECT_FALSE(askpass_shown(":0", "wayland-0", "never"));
  EXPECT_TRUE(askpass_shown(":0", "", "prefer"));
}

TEST(EnvironmentOptions, TheSessionBusIsTheOneGiven) {
  openssh_tools::TempDir tmp;
  const fs::path& dir = tmp.path();
  if (access(TouchNotifier::kGdbus, X_OK) != 0) GTEST_SKIP() << "no " << TouchNotifier::kGdbus;
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  Logger log;
  EXPECT_FALSE(TouchNotifier(loop, log, {}).available());
  EXPECT_TRUE(TouchNotifier(loop, log, {"unix:path=/nonexistent", ""}).available());
  EXPECT_FALSE(TouchNotifier(loop, log, {"", dir.string()}).available());  // no bus socket
  EXPECT_FALSE(TouchNotifier(loop, log, {"", "relative"}).available());
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", (dir / "bus").c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)), 0);
  EXPECT_TRUE(TouchNotifier(loop, log, {"", dir.string()}).available());
  close(fd);
}

TEST(EnvironmentOptions, ThePolicyFileComesFromTheOptions) {
  openssh_tools::TempDir tmp;
  const fs::path& dir = tmp.path();
  fs::create_directories(dir / "xdg/skagent");
  std::ofstream(dir / "xdg/skagent/config") << "Confirm always\n";
  fs::permissions(dir / "xdg/skagent/config", fs::perms::owner_read | fs::perms::owner_write);
  AgentOptions o;
  o.home = (dir / "home").string();
  o.xdg_config_home = (dir / "xdg").string();
  auto s = PolicyStore::open(o);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->path(), (dir / "xdg/skagent/config").string());
  EXPECT_EQ((*s)->home(), o.home);
  // $SKAGENT_CONFIG wins over XDG, and must exist.
  o.config_path = (dir / "missing").string();
  EXPECT_FALSE(PolicyStore::open(o));
  // Without either, ~/.config/skagent/config of the given home, which may be missing.
  o.config_path.clear();
  o.xdg_config_home.clear();
  auto def = PolicyStore::open(o);
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_EQ((*def)->path(), o.home + "/.config/skagent/config");
}

}  // namespace
}  // namespace skagent
