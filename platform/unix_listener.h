// SPDX-License-Identifier: BSD-2-Clause
// The agent's listening endpoint: a UNIX socket in a private directory.
#pragma once

#include <string>

#include "base/error.h"

namespace skagent {

struct Listener {
  int fd = -1;
  std::string path;     // socket path ("" when inherited)
  std::string own_dir;  // directory we created and must remove ("" if none)
};

// Binds `path`, or when empty a new 0700 directory <tmp_dir>/ssh-XXXXXXXXXX with
// agent.<ppid> inside, as ssh-agent does ($TMPDIR, as main read it; "": /tmp).
// The socket is created under umask 0177 so it is 0600 from the first moment.
Result<Listener> listen_unix(const std::string& path, int parent_pid,
                             const std::string& tmp_dir = {});

// OpenSSH 10.1's default socket: <home>/.ssh/agent/s.<host hash>.agent.<10 random characters>,
// creating ~/.ssh and ~/.ssh/agent (0700) when missing; a name already taken is drawn again.
// The directories stay when the agent ends (other agents use them).
Result<Listener> listen_in_home(const std::string& home, const std::string& hostname);

// The host part of those names: SHA-512 of the host name, each of the first 10 bytes mapped
// to a-z A-Z 0-9 (byte mod 62), as OpenSSH 10.5 names them.
std::string agent_host_hash(const std::string& hostname);

// gethostname(2), "" when it fails.
std::string local_hostname();

// Removes, from <home>/.ssh/agent, the sockets (s.<host hash>.*, or any name when every_host)
// last changed more than an hour ago that refuse a connection: agents that died without
// cleaning up. Never follows a symbolic link, never removes anything but a socket.
// Returns how many were removed.
int remove_stale_agent_sockets(const std::string& home, const std::string& hostname,
                               bool every_host);

// Removes the socket file and the directory we created.
void remove_listener_files(const Listener& l);

}  // namespace skagent
