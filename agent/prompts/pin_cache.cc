// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/pin_cache.h"

namespace skagent {

PinCache::PinCache(EventLoop& loop, const std::string& device_dir)
    : loop_(loop),
      unplugged_(
          loop,
          [this](const std::string&) {
            while (!pins_.empty()) erase(pins_.begin());
          },
          device_dir) {}

PinCache::~PinCache() { clear(); }

void PinCache::erase(std::map<Bytes, Entry>::iterator it) {
  if (it->second.timer != 0) loop_.cancel_timer(it->second.timer);
  pins_.erase(it);  // the Secret wipes itself
}

void PinCache::put(const Bytes& key_blob, const std::string& provider, const Secret& pin,
                   std::chrono::seconds ttl) {
  forget(key_blob);
  if (ttl.count() <= 0 || pin.empty()) return;
  Entry e;
  e.pin = pin.copy();
  e.provider = provider;
  Bytes key = key_blob;
  e.timer = loop_.after(std::chrono::duration_cast<std::chrono::milliseconds>(ttl), [this, key] {
    auto it = pins_.find(key);
    if (it == pins_.end()) return;
    it->second.timer = 0;
    pins_.erase(it);
  });
  pins_.emplace(key_blob, std::move(e));
}

const Secret* PinCache::get(const Bytes& key_blob) const {
  auto it = pins_.find(key_blob);
  return it == pins_.end() ? nullptr : it->second.pin.get();
}

void PinCache::forget(const Bytes& key_blob) {
  auto it = pins_.find(key_blob);
  if (it != pins_.end()) erase(it);
}

void PinCache::forget_provider(const std::string& provider) {
  for (auto it = pins_.begin(); it != pins_.end();) {
    auto next = std::next(it);
    if (it->second.provider == provider) erase(it);
    it = next;
  }
}

bool PinCache::holds_provider(const std::string& provider) const {
  for (const auto& [blob, e] : pins_) {
    if (e.provider == provider) return true;
  }
  return false;
}

void PinCache::clear() {
  while (!pins_.empty()) erase(pins_.begin());
  notes_.clear();
}

void PinCache::set_note(const Bytes& key_blob, std::string note) {
  if (note.empty()) {
    notes_.erase(key_blob);
  } else if (notes_.size() < 1024 || notes_.count(key_blob) != 0) {
    notes_[key_blob] = std::move(note);
  }
}

std::string PinCache::note(const Bytes& key_blob) const {
  auto it = notes_.find(key_blob);
  return it == notes_.end() ? std::string() : it->second;
}

void ApprovalCache::remember(const std::string& what, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return;
  auto now = Clock::now();
  for (auto it = until_.begin(); it != until_.end();) {  // drop the expired ones
    it = it->second <= now ? until_.erase(it) : std::next(it);
  }
  if (until_.size() >= 4096) return;
  until_[what] = now + ttl;
}

bool ApprovalCache::approved(const std::string& what) {
  auto it = until_.find(what);
  if (it == until_.end()) return false;
  if (it->second <= Clock::now()) {
    until_.erase(it);
    return false;
  }
  return true;
}

}  // namespace skagent
