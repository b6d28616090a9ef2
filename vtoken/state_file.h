// SPDX-License-Identifier: BSD-2-Clause
// The token's state on disk: read at start, rewritten atomically (a 0600 temp
// file in the same directory, fsync, rename, fsync of the directory) after
// every change, so a crash leaves either the old or the new state.
#pragma once

#include <string>

#include "vtoken/token_state.h"

namespace skagent::vtoken {

class StateFile {
 public:
  explicit StateFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // A missing file yields a fresh state, saved at once; a damaged one is an
  // error (never silently replaced: it holds keys).
  Result<TokenState> load_or_create() const;
  Status save(const TokenState& state) const;

 private:
  std::string path_;
};

}  // namespace skagent::vtoken
