// SPDX-License-Identifier: BSD-2-Clause
// Hex text to bytes, for test vectors and the test tools' command lines: two digits a byte, a
// trailing odd digit ignored. Test input only: it does not check its input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace skagent::testing {

inline Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(uint8_t(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace skagent::testing
