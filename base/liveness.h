// SPDX-License-Identifier: BSD-2-Clause
// Callbacks an object leaves with the event loop (fd watches, timers, posted work) may come due
// after the object is gone. Each one wrapped by guard() holds a share of the object's flag and
// does nothing once the flag is down, so none of them touches a destroyed `this`.
#pragma once

#include <memory>
#include <utility>

namespace skagent {

class Liveness {
 public:
  Liveness() = default;
  ~Liveness() { *alive_ = false; }
  Liveness(const Liveness&) = delete;
  Liveness& operator=(const Liveness&) = delete;

  // `fn`, run only while the owner of this Liveness lives.
  template <typename Fn>
  auto guard(Fn fn) const {
    return [alive = alive_, fn = std::move(fn)](auto&&... args) mutable {
      if (*alive) fn(std::forward<decltype(args)>(args)...);
    };
  }

 private:
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace skagent
