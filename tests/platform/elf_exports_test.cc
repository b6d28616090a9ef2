// SPDX-License-Identifier: BSD-2-Clause
// The pre-dlopen check that a library exports C_GetFunctionList: real files,
// and hostile ELF images (it parses a file named by a client).
#include "platform/elf_exports.h"

#include <elf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/agent/agent_harness.h"

namespace skagent {
namespace {

constexpr const char* kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  return to_bytes(view(s));
}

std::string crash_module() {
  return skagent::testing::build_dir() + "/bin/skagent-test-pkcs11-crash.so";
}

TEST(ElfExports, RealLibraries) {
  ASSERT_TRUE(std::filesystem::exists(kSoftHsm)) << "softhsm2 is a test dependency";
  auto soft = file_exports_function(kSoftHsm, "C_GetFunctionList");
  ASSERT_TRUE(soft.ok()) << soft.error().message;
  EXPECT_TRUE(*soft);
  EXPECT_FALSE(*file_exports_function(kSoftHsm, "C_GetFunctionLis"));
  EXPECT_FALSE(*file_exports_function(kSoftHsm, "no_such_function"));
  if (std::filesystem::exists(crash_module())) {
    auto ours = file_exports_function(crash_module(), "C_GetFunctionList");
    ASSERT_TRUE(ours.ok()) << ours.error().message;
    EXPECT_TRUE(*ours);
  }
  // libcrypto is a fine shared object, but not a PKCS#11 module; it imports
  // nothing of that name either, and an import is not an export.
  for (const char* lib :
       {"/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/lib/x86_64-linux-gnu/libc.so.6"}) {
    if (!std::filesystem::exists(lib)) continue;
    auto r = file_exports_function(lib, "C_GetFunctionList");
    ASSERT_TRUE(r.ok()) << lib << ": " << r.error().message;
    EXPECT_FALSE(*r) << lib;
  }
  // The broken modules import dlopen; an import must not count as an export.
  if (std::filesystem::exists(crash_module())) {
    EXPECT_FALSE(*file_exports_function(crash_module(), "dlopen"));
  }
}

// The check the helper runs on the descriptor it then loads through /proc/self/fd.
TEST(ElfExports, OpenDescriptors) {
  ASSERT_TRUE(std::filesystem::exists(kSoftHsm)) << "softhsm2 is a test dependency";
  int fd = open(kSoftHsm, O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto r = fd_exports_function(fd, "C_GetFunctionList");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_FALSE(*fd_exports_function(fd, "no_such_function"));
  close(fd);
  int dir = open("/tmp", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  EXPECT_EQ(fd_exports_function(dir, "C_GetFunctionList").error().code, Errc::denied);
  close(dir);
  EXPECT_FALSE(fd_exports_function(-1, "C_GetFunctionList").ok());
}

TEST(ElfExports, NonElfAndMissingFiles) {
  EXPECT_EQ(file_exports_function("/nonexistent/lib.so", "C_GetFunctionList").error().code,
            Errc::not_found);
  EXPECT_EQ(file_exports_function("/tmp", "C_GetFunctionList").error().code, Errc::denied);
  EXPECT_FALSE(file_exports_function("/etc/passwd", "C_GetFunctionList").ok());
  EXPECT_FALSE(file_exports_function("/dev/null", "C_GetFunctionList").ok());
  EXPECT_FALSE(elf_exports_function({}, "x").ok());
  EXPECT_FALSE(elf_exports_function(to_bytes(view("\x7f"
                                                  "ELF")),
                                    "x")
                   .ok());
}

// A minimal, well-formed ELF64 shared object with one .dynsym entry.
struct TinyElf {
  Bytes image;
  size_t ehdr_off = 0, shdr_off = 0, sym_off = 0, str_off = 0;

  explicit TinyElf(uint8_t sym_type = STT_FUNC, uint16_t shndx = 1, uint8_t bind = STB_GLOBAL) {
    const char strtab[] = "\0C_GetFunctionList\0";
    Elf64_Ehdr eh{};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = 3;
    str_off = sizeof(Elf64_Ehdr);
    sym_off = (str_off + sizeof(strtab) + 7) & ~size_t(7);  // 8-aligned, as a linker lays it out
    shdr_off = sym_off + 2 * sizeof(Elf64_Sym);
    eh.e_shoff = shdr_off;
    image.resize(shdr_off + 3 * sizeof(Elf64_Shdr));
    memcpy(image.data(), &eh, sizeof(eh));
    memcpy(image.data() + str_off, strtab, sizeof(strtab));
    Elf64_Sym syms[2]{};
    syms[1].st_name = 1;
    syms[1].st_info = ELF64_ST_INFO(bind, sym_type);
    syms[1].st_shndx = shndx;
    memcpy(image.data() + sym_off, syms, sizeof(syms));
    Elf64_Shdr sh[3]{};
    sh[1].sh_type = SHT_DYNSYM;
    sh[1].sh_offset = sym_off;
    sh[1].sh_size = sizeof(syms);
    sh[1].sh_entsize = sizeof(Elf64_Sym);
    sh[1].sh_link = 2;
    sh[2].sh_type = SHT_STRTAB;
    sh[2].sh_offset = str_off;
    sh[2].sh_size = sizeof(strtab);
    memcpy(image.data() + shdr_off, sh, sizeof(sh));
  }
  Elf64_Shdr* section(size_t i) {
    return reinterpret_cast<Elf64_Shdr*>(image.data() + shdr_off) + i;
  }
  Elf64_Ehdr* header() { return reinterpret_cast<Elf64_Ehdr*>(image.data()); }
};

TEST(ElfExports, SyntheticImages) {
  EXPECT_TRUE(*elf_exports_function(TinyElf().image, "C_GetFunctionList"));
  EXPECT_TRUE(*elf_exports_function(TinyElf(STT_FUNC, 1, STB_WEAK).image, "C_GetFunctionList"));
  EXPECT_FALSE(
      *elf_exports_function(TinyElf(STT_FUNC, SHN_UNDEF).image, "C_GetFunctionList"));  // import
  EXPECT_FALSE(*elf_exports_function(TinyElf(STT_OBJECT).image, "C_GetFunctionList"));  // data
  EXPECT_FALSE(*elf_exports_function(TinyElf(STT_FUNC, 1, STB_LOCAL).image, "C_GetFunctionList"));

  TinyElf hidden;
  // (a byte write: the image's symbol table need not be 8-byte aligned)
  hidden.image[hidden.sym_off + sizeof(Elf64_Sym) + offsetof(Elf64_Sym, st_other)] = STV_HIDDEN;
  EXPECT_FALSE(*elf_exports_function(hidden.image, "C_GetFunctionList"));

  TinyElf exec;
  exec.header()->e_type = ET_EXEC;
  EXPECT_FALSE(elf_exports_function(exec.image, "C_GetFunctionList").ok());
  TinyElf elf32;
  elf32.header()->e_ident[EI_CLASS] = ELFCLASS32;
  EXPECT_FALSE(elf_exports_function(elf32.image, "C_GetFunctionList").ok());
  TinyElf big_endian;
  big_endian.header()->e_ident[EI_DATA] = ELFDATA2MSB;
  EXPECT_FALSE(elf_exports_function(big_endian.image, "C_GetFunctionList").ok());
  TinyElf stripped;
  stripped.header()->e_shoff = 0;
  EXPECT_FALSE(elf_exports_function(stripped.image, "C_GetFunctionList").ok());
  TinyElf no_dynsym;
  no_dynsym.section(1)->sh_type = SHT_PROGBITS;
  EXPECT_FALSE(elf_exports_function(no_dynsym.image, "C_GetFunctionList").ok());
}

TEST(ElfExports, HostileOffsetsAndSizes) {
  auto refused = [](TinyElf e) { return !elf_exports_function(e.image, "C_GetFunctionList").ok(); };
  {
    TinyElf e;
    e.header()->e_shoff = e.image.size() - 10;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.header()->e_shoff = ~uint64_t{0} - 8;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.header()->e_shnum = 0xffff;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.header()->e_shentsize = 32;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;  // extended numbering with an absurd count in section 0
    e.header()->e_shnum = 0;
    e.section(0)->sh_size = ~uint64_t{0};
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.section(1)->sh_offset = ~uint64_t{0} - 4;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.section(1)->sh_size = ~uint64_t{0};
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.section(1)->sh_entsize = 1;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.section(1)->sh_link = 99;
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;
    e.section(2)->sh_size = e.image.size();
    EXPECT_TRUE(refused(e));
  }
  {
    TinyElf e;  // name offset past the string table: not a match, not a crash
    reinterpret_cast<Elf64_Sym*>(e.image.data() + e.sym_off)[1].st_name = 0xfffffff0;
    auto r = elf_exports_function(e.image, "C_GetFunctionList");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r);
  }
  {
    TinyElf e;  // unterminated string table
    e.section(2)->sh_size = 5;
    auto r = elf_exports_function(e.image, "C_GetFunctionList");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r);
  }
  Bytes full = TinyElf().image;
  for (size_t n = 0; n < full.size(); n++) {
    auto r = elf_exports_function(ByteView(full).first(n), "C_GetFunctionList");
    EXPECT_FALSE(r.ok() && *r) << n;
  }
}

TEST(ElfExports, RandomMutationsNeverCrash) {
  std::mt19937 rng(99);
  std::vector<Bytes> seeds = {TinyElf().image};
  if (std::filesystem::exists(crash_module())) seeds.push_back(read_file(crash_module()));
  for (int i = 0; i < 3000; i++) {
    Bytes b = seeds[size_t(i) % seeds.size()];
    for (int e = 0; e < 8; e++) {
      // Half the edits where the ELF header lives, half anywhere (section headers are at the end).
      size_t pos = e % 2 ? rng() % b.size() : rng() % std::min<size_t>(b.size(), 64);
      b[pos] = uint8_t(rng());
    }
    (void)elf_exports_function(b, "C_GetFunctionList");
  }
  SUCCEED();
}

}  // namespace
}  // namespace skagent
