// SPDX-License-Identifier: BSD-2-Clause
// Random edits for the unit tests' small in-process fuzz loops, in which a parser fed a mutated
// well-formed input must fail cleanly and never crash. Seeded by the caller, so a failure repeats.
#pragma once

#include <cstdint>
#include <random>

#include "base/bytes.h"

namespace skagent::testing {

// `good` with one byte, at a random place, set to a random value.
inline Bytes with_random_byte(ByteView good, std::mt19937& rng) {
  Bytes b(good.begin(), good.end());
  b[rng() % b.size()] = uint8_t(rng());
  return b;
}

// One to four edits of `b`, each at a random place: a byte overwritten, erased or inserted,
// or (when `truncate`) everything from there on cut off.
inline void mutate(Bytes& b, std::mt19937& rng, bool truncate = false) {
  int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits && !b.empty(); e++) {
    size_t pos = rng() % b.size();
    switch (rng() % (truncate ? 4 : 3)) {
      case 0:
        b[pos] = uint8_t(rng());
        break;
      case 1:
        b.erase(b.begin() + long(pos));
        break;
      case 2:
        b.insert(b.begin() + long(pos), uint8_t(rng()));
        break;
      default:
        b.resize(pos);
        break;
    }
  }
}

}  // namespace skagent::testing
