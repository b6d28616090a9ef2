// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/list_devices.h"

#include <gtest/gtest.h>

namespace skagent::keygen {
namespace {

TEST(KeygenListDevices, Table) {
  EXPECT_EQ(format_device_list({}), "No security keys found.\n");
  std::vector<SkDeviceInfo> d(2);
  d[0].path = "/dev/hidraw3";
  d[0].transport = "usb";
  d[0].model = "Yubico YubiKey";
  d[0].pin_set = true;
  d[0].resident_keys = true;
  d[0].resident_free = 25;
  d[1].path = "vtoken:/tmp/x/hid.sock";
  d[1].transport = "virtual";
  d[1].pin_set = false;
  d[1].resident_keys = false;
  EXPECT_EQ(format_device_list(d),
            "PATH                    TRANSPORT  PIN      RESIDENT  MODEL\n"
            "/dev/hidraw3            usb        set      25 free   Yubico YubiKey\n"
            "vtoken:/tmp/x/hid.sock  virtual    not set  no        ?\n");
}

}  // namespace
}  // namespace skagent::keygen
