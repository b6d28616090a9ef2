// SPDX-License-Identifier: BSD-2-Clause
#include "fido/card_watch.h"

#include "fido/pcsc_transport.h"

namespace skagent::fido {

void CardWatch::signed_with(const std::string& device) {
  if (!is_pcsc_path(device)) return;
  std::string reader = device.substr(kPcscPathPrefix.size());
  // A card already gone again matches no insertion: the next check says so.
  cards_[reader] = pcsc_card_insertion(reader).value_or(kGone);
}

bool CardWatch::card_left() {
  bool left = false;
  for (auto it = cards_.begin(); it != cards_.end();) {
    auto now = pcsc_card_insertion(it->first);
    if (now && *now == it->second) {
      ++it;
      continue;
    }
    left = true;
    it = cards_.erase(it);
  }
  return left;
}

}  // namespace skagent::fido
