// SPDX-License-Identifier: BSD-2-Clause
// libfido2 custom I/O for skagent-vtoken's CTAPHID socket, so libfido2's own
// CTAPHID, CBOR, PIN and credential-management code runs against the virtual
// token:
//
//   fido_dev_t* dev = fido_dev_new();
//   fido_dev_set_io_functions(dev, &skagent::vtoken_io_functions());
//   fido_dev_open(dev, "vtoken:/path/to/hid.sock");
//
// (skagent::vtoken_open() does the three steps.) The "vtoken:" prefix keeps
// libfido2 from mistaking the path for one of its own ("nfc:", "pcsc:").
#pragma once

#include <fido.h>

#include <string>
#include <string_view>

namespace skagent {

inline constexpr std::string_view kVtokenPathPrefix = "vtoken:";

// open/close/read/write over the UNIX socket. write takes libfido2's 65-byte
// reports (report ID 0 first) and sends the 64 bytes after the ID; read
// returns exactly one 64-byte report or -1 after `ms` (-1: no limit).
const fido_dev_io_t& vtoken_io_functions();

// "vtoken:" + socket path.
std::string vtoken_device_path(const std::string& socket_path);

// Sets the io functions on `dev` (made with fido_dev_new) and opens the token
// at `socket_path`. Returns a libfido2 status (FIDO_OK on success).
int vtoken_open(fido_dev_t* dev, const std::string& socket_path);

}  // namespace skagent
