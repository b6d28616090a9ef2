// SPDX-License-Identifier: BSD-2-Clause
#include "fido/vtoken_io.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skagent {

namespace {

constexpr size_t kReport = 64;

struct Handle {
  int fd = -1;
  uint8_t buf[kReport];
  size_t have = 0;  // bytes of a partial report already read
};

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void* io_open(const char* path) {
  std::string_view p = path != nullptr ? path : "";
  if (p.substr(0, kVtokenPathPrefix.size()) == kVtokenPathPrefix)
    p.remove_prefix(kVtokenPathPrefix.size());
  struct sockaddr_un sun {};
  if (p.empty() || p.size() >= sizeof(sun.sun_path)) return nullptr;
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, p.data(), p.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {
    close(fd);
    return nullptr;
  }
  auto* h = new Handle;
  h->fd = fd;
  return h;
}

void io_close(void* handle) {
  auto* h = static_cast<Handle*>(handle);
  if (h == nullptr) return;
  close(h->fd);
  delete h;
}

// One whole report, or -1 when `ms` passes first. A partial report is kept
// for the next call, so a timeout never splits the stream.
int io_read(void* handle, unsigned char* buf, size_t len, int ms) {
  auto* h = static_cast<Handle*>(handle);
  if (h == nullptr || len < kReport) return -1;
  int64_t deadline = ms < 0 ? -1 : now_ms() + ms;
  while (h->have < kReport) {
    int wait = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left < 0) left = 0;
      wait = int(left);
    }
    struct pollfd p = {h->fd, POLLIN, 0};
    int rc = poll(&p, 1, wait);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return -1;
    ssize_t n = recv(h->fd, h->buf + h->have, kReport - h->have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    h->have += size_t(n);
  }
  memcpy(buf, h->buf, kReport);
  h->have = 0;
  return int(kReport);
}

int io_write(void* handle, const unsigned char* buf, size_t len) {
  auto* h = static_cast<Handle*>(handle);
  // libfido2 hands over report ID 0 and 64 bytes.
  if (h == nullptr || len != kReport + 1) return -1;
  size_t off = 0;
  while (off < kReport) {
    ssize_t n = send(h->fd, buf + 1 + off, kReport - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    off += size_t(n);
  }
  return int(len);
}

const fido_dev_io_t kIo = {io_open, io_close, io_read, io_write};

}  // namespace

const fido_dev_io_t& vtoken_io_functions() { return kIo; }

std::string vtoken_device_path(const std::string& socket_path) {
  return std::string(kVtokenPathPrefix) + socket_path;
}

int vtoken_open(fido_dev_t* dev, const std::string& socket_path) {
  int r = fido_dev_set_io_functions(dev, &kIo);
  if (r != FIDO_OK) return r;
  return fido_dev_open(dev, vtoken_device_path(socket_path).c_str());
}

}  // namespace skagent
