// SPDX-License-Identifier: BSD-2-Clause
#include "platform/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace skagent {

Status check_file_owner(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return make_error(Errc::io, path + ": " + strerror(errno));
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return make_error(Errc::denied, path + ": bad owner (uid " + std::to_string(st.st_uid) +
                                        "; must be owned by uid " + std::to_string(geteuid()) +
                                        " or root)");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    return make_error(Errc::denied,
                      path + ": bad permissions (mode " + mode + "; writable by group or others)");
  }
  return {};
}

Result<std::string> read_file_head(const std::string& path, size_t limit, bool* truncated,
                                   FileOwner owner) {
  if (truncated != nullptr) *truncated = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return make_error(errno == ENOENT ? Errc::not_found : Errc::io, path + ": " + strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return make_error(Errc::io, path + ": not a regular file");
  }
  // Checked on the file opened, so a symlink or a rename cannot swap in another.
  if (owner == FileOwner::user_or_root) {
    if (auto ok = check_file_owner(fd, path); !ok) {
      close(fd);
      return ok.error();
    }
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return make_error(Errc::io, path + ": " + strerror(e));
    }
    if (n == 0) break;
    out.append(buf, std::min(size_t(n), limit - out.size()));
    if (out.size() >= limit) {
      if (truncated != nullptr) *truncated = true;
      break;
    }
  }
  close(fd);
  return out;
}

}  // namespace skagent
