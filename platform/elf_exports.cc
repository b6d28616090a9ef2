// SPDX-License-Identifier: BSD-2-Clause
#include "platform/elf_exports.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skagent {

namespace {

constexpr size_t kMaxImage = 1024ull * 1024 * 1024;

Error bad(const std::string& why) {
  return make_error(Errc::malformed, "not a usable ELF shared object: " + why);
}

// Copies a struct out of the image at `off` when it fits (no alignment assumed).
template <class T>
bool read_at(ByteView image, uint64_t off, T& out) {
  if (off > image.size() || image.size() - off < sizeof(T)) return false;
  memcpy(&out, image.data() + off, sizeof(T));
  return true;
}

// [off, off + size) lies inside the image.
bool inside(ByteView image, uint64_t off, uint64_t size) {
  return off <= image.size() && size <= image.size() - off;
}

}  // namespace

Result<bool> elf_exports_function(ByteView image, std::string_view symbol) {
  Elf64_Ehdr eh;
  if (!read_at(image, 0, eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return bad("no ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    return bad("not a 64-bit little-endian ELF file");
  }
  if (eh.e_type != ET_DYN) return bad("not a shared object");
  if (eh.e_shoff == 0) return bad("no section headers (stripped with sstrip?)");
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) return bad("unexpected section header size");
  uint64_t shnum = eh.e_shnum;
  if (shnum == 0) {  // extended numbering: the count is in section 0's sh_size
    Elf64_Shdr s0;
    if (!read_at(image, eh.e_shoff, s0)) return bad("section headers out of bounds");
    shnum = s0.sh_size;
  }
  if (shnum == 0 || shnum > image.size() / sizeof(Elf64_Shdr) ||
      !inside(image, eh.e_shoff, shnum * sizeof(Elf64_Shdr))) {
    return bad("section headers out of bounds");
  }
  auto section = [&](uint64_t i, Elf64_Shdr& out) {
    return i < shnum && read_at(image, eh.e_shoff + i * sizeof(Elf64_Shdr), out);
  };
  bool seen_dynsym = false;
  for (uint64_t i = 0; i < shnum; i++) {
    Elf64_Shdr sh;
    if (!section(i, sh)) return bad("section header out of bounds");
    if (sh.sh_type != SHT_DYNSYM) continue;
    seen_dynsym = true;
    Elf64_Shdr str;
    if (!section(sh.sh_link, str) || str.sh_type != SHT_STRTAB) return bad("bad .dynstr link");
    if (!inside(image, sh.sh_offset, sh.sh_size) || !inside(image, str.sh_offset, str.sh_size)) {
      return bad(".dynsym or .dynstr out of bounds");
    }
    if (sh.sh_entsize != sizeof(Elf64_Sym)) return bad("unexpected symbol size");
    ByteView strtab = image.subspan(str.sh_offset, str.sh_size);
    uint64_t count = sh.sh_size / sizeof(Elf64_Sym);
    for (uint64_t j = 0; j < count; j++) {
      Elf64_Sym sym;
      if (!read_at(image, sh.sh_offset + j * sizeof(Elf64_Sym), sym))
        return bad("symbol out of bounds");
      if (sym.st_name >= strtab.size()) continue;
      ByteView rest = strtab.subspan(sym.st_name);
      const void* nul = memchr(rest.data(), 0, rest.size());
      if (nul == nullptr) continue;  // unterminated name: not ours
      std::string_view name(reinterpret_cast<const char*>(rest.data()),
                            size_t(static_cast<const uint8_t*>(nul) - rest.data()));
      if (name != symbol) continue;
      unsigned type = ELF64_ST_TYPE(sym.st_info), bind = ELF64_ST_BIND(sym.st_info);
      unsigned vis = ELF64_ST_VISIBILITY(sym.st_other);
      if (sym.st_shndx != SHN_UNDEF && (type == STT_FUNC || type == STT_GNU_IFUNC) &&
          (bind == STB_GLOBAL || bind == STB_WEAK) &&
          (vis == STV_DEFAULT || vis == STV_PROTECTED)) {
        return true;
      }
    }
  }
  if (!seen_dynsym) return bad("no dynamic symbol table");
  return false;
}

Result<bool> fd_exports_function(int fd, std::string_view symbol) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return make_error(Errc::denied, "not a regular file");
  if (st.st_size <= 0 || uint64_t(st.st_size) > kMaxImage) return bad("size out of range");
  void* map = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return make_error(Errc::io, std::string("mmap: ") + strerror(errno));
  auto res =
      elf_exports_function(ByteView(static_cast<const uint8_t*>(map), size_t(st.st_size)), symbol);
  munmap(map, size_t(st.st_size));
  return res;
}

Result<bool> file_exports_function(const std::string& path, std::string_view symbol) {
  int fd =
      open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);  // a FIFO must not block
  if (fd < 0) return make_error(Errc::not_found, path + ": " + strerror(errno));
  auto res = fd_exports_function(fd, symbol);
  close(fd);
  if (!res) return make_error(res.error().code, path + ": " + res.error().message);
  return res;
}

Result<void*> dlopen_exporting(const std::string& path,
                               std::initializer_list<std::string_view> symbols, int dlopen_flags) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return make_error(Errc::not_found, path + ": " + strerror(errno));
  for (std::string_view symbol : symbols) {
    auto exported = fd_exports_function(fd, symbol);
    Status refused;
    if (!exported)
      refused = make_error(exported.error().code, path + ": " + exported.error().message);
    else if (!*exported)
      refused = make_error(Errc::denied, path + " does not export " + std::string(symbol));
    if (!refused) {
      close(fd);
      return refused.error();
    }
  }
  void* dl = dlopen(("/proc/self/fd/" + std::to_string(fd)).c_str(), dlopen_flags);
  close(fd);  // the loaded mapping does not need it
  if (dl == nullptr) {
    const char* e = dlerror();
    return make_error(Errc::not_found, path + ": dlopen: " + (e ? e : "failed"));
  }
  return dl;
}

}  // namespace skagent
