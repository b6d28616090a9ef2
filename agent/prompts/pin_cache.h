// SPDX-License-Identifier: BSD-2-Clause
// PINs of verify-required security keys, kept only when the policy says so
// (PinCache): one per key, in locked non-dumpable memory (Secret), wiped when
// it expires, on lock, on remove-all / SIGUSR1 and when the token goes away
// (a failed signature says so, a /dev/hidraw* node disappears: which token a
// node was is not known, so every cached PIN goes; or the sk helper finds
// that a PC/SC card that signed has left its reader: that provider's PINs).
// Also the note to show in the next PIN prompt after a wrong PIN.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "agent/prompts/confirm_prompt.h"
#include "platform/device_watch.h"
#include "platform/event_loop.h"
#include "base/bytes.h"

namespace skagent {

class PinCache {
 public:
  // `device_dir`: where security-key nodes (hidraw*) come and go.
  explicit PinCache(EventLoop& loop, const std::string& device_dir = "/dev");
  ~PinCache();
  PinCache(const PinCache&) = delete;
  PinCache& operator=(const PinCache&) = delete;

  // Keeps a copy of `pin` for `key_blob` (of a key using `provider`) for `ttl`.
  void put(const Bytes& key_blob, const std::string& provider, const Secret& pin,
           std::chrono::seconds ttl);
  // The cached PIN, or nullptr.
  const Secret* get(const Bytes& key_blob) const;
  void forget(const Bytes& key_blob);
  void forget_provider(const std::string& provider);  // the token was removed
  bool holds_provider(const std::string& provider) const;
  void clear();  // lock, remove-all, SIGUSR1
  size_t size() const { return pins_.size(); }

  // What the next PIN prompt for the key should say first ("Wrong PIN ...").
  void set_note(const Bytes& key_blob, std::string note);
  std::string note(const Bytes& key_blob) const;

 private:
  struct Entry {
    std::unique_ptr<Secret> pin;
    std::string provider;
    uint64_t timer = 0;
  };
  void erase(std::map<Bytes, Entry>::iterator it);

  EventLoop& loop_;
  std::map<Bytes, Entry> pins_;
  std::map<Bytes, std::string> notes_;
  DeviceRemovalWatch unplugged_;  // last: destroyed first, its callback uses pins_
};

// "Approve this process and host for N minutes" (ApproveFor): what a person
// said yes to, remembered until it expires or the agent is locked or emptied.
class ApprovalCache {
 public:
  using Clock = std::chrono::steady_clock;
  void remember(const std::string& what, std::chrono::seconds ttl);
  bool approved(const std::string& what);
  void clear() { until_.clear(); }
  size_t size() const { return until_.size(); }

 private:
  std::map<std::string, Clock::time_point> until_;
};

}  // namespace skagent
