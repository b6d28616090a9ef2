// SPDX-License-Identifier: BSD-2-Clause
// Reading an ELF shared object's dynamic symbol table without loading it, so
// the helpers can refuse a library that is not a PKCS#11 module or a security
// key provider before dlopen() runs any of its code (constructors included).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

// Whether `image` (a whole 64-bit little-endian ELF shared object) defines and
// exports a function named `symbol` in its .dynsym. An image that is not such
// an ELF file, or is malformed, is an error.
Result<bool> elf_exports_function(ByteView image, std::string_view symbol);

// The same for a file by name.
Result<bool> file_exports_function(const std::string& path, std::string_view symbol);

// The same for an open file (a regular file, mapped read-only). The caller
// then loads that very file through /proc/self/fd, so it cannot be swapped
// between this check and dlopen().
Result<bool> fd_exports_function(int fd, std::string_view symbol);

// Opens `path`, checks that it exports every function in `symbols`, and only then dlopen()s
// that very open file (through /proc/self/fd, so it cannot be swapped in between). A library
// lacking one is refused (Errc::denied, naming the symbol) with none of its code run.
Result<void*> dlopen_exporting(const std::string& path,
                               std::initializer_list<std::string_view> symbols, int dlopen_flags);

}  // namespace skagent
