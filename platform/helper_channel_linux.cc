// SPDX-License-Identifier: BSD-2-Clause
#include "platform/helper_channel.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/process.h"
#include "base/wire.h"

namespace skagent {

Result<HelperChannel> spawn_helper(const std::string& path, const std::vector<std::string>& args) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return make_error(Errc::io, std::string("socketpair: ") + strerror(errno));
  }
  SpawnOptions so;
  so.argv = {path};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.fds = {{kHelperChannelFd, sv[1]}};
  auto pid = spawn_process(so);
  close(sv[1]);
  if (!pid) {
    close(sv[0]);
    return pid.error();
  }
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  return HelperChannel{*pid, sv[0]};
}

void kill_helper(pid_t pid) {
  if (pid > 0) kill(pid, SIGKILL);
}

void close_helper_channel(int fd) {
  if (fd >= 0) close(fd);
}

std::string helper_crash(int status) {
  if (!WIFSIGNALED(status) || WTERMSIG(status) == SIGKILL) return "";
  return "signal " + std::to_string(WTERMSIG(status)) + ", " + strsignal(WTERMSIG(status));
}

Bytes helper_frame(ByteView body) {
  Writer w;
  w.string(body);
  return w.take();
}

void HelperStream::queue(ByteView body) {
  Bytes f = helper_frame(body);
  out_.insert(out_.end(), f.begin(), f.end());
}

bool HelperStream::flush(int fd) {
  while (!out_.empty()) {
    ssize_t n = send(fd, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return false;
    out_.erase(out_.begin(), out_.begin() + n);
    wipe_spare(out_);
  }
  return true;
}

bool HelperStream::fill(int fd) {
  uint8_t buf[16384];
  while (in_.size() <= size_t(max_frame_) + 4) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      secure_wipe(buf, sizeof(buf));
      return false;
    }
    in_.insert(in_.end(), buf, buf + n);
  }
  secure_wipe(buf, sizeof(buf));
  return true;
}

Result<std::optional<Bytes>> HelperStream::next() {
  Reader r(in_);
  uint32_t len = 0;
  if (!r.u32(len)) return std::optional<Bytes>();
  if (len > max_frame_)
    return make_error(Errc::malformed, "helper frame of " + std::to_string(len) + " bytes");
  if (in_.size() - 4 < len) return std::optional<Bytes>();
  Bytes body(in_.begin() + 4, in_.begin() + 4 + long(len));
  in_.erase(in_.begin(), in_.begin() + 4 + long(len));
  wipe_spare(in_);
  return std::optional<Bytes>(std::move(body));
}

void HelperStream::clear() {
  in_.clear();
  out_.clear();
  wipe_spare(in_);
  wipe_spare(out_);
}

namespace {

// 0 bytes read before EOF counts as `closed` only when nothing was read at all.
ssize_t read_full(int fd, uint8_t* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += size_t(r);
  }
  return ssize_t(got);
}

}  // namespace

void wipe_frame(Bytes& body) {
  body.clear();
  wipe_spare(body);
}

FrameRead read_frame(int fd, uint32_t max, Bytes& body) {
  uint8_t len_bytes[4];
  ssize_t got = read_full(fd, len_bytes, sizeof len_bytes);
  if (got == 0) return FrameRead::closed;
  uint32_t len = 0;
  Reader lr(ByteView(len_bytes, size_t(got)));
  if (got != sizeof len_bytes || !lr.u32(len) || len > max) return FrameRead::broken;
  // assign() would overwrite only the new length: a PIN in a longer earlier frame would stay
  // in the capacity beyond it. The whole buffer goes first.
  wipe_frame(body);
  body.resize(len);
  return read_full(fd, body.data(), len) == ssize_t(len) ? FrameRead::ok : FrameRead::broken;
}

bool write_all(int fd, ByteView bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += size_t(w);
  }
  return true;
}

bool write_frame(int fd, ByteView body) { return write_all(fd, helper_frame(body)); }

}  // namespace skagent
