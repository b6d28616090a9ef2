// SPDX-License-Identifier: BSD-2-Clause
// The agent's listening endpoint: a UNIX socket in a private directory.
#pragma once

#include <string>

#include "ssh/error.h"

namespace skagent {

struct Listener {
  int fd = -1;
  std::string path;     // socket path ("" when inherited)
  std::string own_dir;  // directory we created and must remove ("" if none)
};

// Binds `path`, or when empty a new 0700 directory /tmp/ssh-XXXXXXXXXX with
// agent.<ppid> inside, as ssh-agent does. The socket is created under umask
// 0177 so it is 0600 from the first moment.
Result<Listener> listen_unix(const std::string& path, int parent_pid);

// Removes the socket file and the directory we created.
void remove_listener_files(const Listener& l);

}  // namespace skagent
