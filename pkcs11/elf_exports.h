// Reading an ELF shared object's dynamic symbol table without loading it, so
// the pkcs11 helper can refuse a library that is not a PKCS#11 module before
// dlopen() runs any of its code (constructors included).
#pragma once

#include <string>
#include <string_view>

#include "ssh/bytes.h"
#include "ssh/error.h"

namespace skagent::pkcs11 {

// Whether `image` (a whole 64-bit little-endian ELF shared object) defines and
// exports a function named `symbol` in its .dynsym. An image that is not such
// an ELF file, or is malformed, is an error.
Result<bool> elf_exports_function(ByteView image, std::string_view symbol);

// The same for a file: read-only mapping, regular files only.
Result<bool> file_exports_function(const std::string& path, std::string_view symbol);

}  // namespace skagent::pkcs11
