// SPDX-License-Identifier: BSD-2-Clause
// Where a PKCS#11 module keeps its objects: the only places the PKCS#11 helper's sandbox lets it
// write (platform/sandbox.h). SoftHSM2 rewrites its token's "generation" file at every session
// (seen with strace on C_Initialize/C_Login/C_Sign), so it needs its token directory; OpenSC
// reaches cards through pcscd's socket and needs none (its file cache is best effort).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skagent::pkcs11 {

// SoftHSM2's configuration when SOFTHSM2_CONF is not set (Debian's path).
inline constexpr const char* kSoftHsm2DefaultConf = "/etc/softhsm/softhsm2.conf";

// The value of `directories.tokendir` in a SoftHSM2 configuration's text ("" when absent).
std::string softhsm2_token_dir(std::string_view conf_text);

// The store directories to grant: SoftHSM2's token directory from the configuration at
// `softhsm2_conf` (the helper's main passes $SOFTHSM2_CONF, or the default). An unreadable
// configuration grants nothing: the module then fails to open its tokens (fail closed).
std::vector<std::string> module_stores(const std::string& softhsm2_conf);

}  // namespace skagent::pkcs11
