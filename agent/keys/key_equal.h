// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH's sshkey_equal, which the destination and session-bind rules use:
// the same underlying key and, when `a` is a certificate, the very same
// certificate. Deliberately asymmetric like OpenSSH's: a plain `a` equals a
// certificate `b` on the same key.
#pragma once

#include "ssh/key.h"

namespace skagent {

bool key_equal(const PublicKey& a, const PublicKey& b);

}  // namespace skagent
