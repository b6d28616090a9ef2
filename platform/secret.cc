// SPDX-License-Identifier: BSD-2-Clause
#include "platform/secret.h"

#include <cstring>

#include "base/bytes.h"

namespace skagent {

namespace {

constexpr size_t kStackToWipe = 32 * 1024;

__attribute__((noinline)) void wipe_stack_below_caller() {
  uint8_t area[kStackToWipe];
  secure_wipe(area, sizeof(area));
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void zero_zmm16_to_31() {
  asm volatile(
      "vpxord %%zmm16, %%zmm16, %%zmm16\n vpxord %%zmm17, %%zmm17, %%zmm17\n"
      "vpxord %%zmm18, %%zmm18, %%zmm18\n vpxord %%zmm19, %%zmm19, %%zmm19\n"
      "vpxord %%zmm20, %%zmm20, %%zmm20\n vpxord %%zmm21, %%zmm21, %%zmm21\n"
      "vpxord %%zmm22, %%zmm22, %%zmm22\n vpxord %%zmm23, %%zmm23, %%zmm23\n"
      "vpxord %%zmm24, %%zmm24, %%zmm24\n vpxord %%zmm25, %%zmm25, %%zmm25\n"
      "vpxord %%zmm26, %%zmm26, %%zmm26\n vpxord %%zmm27, %%zmm27, %%zmm27\n"
      "vpxord %%zmm28, %%zmm28, %%zmm28\n vpxord %%zmm29, %%zmm29, %%zmm29\n"
      "vpxord %%zmm30, %%zmm30, %%zmm30\n vpxord %%zmm31, %%zmm31, %%zmm31\n" ::
          : "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24",
            "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31");
}
#endif

void wipe_vector_registers() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) zero_zmm16_to_31();
  if (__builtin_cpu_supports("avx")) {
    asm volatile("vzeroall" ::
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  } else {
    asm volatile(
        "pxor %%xmm0, %%xmm0\n pxor %%xmm1, %%xmm1\n pxor %%xmm2, %%xmm2\n pxor %%xmm3, %%xmm3\n"
        "pxor %%xmm4, %%xmm4\n pxor %%xmm5, %%xmm5\n pxor %%xmm6, %%xmm6\n pxor %%xmm7, %%xmm7\n"
        "pxor %%xmm8, %%xmm8\n pxor %%xmm9, %%xmm9\n pxor %%xmm10, %%xmm10\n pxor %%xmm11, "
        "%%xmm11\n"
        "pxor %%xmm12, %%xmm12\n pxor %%xmm13, %%xmm13\n pxor %%xmm14, %%xmm14\n pxor %%xmm15, "
        "%%xmm15\n" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
              "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  }
#endif
}

}  // namespace

void wipe_registers_and_stack() {
  wipe_vector_registers();    // first, so nothing spills them again
  wipe_stack_below_caller();  // its memset leaves only zeros in the registers it uses
}

Secret::Secret(const Secret& other) { *this = other; }

Secret& Secret::operator=(const Secret& other) {
  if (this == &other) return *this;
  clear();
  overflow_ = other.overflow_;
  if (!other.empty()) append(other.view().data(), other.size());
  return *this;
}

Secret::Secret(Secret&& other) noexcept
    : buf_(std::move(other.buf_)), len_(other.len_), overflow_(other.overflow_) {
  other.len_ = 0;
  other.overflow_ = false;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this == &other) return *this;
  buf_ = std::move(other.buf_);  // the old buffer wipes itself
  len_ = other.len_;
  overflow_ = other.overflow_;
  other.len_ = 0;
  other.overflow_ = false;
  return *this;
}

std::string_view Secret::view() const {
  if (!buf_) return {};
  return {reinterpret_cast<const char*>(buf_->data()), len_};
}

const char* Secret::c_str() const {
  // Bytes past len_ are always zero: fresh mappings are, and every shrink wipes.
  return buf_ ? reinterpret_cast<const char*>(buf_->data()) : "";
}

bool Secret::append(const char* p, size_t n) {
  if (overflow_ || n > kCapacity - len_) {
    clear();
    overflow_ = true;
    return false;
  }
  if (n == 0) return true;
  if (!buf_) {
    auto fresh = LockedBuffer::create(kCapacity + 1);
    if (!fresh) return false;  // no locked memory: the secret is not taken
    buf_ = std::move(*fresh);
  }
  memcpy(buf_->data() + len_, p, n);
  len_ += n;
  return true;
}

bool Secret::assign(std::string_view s) {
  clear();
  return append(s.data(), s.size());
}

void Secret::clear() {
  if (buf_) secure_wipe(buf_->data(), buf_->size());
  len_ = 0;
  overflow_ = false;
}

void Secret::cut_at_newline() {
  if (!buf_) return;
  for (size_t i = 0; i < len_; i++) {
    if (buf_->data()[i] == '\n' || buf_->data()[i] == '\r') {
      secure_wipe(buf_->data() + i, len_ - i);
      len_ = i;
      return;
    }
  }
}

std::unique_ptr<Secret> Secret::copy() const { return std::make_unique<Secret>(*this); }

}  // namespace skagent
