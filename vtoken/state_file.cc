// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skagent::vtoken {

namespace {

constexpr size_t kMaxStateFile = 1 << 20;

Error io_error(const std::string& what, const std::string& path) {
  return make_error(Errc::io, what + " " + path + ": " + strerror(errno));
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<TokenState> StateFile::load_or_create() const {
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return io_error("cannot open", path_);
    TokenState fresh = TokenState::fresh();
    if (auto st = save(fresh); !st) return st.error();
    return fresh;
  }
  Bytes data;
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error("cannot read", path_);
      close(fd);
      return e;
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
    if (data.size() > kMaxStateFile) {
      close(fd);
      return make_error(Errc::limit, "state file too large: " + path_);
    }
  }
  close(fd);
  auto s = TokenState::parse(data);
  if (!s) return make_error(s.error().code, s.error().message + " (" + path_ + ")");
  return s;
}

Status StateFile::save(const TokenState& state) const {
  Bytes data = state.serialize();
  std::string tmpl = path_ + ".tmpXXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) return io_error("cannot create temp file for", path_);
  auto fail = [&](const char* what) {
    Error e = io_error(what, tmpl);
    close(fd);
    unlink(tmpl.c_str());
    return e;
  };
  if (fchmod(fd, 0600) != 0) return fail("cannot chmod");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    off += size_t(n);
  }
  if (fsync(fd) != 0) return fail("cannot fsync");
  if (close(fd) != 0) {
    unlink(tmpl.c_str());
    return io_error("cannot close", tmpl);
  }
  if (rename(tmpl.c_str(), path_.c_str()) != 0) {
    Error e = io_error("cannot rename to", path_);
    unlink(tmpl.c_str());
    return e;
  }
  int dfd = open(dir_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return {};
}

}  // namespace skagent::vtoken
