// SPDX-License-Identifier: BSD-2-Clause
#include "platform/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace skagent {

Result<std::string> read_file_head(const std::string& path, size_t limit, bool* truncated) {
  if (truncated != nullptr) *truncated = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(errno == ENOENT ? Errc::not_found : Errc::io, path + ": " + strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return make_error(Errc::io, path + ": not a regular file");
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
