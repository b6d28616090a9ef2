// SPDX-License-Identifier: BSD-2-Clause
// The PC/SC cards a helper signed with, and whether one has left its reader
// since: the agent wipes the PINs cached for a token that is gone, and a card
// taken from an NFC reader leaves no device node behind to watch.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace skagent::fido {

class CardWatch {
 public:
  // After a signature by `device` (a path as fido/device.h names them); only
  // cards on PC/SC readers are watched.
  void signed_with(const std::string& device);
  // Whether a watched card has left its reader (or another insertion took its
  // place) since it signed; those are no longer watched.
  bool card_left();
  size_t watched() const { return cards_.size(); }

 private:
  static constexpr uint32_t kGone = UINT32_MAX;  // pcscd's counts are 16-bit
  std::map<std::string, uint32_t> cards_;        // reader -> the insertion that signed
};

}  // namespace skagent::fido
