// SPDX-License-Identifier: BSD-2-Clause
// A shared object that is not a PKCS#11 module (no C_GetFunctionList) and
// whose constructor leaves a marker file: proof, when the marker is missing,
// that the pkcs11 helper refused it without running any of its code. Built by
// the Makefile as skagent-test-pkcs11-ctor-marker.so.
//
//   SKAGENT_TEST_CTOR_MARKER   the file the constructor creates
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace {

__attribute__((constructor)) void leave_marker() {
  const char* path = getenv("SKAGENT_TEST_CTOR_MARKER");
  if (path == nullptr) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

}  // namespace

// Something exported, so the file is an ordinary shared library.
extern "C" __attribute__((visibility("default"))) int skagent_test_not_a_module() { return 0; }
