// SPDX-License-Identifier: BSD-2-Clause
// fido/fido_error.h: each failure a person can act on has its code and says
// what to do.
#include "fido/fido_error.h"

#include <gtest/gtest.h>

namespace skagent::fido {
namespace {

bool says(const Error& e, std::string_view text) {
  return e.message.find(text) != std::string::npos;
}

TEST(FidoError, PinFailuresHaveTheirOwnCodes) {
  EXPECT_EQ(fido_error(FIDO_ERR_PIN_REQUIRED, "x").code, Errc::pin_required);
  EXPECT_EQ(fido_error(FIDO_ERR_PIN_INVALID, "x").code, Errc::pin_invalid);
  EXPECT_EQ(fido_error(FIDO_ERR_PIN_BLOCKED, "x").code, Errc::pin_blocked);
  EXPECT_EQ(fido_error(FIDO_ERR_PIN_AUTH_BLOCKED, "x").code, Errc::pin_blocked);
  EXPECT_TRUE(says(fido_error(FIDO_ERR_PIN_AUTH_BLOCKED, "x"), "reinsert"));
  EXPECT_TRUE(says(fido_error(FIDO_ERR_PIN_BLOCKED, "x"), "reset"));
  EXPECT_TRUE(says(fido_error(FIDO_ERR_PIN_NOT_SET, "x"), "no PIN"));
}

TEST(FidoError, TouchAndDeviceFailures) {
  EXPECT_EQ(fido_error(FIDO_ERR_USER_ACTION_TIMEOUT, "x").code, Errc::timeout);
  EXPECT_TRUE(says(fido_error(FIDO_ERR_USER_ACTION_TIMEOUT, "x"), "touch"));
  EXPECT_EQ(fido_error(FIDO_ERR_CREDENTIAL_EXCLUDED, "x").code, Errc::exists);
  EXPECT_EQ(fido_error(FIDO_ERR_NO_CREDENTIALS, "x").code, Errc::not_found);
  EXPECT_EQ(fido_error(FIDO_ERR_UNSUPPORTED_OPTION, "x").code, Errc::unsupported);
  EXPECT_EQ(fido_error(FIDO_ERR_UNSUPPORTED_ALGORITHM, "x").code, Errc::unsupported);
  EXPECT_EQ(fido_error(FIDO_ERR_OPERATION_DENIED, "x").code, Errc::denied);
  EXPECT_EQ(fido_error(FIDO_ERR_RX, "x").code, Errc::io);
  EXPECT_EQ(fido_error(FIDO_ERR_RX_INVALID_CBOR, "x").code, Errc::malformed);
  EXPECT_EQ(no_device_error("x").code, Errc::not_found);
  EXPECT_TRUE(says(no_device_error("x"), "plug"));
}

TEST(FidoError, MessageStartsWithTheOperationAndNamesLibfido2sStatus) {
  Error e = fido_error(FIDO_ERR_PIN_REQUIRED, "signing with the security key");
  EXPECT_EQ(e.message.rfind("signing with the security key: ", 0), 0u) << e.message;
  EXPECT_TRUE(says(e, fido_strerr(FIDO_ERR_PIN_REQUIRED)));
  // Unknown statuses still make a message.
  EXPECT_EQ(fido_error(0x7e, "x").code, Errc::internal);
  EXPECT_FALSE(fido_error(12345, "").message.empty());
}

TEST(FidoError, WrongPinWithoutADeviceStillSaysWrongPin) {
  Error e = fido_error(FIDO_ERR_PIN_INVALID, "x", nullptr);
  EXPECT_EQ(e.code, Errc::pin_invalid);
  EXPECT_TRUE(says(e, "wrong PIN"));
}

}  // namespace
}  // namespace skagent::fido
