// SPDX-License-Identifier: BSD-2-Clause
// One PKCS#11 module, loaded and used only inside skagent-pkcs11-helper: the
// library is checked to export C_GetFunctionList before it is loaded (the
// file checked is the file loaded), then every token is logged in to with the
// PIN and its keys found (public-key objects and X.509 certificates, each
// paired with a private key by CKA_ID).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pkcs11/pkcs11_helper_protocol.h"
#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"

namespace skagent::pkcs11 {

class Module {
 public:
  // Opens the file once, checks that it exports C_GetFunctionList, dlopen()s
  // that same open file (through /proc/self/fd) and calls C_Initialize.
  static Result<std::unique_ptr<Module>> open(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Opens a session on every token, logs in with the PIN and lists its keys.
  Result<LoadReply> login_and_list(ByteView pin);
  // Signs `data` with the token key whose plain public blob is `key_blob`,
  // the way the agent's sign flags ask; returns an SSH signature blob. An
  // error with Errc::not_found means the token (or its session) is gone.
  Result<Bytes> sign(ByteView key_blob, ByteView data, uint32_t flags);
  // False when a token that holds one of our keys was removed.
  bool present();

  struct Impl;

 private:
  Module() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skagent::pkcs11
