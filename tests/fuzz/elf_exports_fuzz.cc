// SPDX-License-Identifier: BSD-2-Clause
// The check, before dlopen(), that a library a client named exports C_GetFunctionList: an ELF
// parser over whatever file that is.
#include "platform/elf_exports.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)elf_exports_function(ByteView(data, size), "C_GetFunctionList");
  return 0;
}
