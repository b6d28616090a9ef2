// SPDX-License-Identifier: BSD-2-Clause
// A test's own directory: /tmp/PREFIX-XXXXXX (short, so that UNIX socket paths in it fit),
// removed with all it holds when the object goes. A test that cannot have one aborts.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace skagent::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "skkg") {
    std::string t = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (mkdtemp(t.data()) == nullptr) abort();
    path_ = t;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace skagent::testing
