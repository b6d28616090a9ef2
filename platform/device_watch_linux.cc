// SPDX-License-Identifier: BSD-2-Clause
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "platform/device_watch.h"

namespace skagent {

DeviceRemovalWatch::DeviceRemovalWatch(EventLoop& loop, Removed removed, const std::string& dir,
                                       std::string prefix)
    : loop_(loop), removed_(std::move(removed)), prefix_(std::move(prefix)) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;
  if (inotify_add_watch(fd_, dir.c_str(), IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR) < 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  loop_.watch(fd_, EventLoop::kRead, [this](uint32_t) { on_readable(); });
}

DeviceRemovalWatch::~DeviceRemovalWatch() {
  if (fd_ < 0) return;
  loop_.unwatch(fd_);
  close(fd_);
}

void DeviceRemovalWatch::on_readable() {
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof(buf));
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t off = 0; off + ssize_t(sizeof(struct inotify_event)) <= n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += ssize_t(sizeof(struct inotify_event) + ev->len);
      if (off > n || ev->len == 0) continue;
      std::string name(ev->name);  // NUL-padded by the kernel
      if (name.compare(0, prefix_.size(), prefix_) == 0) removed_(name);
    }
  }
}

}  // namespace skagent
