// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/key_files.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "keygen/command_line.h"
#include "ssh/key_file.h"

namespace skagent::keygen {

namespace {

Error sys_error(const std::string& what, const std::string& path, int err) {
  Errc code = err == ENOENT ? Errc::not_found : err == EEXIST ? Errc::exists : Errc::io;
  return make_error(code, what + " " + path + ": " + strerror(err));
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status write_fd(int fd, ByteView content, const std::string& path) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("cannot write", path, errno);
    off += size_t(n);
  }
  return {};
}

// Writes without a temporary file, for filesystems without hard links: O_EXCL
// still refuses to replace.
Status write_exclusive(const std::string& path, ByteView content, unsigned mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return sys_error("cannot create", path, errno);
  Status s = write_fd(fd, content, path);
  if (s && fsync(fd) != 0) s = sys_error("cannot write", path, errno);
  if (close(fd) != 0 && s) s = sys_error("cannot write", path, errno);
  if (!s) unlink(path.c_str());
  return s;
}

}  // namespace

Result<Bytes> read_small_file(const std::string& path, size_t max_size) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_error("cannot open", path, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return sys_error("cannot stat", path, e);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return make_error(Errc::io, path + " is a directory");
  }
  Bytes out;
  out.reserve(S_ISREG(st.st_mode) && size_t(st.st_size) <= max_size ? size_t(st.st_size) : 4096);
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      secure_wipe(buf, sizeof buf);
      return sys_error("cannot read", path, e);
    }
    if (n == 0) break;
    if (out.size() + size_t(n) > max_size) {
      close(fd);
      secure_wipe(buf, sizeof buf);
      return make_error(Errc::limit, path + " is too large");
    }
    out.insert(out.end(), buf, buf + n);
  }
  secure_wipe(buf, sizeof buf);
  close(fd);
  return out;
}

bool path_exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

Status write_file(const std::string& path, ByteView content, unsigned mode, bool replace) {
  if (!replace && path_exists(path)) {
    return make_error(Errc::exists, path + " already exists; not overwriting it");
  }
  std::string tmp = path + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENAMETOOLONG) return write_exclusive(path, content, mode);
    return sys_error("cannot create a file beside", path, errno);
  }
  Status s = {};
  if (fchmod(fd, mode) != 0) s = sys_error("cannot set the mode of", tmp, errno);
  if (s) s = write_fd(fd, content, tmp);
  if (s && fsync(fd) != 0) s = sys_error("cannot write", tmp, errno);
  if (close(fd) != 0 && s) s = sys_error("cannot write", tmp, errno);
  if (!s) {
    unlink(tmp.c_str());
    return s;
  }
  if (replace) {
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      int e = errno;
      unlink(tmp.c_str());
      return sys_error("cannot write", path, e);
    }
    return {};
  }
  if (link(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    if (e == EEXIST) return make_error(Errc::exists, path + " already exists; not overwriting it");
    if (e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EXDEV) {
      return write_exclusive(path, content, mode);
    }
    return sys_error("cannot write", path, e);
  }
  unlink(tmp.c_str());
  return {};
}

Result<bool> confirm_overwrite(Console& console, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    if (!path_exists(p)) continue;
    // One question covers them all (a key and its .pub), as in ssh-keygen.
    console.out(p + " already exists.\n");
    auto yes = console.confirm("Overwrite (y/n)? ");
    if (!yes) {
      return make_error(Errc::denied, p + " already exists, and there is no terminal to ask " +
                                          "whether to overwrite it; not overwriting");
    }
    return *yes;
  }
  return true;
}

Status save_key_pair(const PrivateKey& key, const KeyPairFiles& files, bool replace) {
  KeyFileWriteOptions wo;
  wo.passphrase = files.passphrase;
  wo.rounds = files.rounds;
  auto text = write_private_key_file(key, files.comment, wo);
  if (!text) return text.error();
  Status s = write_file(files.private_path, view(*text), 0600, replace);
  secure_wipe(text->data(), text->size());
  if (!s) return s;
  std::string line = format_public_key_line(key.public_key(), files.comment) + "\n";
  return write_file(files.private_path + ".pub", view(line), 0644, replace);
}

std::string home_directory(const char* env_home) {
  if (env_home != nullptr && *env_home != '\0') return env_home;
  struct passwd* pw = getpwuid(getuid());
  return pw != nullptr && pw->pw_dir != nullptr ? pw->pw_dir : "/";
}

// As OpenSSH names them: "id_" and the -t name with '_' for '-' (id_ecdsa_sk for ecdsa-sk).
std::string default_key_path(const std::string& home, KeyType type) {
  std::string name = "id_" + key_spec_name(type);
  std::replace(name.begin(), name.end(), '-', '_');
  return home + "/.ssh/" + name;
}

bool make_user_ssh_dir(const std::string& home, const std::string& path) {
  std::string ssh_dir = home + "/.ssh";
  if (dir_of(path) != ssh_dir || path_exists(ssh_dir)) return false;
  return mkdir(ssh_dir.c_str(), 0700) == 0;
}

Result<SecretText> ask_new_passphrase(Console& console) {
  for (;;) {
    auto first = console.ask_secret("Enter passphrase (empty for no passphrase): ");
    if (!first) return first.error();
    auto second = console.ask_secret("Enter same passphrase again: ");
    if (!second) return second.error();
    if (first->view() == second->view()) return std::move(first).value();
    console.out("Passphrases do not match.  Try again.\n");
  }
}

Result<SecretText> new_passphrase(const std::optional<std::string>& given, Console& console) {
  return given ? SecretText::copy_of(*given) : ask_new_passphrase(console);
}

}  // namespace skagent::keygen
