// SPDX-License-Identifier: BSD-2-Clause
// ML-DSA-44 after FIPS 204 (August 2024): algorithm numbers below are the standard's.
//
// Arithmetic: coefficients are int32_t; the NTT works in Montgomery form (R = 2^32), so a
// pointwise product carries a factor R^-1 that the inverse NTT's final scaling removes.
//
// Constant time. Secret inputs are the seed ξ, the secret-key encoding, and everything
// derived from them (ρ', K, s1, s2, t0, ρ'', y, w, c·s1, c·s2, c·t0, z and the hint before
// a signature is accepted). Code on those values has no secret-dependent branch or memory
// index, with exactly four declassified values, each where it becomes public or at the
// decision that reads it:
//   0. ρ, the seed of the matrix Â: derived from ξ but published as the first 32 bytes of the
//      public key, so ExpandA's rejection sampling on it is on public data.
//   1. ExpandS (RejBoundedPoly): whether a half-byte of the SHAKE256(ρ') stream is < 15.
//      Rejected half-bytes are discarded; which positions were rejected is independent of
//      the values kept (each kept value is uniform in 0..14 whatever was rejected).
//   2. Sign: c̃ = H(μ || w1Encode(w1)) of every attempt, so SampleInBall may branch on it.
//      For an accepted attempt c̃ is part of the signature; for a rejected one it is a
//      hash output whose preimage w1 keeps ~3000 bits of entropy, as in the Dilithium
//      reference implementation, which treats the challenge as public.
//   3. Sign: the single bit "this attempt is rejected", the OR of the four checks of
//      Algorithm 7 lines 23 and 28 (||z|| ≥ γ1−β, ||r0|| ≥ γ2−β, ||ct0|| ≥ γ2, #h > ω),
//      computed without early exit, so which check failed, and the rejected z, r0, ct0
//      and h, stay secret. The number of attempts shows in the running time anyway.
//      z and h are declassified once accepted: they are the signature.
// Public data (ρ, Â, t1, a signature being verified) is handled with ordinary branches.
#include "ssh/mldsa44.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

#include "base/constant_time.h"

namespace skagent::mldsa44 {

namespace {

constexpr int kN = 256;
constexpr int32_t kQ = 8380417;
constexpr int kK = 4, kL = 4;
constexpr int kD = 13;
constexpr int kTau = 39;
constexpr int32_t kEta = 2;
constexpr int32_t kGamma1 = 1 << 17;
constexpr int32_t kGamma2 = (kQ - 1) / 88;
constexpr int32_t kBeta = kTau * kEta;
constexpr int kOmega = 80;
constexpr size_t kCTildeSize = 32;  // λ/4
constexpr size_t kTrSize = 64;
constexpr size_t kMuSize = 64;
// Packed polynomial sizes: 32 bytes per bit of coefficient width.
constexpr size_t kT1Bits = 10, kEtaBits = 3, kT0Bits = 13, kZBits = 18, kW1Bits = 6;
constexpr size_t kW1PackedSize = kK * 32 * kW1Bits;
// FIPS 204 lets an implementation bound the signing loop (Appendix C): for ML-DSA-44, 814
// attempts all fail with probability below 2^-256.
constexpr int kMaxSignAttempts = 814;

static_assert(kPublicKeySize == 32 + kK * 32 * kT1Bits);
static_assert(kSecretKeySize == 32 + 32 + kTrSize + (kK + kL) * 32 * kEtaBits + kK * 32 * kT0Bits);
static_assert(kSignatureSize == kCTildeSize + kL * 32 * kZBits + kOmega + kK);

using Poly = std::array<int32_t, kN>;
using Vec = std::array<Poly, 4>;  // k = l = 4 for ML-DSA-44
using Matrix = std::array<Vec, kK>;

// ---- modular arithmetic -------------------------------------------------------------

constexpr int64_t pow_mod(int64_t b, int64_t e) {
  int64_t r = 1;
  b %= kQ;
  for (; e > 0; e >>= 1, b = b * b % kQ) {
    if (e & 1) r = r * b % kQ;
  }
  return r;
}

// q^-1 mod 2^32 by Newton's iteration (each step doubles the correct low bits).
constexpr uint32_t q_inverse() {
  uint32_t x = uint32_t(kQ);
  for (int i = 0; i < 5; i++) x *= 2 - uint32_t(kQ) * x;
  return x;
}
constexpr uint32_t kQInv = q_inverse();
static_assert(uint32_t(kQ) * kQInv == 1);
constexpr int64_t kMont = (int64_t(1) << 32) % kQ;  // R mod q

// a·R^-1 mod q, in (-q, q) for |a| < 2^31·q.
int32_t mont_reduce(int64_t a) {
  int32_t t = int32_t(uint32_t(uint64_t(a)) * kQInv);
  return int32_t((a - int64_t(t) * kQ) >> 32);
}

// A representative of a mod q in [-6283009, 6283008] for |a| < 2^31 - 2^22.
int32_t reduce32(int32_t a) {
  int32_t t = (a + (1 << 22)) >> 23;
  return a - t * kQ;
}
// [0, q) from (-q, q), without a branch.
int32_t caddq(int32_t a) { return a + ((a >> 31) & kQ); }
int32_t freeze(int32_t a) { return caddq(reduce32(a)); }
// The centred representative in [-(q-1)/2, (q-1)/2] of a in [0, q).
int32_t centre(int32_t a) { return a - (((kQ - 1) / 2 - a) >> 31 & kQ); }
int32_t ct_abs(int32_t a) {
  int32_t m = a >> 31;
  return (a ^ m) - m;
}
// 1 when a != 0, without a branch.
uint32_t ct_nonzero(uint32_t a) { return (a | (0 - a)) >> 31; }

// ζ^BitRev8(k)·R mod q for ζ = 1753 (FIPS 204 Appendix B), computed at compile time.
constexpr std::array<int32_t, kN> make_zetas() {
  std::array<int32_t, kN> z{};
  for (unsigned k = 0; k < kN; k++) {
    unsigned br = 0;
    for (int b = 0; b < 8; b++) br |= ((k >> b) & 1) << (7 - b);
    z[k] = int32_t(pow_mod(1753, br) * kMont % kQ);
  }
  return z;
}
constexpr std::array<int32_t, kN> kZetas = make_zetas();
static_assert(pow_mod(1753, 256) == kQ - 1);  // a primitive 512th root of unity
// The inverse NTT's scaling: 256^-1 (f = 8347681 in Algorithm 42) times R^2, so that after
// a Montgomery product and this Montgomery multiplication the result is in normal form.
constexpr int32_t kInvNttScale = int32_t(8347681 * (kMont * kMont % kQ) % kQ);
static_assert(int64_t(8347681) * 256 % kQ == 1);

// Algorithm 41. Input |a| < q; output |a| < 9q.
void ntt(Poly& a) {
  int m = 0;
  for (int len = 128; len >= 1; len >>= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      int64_t z = kZetas[++m];
      for (int j = start; j < start + len; j++) {
        int32_t t = mont_reduce(z * a[j + len]);
        a[j + len] = a[j] - t;
        a[j] = a[j] + t;
      }
    }
  }
}

// Algorithm 42, including the R^-1 correction of a preceding Montgomery product.
// Input |a| < 16q; output |a| < q.
void inv_ntt(Poly& a) {
  int m = kN;
  for (int len = 1; len < kN; len <<= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      int64_t z = -int64_t(kZetas[--m]);
      for (int j = start; j < start + len; j++) {
        int32_t t = a[j];
        a[j] = reduce32(t + a[j + len]);
        a[j + len] = mont_reduce(z * (t - a[j + len]));
      }
    }
  }
  for (auto& c : a) c = mont_reduce(int64_t(kInvNttScale) * c);
}

// out = Σ_j a[j] ∘ b[j] (Montgomery products, |out| < 4q); then its inverse NTT.
Poly dot_inv_ntt(const Vec& a, const Vec& b) {
  Poly out{};
  for (int j = 0; j < kL; j++) {
    for (int i = 0; i < kN; i++) out[i] += mont_reduce(int64_t(a[j][i]) * b[j][i]);
  }
  inv_ntt(out);
  return out;
}

Poly pointwise_inv_ntt(const Poly& a, const Poly& b) {
  Poly out;
  for (int i = 0; i < kN; i++) out[i] = mont_reduce(int64_t(a[i]) * b[i]);
  inv_ntt(out);
  return out;
}

// ---- rounding (Algorithms 35-40) ------------------------------------------------------

// Power2Round for a in [0, q): a = r1·2^13 + r0 with r0 in (-2^12, 2^12].
void power2round(int32_t a, int32_t& r1, int32_t& r0) {
  r1 = (a + (1 << (kD - 1)) - 1) >> kD;
  r0 = a - (r1 << kD);
}

// Decompose for a in [0, q), γ2 = (q-1)/88: r1 = ⌊(a + γ2 - 1) / 2γ2⌋ with 2γ2 = 2^11·93,
// the division by 93 done as a multiplication (exact for the inputs that occur, checked
// exhaustively by the unit tests), then the r1 = 44 wrap of line 4.
}  // namespace

void detail::decompose(int32_t a, int32_t& r1, int32_t& r0) {
  uint32_t x = uint32_t(a + kGamma2 - 1) >> 11;
  r1 = int32_t((x * 11276u) >> 20);
  r0 = a - r1 * 2 * kGamma2;
  int32_t wrap = (43 - r1) >> 31;  // -1 when r1 == 44, that is r+ - r0 == q - 1
  r1 &= ~wrap;
  r0 += wrap;
}

namespace {

using detail::decompose;

int32_t high_bits(int32_t a) {
  int32_t r1, r0;
  decompose(a, r1, r0);
  return r1;
}

// Algorithm 40 (public data: verification only).
int32_t use_hint(bool h, int32_t a) {
  int32_t r1, r0;
  decompose(a, r1, r0);
  if (!h) return r1;
  return r0 > 0 ? (r1 + 1) % 44 : (r1 + 43) % 44;
}

// 1 when some |a_i| >= bound, for centred coefficients; no early exit.
uint32_t exceeds(const Vec& v, int32_t bound) {
  uint32_t out = 0;
  for (const auto& p : v) {
    for (int32_t c : p) out |= uint32_t(bound - 1 - ct_abs(c)) >> 31;
  }
  return out;
}

// ---- bit packing (Algorithms 16-19), little-endian bit order ---------------------------

template <class F>
void pack(const Poly& p, size_t bits, uint8_t* out, F value) {
  uint64_t acc = 0;
  size_t n = 0;
  for (int32_t c : p) {
    acc |= uint64_t(value(c)) << n;
    n += bits;
    for (; n >= 8; n -= 8, acc >>= 8) *out++ = uint8_t(acc);
  }
}

template <class F>
void unpack(const uint8_t* in, size_t bits, Poly& p, F coefficient) {
  uint64_t acc = 0;
  size_t n = 0;
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  for (auto& c : p) {
    for (; n < bits; n += 8) acc |= uint64_t(*in++) << n;
    c = coefficient(uint32_t(acc & mask));
    acc >>= bits;
    n -= bits;
  }
}

void pack_eta(const Poly& p, uint8_t* out) {
  pack(p, kEtaBits, out, [](int32_t c) { return uint32_t(kEta - c); });
}
void unpack_eta(const uint8_t* in, Poly& p) {
  unpack(in, kEtaBits, p, [](uint32_t v) { return kEta - int32_t(v); });
}
void pack_t0(const Poly& p, uint8_t* out) {
  pack(p, kT0Bits, out, [](int32_t c) { return uint32_t((1 << (kD - 1)) - c); });
}
void unpack_t0(const uint8_t* in, Poly& p) {
  unpack(in, kT0Bits, p, [](uint32_t v) { return (1 << (kD - 1)) - int32_t(v); });
}
void pack_z(const Poly& p, uint8_t* out) {
  pack(p, kZBits, out, [](int32_t c) { return uint32_t(kGamma1 - c); });
}
void unpack_z(const uint8_t* in, Poly& p) {
  unpack(in, kZBits, p, [](uint32_t v) { return kGamma1 - int32_t(v); });
}
auto identity = [](auto v) { return v; };

// ---- SHAKE through OpenSSL's EVP --------------------------------------------------------

const EVP_MD* shake(int bits) {
  static EVP_MD* s128 = EVP_MD_fetch(nullptr, "SHAKE128", nullptr);
  static EVP_MD* s256 = EVP_MD_fetch(nullptr, "SHAKE256", nullptr);
  return bits == 128 ? s128 : s256;
}

// One SHAKE computation: absorb the parts, squeeze `n` bytes once (OpenSSL 3.0 cannot squeeze
// incrementally, so samplers that may need more ask again for a longer output, of which the
// shorter one is a prefix). A failure (no memory) zeroes the output and clears `ok`, which
// the caller reports; the samplers still terminate on zeros.
class Xof {
 public:
  Xof(int bits, bool& ok) : ctx_(EVP_MD_CTX_new()), ok_(ok) {
    const EVP_MD* md = shake(bits);
    if (ctx_ == nullptr || md == nullptr || EVP_DigestInit_ex(ctx_, md, nullptr) != 1) ok_ = false;
  }
  ~Xof() { EVP_MD_CTX_free(ctx_); }  // the provider wipes its Keccak state when freed
  Xof(const Xof&) = delete;
  Xof& operator=(const Xof&) = delete;

  Xof& absorb(const void* p, size_t n) {
    if (ctx_ != nullptr && EVP_DigestUpdate(ctx_, p, n) != 1) ok_ = false;
    return *this;
  }
  Xof& absorb(ByteView b) { return absorb(b.data(), b.size()); }
  void squeeze(uint8_t* out, size_t n) {
    if (ctx_ == nullptr || !ok_ || EVP_DigestFinalXOF(ctx_, out, n) != 1) {
      ok_ = false;
      secure_wipe(out, n);
    }
  }

 private:
  EVP_MD_CTX* ctx_;
  bool& ok_;
};

constexpr size_t kShake128Rate = 168, kShake256Rate = 136;

// ---- sampling (Algorithms 29-34) -------------------------------------------------------

// RejNTTPoly(ρ || s || r) for Â[r][s]: public data.
void rej_ntt_poly(const uint8_t rho[32], uint8_t s, uint8_t r, Poly& a, bool& ok) {
  const uint8_t idx[2] = {s, r};
  for (size_t len = 5 * kShake128Rate;; len *= 2) {
    Bytes buf(len);
    Xof(128, ok).absorb(rho, 32).absorb(idx, 2).squeeze(buf.data(), len);
    int j = 0;
    for (size_t pos = 0; pos + 3 <= len && j < kN; pos += 3) {
      int32_t z = buf[pos] | (buf[pos + 1] << 8) | ((buf[pos + 2] & 0x7f) << 16);
      if (z < kQ) a[j++] = z;
    }
    if (j == kN) return;
  }
}

void expand_a(const uint8_t rho[32], Matrix& a, bool& ok) {
  for (int r = 0; r < kK; r++) {
    for (int s = 0; s < kL; s++) rej_ntt_poly(rho, uint8_t(s), uint8_t(r), a[r][s], ok);
  }
}

// RejBoundedPoly(ρ' || nonce) for η = 2: secret data, see declassification 1.
void rej_bounded_poly(const uint8_t rho_prime[64], uint16_t nonce, Poly& a, bool& ok) {
  const uint8_t n[2] = {uint8_t(nonce), uint8_t(nonce >> 8)};
  for (size_t len = 2 * kShake256Rate;; len *= 2) {
    Bytes buf(len);
    Xof(256, ok).absorb(rho_prime, 64).absorb(n, 2).squeeze(buf.data(), len);
    int j = 0;
    for (size_t pos = 0; pos < len && j < kN; pos++) {
      for (int half = 0; half < 2 && j < kN; half++) {
        uint32_t b = (buf[pos] >> (4 * half)) & 0x0f;
        uint32_t accept = (b - 15) >> 31;  // b < 15
        declassify(&accept, sizeof(accept));
        if (accept) a[j++] = kEta - int32_t(b - 5 * ((b * 205) >> 10));  // 2 - (b mod 5)
      }
    }
    if (j == kN) return;
  }
}

// SampleInBall(c̃): c̃ has been declassified (declassification 2).
void sample_in_ball(const uint8_t ctilde[kCTildeSize], Poly& c, bool& ok) {
  for (size_t len = kShake256Rate;; len *= 2) {
    Bytes buf(len);
    Xof(256, ok).absorb(ctilde, kCTildeSize).squeeze(buf.data(), len);
    uint64_t signs = 0;
    for (int i = 0; i < 8; i++) signs |= uint64_t(buf[i]) << (8 * i);
    c.fill(0);
    size_t pos = 8;
    int i = kN - kTau;
    for (; i < kN; i++) {
      int j = kN;
      while (pos < len && (j = buf[pos++]) > i) j = kN;
      if (j == kN) break;  // ran out of output: squeeze a longer one
      c[i] = c[j];
      c[j] = 1 - 2 * int32_t(signs & 1);
      signs >>= 1;
    }
    if (i == kN) return;
  }
}

// ExpandMask(ρ'', κ): y_r from 576 bytes of SHAKE256(ρ'' || κ + r).
void expand_mask(const uint8_t rho2[64], uint16_t kappa, Vec& y, uint8_t* buf, bool& ok) {
  for (int r = 0; r < kL; r++) {
    uint16_t nonce = uint16_t(kappa + r);
    const uint8_t n[2] = {uint8_t(nonce), uint8_t(nonce >> 8)};
    Xof(256, ok).absorb(rho2, 64).absorb(n, 2).squeeze(buf, 32 * kZBits);
    unpack_z(buf, y[r]);
  }
}

void w1_encode(const Vec& w1, uint8_t out[kW1PackedSize]) {
  for (int i = 0; i < kK; i++) pack(w1[i], kW1Bits, out + i * 32 * kW1Bits, identity);
}

// ---- signature hints (Algorithms 20-21) ----------------------------------------------------

void hint_pack(const Vec& h, uint8_t out[kOmega + kK]) {
  for (int i = 0; i < kOmega + kK; i++) out[i] = 0;
  int index = 0;
  for (int i = 0; i < kK; i++) {
    for (int j = 0; j < kN; j++) {
      if (h[i][j] != 0) out[index++] = uint8_t(j);
    }
    out[kOmega + i] = uint8_t(index);
  }
}

bool hint_unpack(const uint8_t in[kOmega + kK], Vec& h) {
  int index = 0;
  for (int i = 0; i < kK; i++) {
    h[i].fill(0);
    int end = in[kOmega + i];
    if (end < index || end > kOmega) return false;
    for (int first = index; index < end; index++) {
      if (index > first && in[index - 1] >= in[index]) return false;  // strictly increasing
      h[i][in[index]] = 1;
    }
  }
  for (; index < kOmega; index++) {
    if (in[index] != 0) return false;
  }
  return true;
}

// ---- the algorithms ------------------------------------------------------------------------

// Large secret state lives on the heap (it is ~60 KiB) and is wiped on every exit.
template <class T>
struct Wiped {
  T v{};
  ~Wiped() { secure_wipe(&v, sizeof(v)); }
};

// μ = H(tr || M', 64) with M' = 0 || |ctx| || ctx || M.
void message_representative(const uint8_t tr[kTrSize], ByteView msg, ByteView ctx,
                            uint8_t mu[kMuSize], bool& ok) {
  const uint8_t prefix[2] = {0, uint8_t(ctx.size())};
  Xof(256, ok).absorb(tr, kTrSize).absorb(prefix, 2).absorb(ctx).absorb(msg).squeeze(mu, kMuSize);
}

struct KeygenState {
  uint8_t expanded[128];  // ρ || ρ' || K
  Matrix a;
  Vec s1, s2, s1_hat, t0;
  Poly t1;
};

struct SignState {
  uint8_t k[32], tr[kTrSize], mu[kMuSize], rho2[64];
  Matrix a;
  Vec s1, s2, t0, y, y_hat, w, w1, z, r0, ct0, h;
  Poly c, cs1, cs2;
  uint8_t w1_packed[kW1PackedSize];
  uint8_t ctilde[kCTildeSize];
  uint8_t mask_buf[32 * kZBits];
};

bool sign_attempt(SignState& s, uint16_t kappa, bool& ok) {
  expand_mask(s.rho2, kappa, s.y, s.mask_buf, ok);
  for (int i = 0; i < kL; i++) {
    s.y_hat[i] = s.y[i];
    ntt(s.y_hat[i]);
  }
  for (int i = 0; i < kK; i++) {
    s.w[i] = dot_inv_ntt(s.a[i], s.y_hat);
    for (auto& c : s.w[i]) c = freeze(c);
    for (int j = 0; j < kN; j++) s.w1[i][j] = high_bits(s.w[i][j]);
  }
  w1_encode(s.w1, s.w1_packed);
  Xof(256, ok)
      .absorb(s.mu, kMuSize)
      .absorb(s.w1_packed, kW1PackedSize)
      .squeeze(s.ctilde, kCTildeSize);
  declassify(s.ctilde, kCTildeSize);  // declassification 2
  sample_in_ball(s.ctilde, s.c, ok);
  ntt(s.c);
  uint32_t hints = 0;
  for (int i = 0; i < kL; i++) {
    s.cs1 = pointwise_inv_ntt(s.c, s.s1[i]);
    for (int j = 0; j < kN; j++) s.z[i][j] = centre(freeze(s.y[i][j] + s.cs1[j]));
  }
  for (int i = 0; i < kK; i++) {
    s.cs2 = pointwise_inv_ntt(s.c, s.s2[i]);
    s.ct0[i] = pointwise_inv_ntt(s.c, s.t0[i]);
    for (int j = 0; j < kN; j++) {
      int32_t w_cs2 = freeze(s.w[i][j] - s.cs2[j]);  // w - c·s2 in [0, q)
      int32_t r1;
      decompose(w_cs2, r1, s.r0[i][j]);
      int32_t ct0 = freeze(s.ct0[i][j]);
      // MakeHint(-ct0, w - cs2 + ct0): do w - cs2 + ct0 and w - cs2 differ in high bits?
      int32_t h = int32_t(ct_nonzero(uint32_t(high_bits(freeze(w_cs2 + ct0)) ^ r1)));
      s.h[i][j] = h;
      hints += uint32_t(h);
      s.ct0[i][j] = centre(ct0);
    }
  }
  uint32_t reject = exceeds(s.z, kGamma1 - kBeta) | exceeds(s.r0, kGamma2 - kBeta) |
                    exceeds(s.ct0, kGamma2) | (uint32_t(kOmega - int32_t(hints)) >> 31);
  declassify(&reject, sizeof(reject));  // declassification 3
  return reject == 0;
}

}  // namespace

void keygen(const uint8_t seed[kSeedSize], uint8_t pk[kPublicKeySize], uint8_t sk[kSecretKeySize]) {
  bool ok = true;
  auto st = std::make_unique<Wiped<KeygenState>>();
  KeygenState& s = st->v;
  const uint8_t kl[2] = {kK, kL};
  Xof(256, ok).absorb(seed, kSeedSize).absorb(kl, 2).squeeze(s.expanded, sizeof(s.expanded));
  const uint8_t* rho = s.expanded;
  declassify(rho, 32);  // declassification 0: ρ is part of the public key
  const uint8_t* rho_prime = s.expanded + 32;
  const uint8_t* key = s.expanded + 96;
  expand_a(rho, s.a, ok);
  for (int r = 0; r < kL; r++) rej_bounded_poly(rho_prime, uint16_t(r), s.s1[r], ok);
  for (int r = 0; r < kK; r++) rej_bounded_poly(rho_prime, uint16_t(r + kL), s.s2[r], ok);
  for (int r = 0; r < kL; r++) {
    s.s1_hat[r] = s.s1[r];
    ntt(s.s1_hat[r]);
  }
  uint8_t* out_pk = pk + 32;
  uint8_t* out_s = sk + 32 + 32 + kTrSize;
  for (int i = 0; i < kK; i++) {
    Poly t = dot_inv_ntt(s.a[i], s.s1_hat);
    for (int j = 0; j < kN; j++) power2round(freeze(t[j] + s.s2[i][j]), s.t1[j], s.t0[i][j]);
    secure_wipe(t.data(), sizeof(t));
    pack(s.t1, kT1Bits, out_pk + i * 32 * kT1Bits, identity);
  }
  std::copy(rho, rho + 32, pk);
  std::copy(rho, rho + 32, sk);
  std::copy(key, key + 32, sk + 32);
  Xof(256, ok).absorb(pk, kPublicKeySize).squeeze(sk + 64, kTrSize);
  for (int i = 0; i < kL; i++, out_s += 32 * kEtaBits) pack_eta(s.s1[i], out_s);
  for (int i = 0; i < kK; i++, out_s += 32 * kEtaBits) pack_eta(s.s2[i], out_s);
  for (int i = 0; i < kK; i++, out_s += 32 * kT0Bits) pack_t0(s.t0[i], out_s);
  if (!ok) {
    // Never hand out a key from a failed hash: an all-zero key fails every use.
    secure_wipe(pk, kPublicKeySize);
    secure_wipe(sk, kSecretKeySize);
  }
}

bool sign(const uint8_t sk[kSecretKeySize], ByteView msg, ByteView ctx,
          const uint8_t rnd[kRandomSize], uint8_t sig[kSignatureSize]) {
  if (ctx.size() > kMaxContext) return false;
  bool ok = true;
  auto st = std::make_unique<Wiped<SignState>>();
  SignState& s = st->v;
  const uint8_t* rho = sk;
  // Declassification 0: the secret key's ρ is the public key's ρ. (The marking applies to
  // the caller's buffer, which is why this is the one place the input is touched.)
  declassify(rho, 32);
  std::copy(sk + 32, sk + 64, s.k);
  std::copy(sk + 64, sk + 64 + kTrSize, s.tr);
  const uint8_t* in = sk + 64 + kTrSize;
  for (int i = 0; i < kL; i++, in += 32 * kEtaBits) unpack_eta(in, s.s1[i]), ntt(s.s1[i]);
  for (int i = 0; i < kK; i++, in += 32 * kEtaBits) unpack_eta(in, s.s2[i]), ntt(s.s2[i]);
  for (int i = 0; i < kK; i++, in += 32 * kT0Bits) unpack_t0(in, s.t0[i]), ntt(s.t0[i]);
  expand_a(rho, s.a, ok);
  message_representative(s.tr, msg, ctx, s.mu, ok);
  Xof(256, ok).absorb(s.k, 32).absorb(rnd, kRandomSize).absorb(s.mu, kMuSize).squeeze(s.rho2, 64);
  bool accepted = false;
  for (int attempt = 0; attempt < kMaxSignAttempts && ok && !accepted; attempt++) {
    accepted = sign_attempt(s, uint16_t(attempt * kL), ok);
  }
  if (!ok || !accepted) {
    secure_wipe(sig, kSignatureSize);
    return false;
  }
  // The accepted z and h are the signature: public from here on.
  declassify(&s.z, sizeof(s.z));
  declassify(&s.h, sizeof(s.h));
  std::copy(s.ctilde, s.ctilde + kCTildeSize, sig);
  for (int i = 0; i < kL; i++) pack_z(s.z[i], sig + kCTildeSize + i * 32 * kZBits);
  hint_pack(s.h, sig + kCTildeSize + kL * 32 * kZBits);
  return true;
}

bool verify(const uint8_t pk[kPublicKeySize], ByteView msg, ByteView ctx,
            const uint8_t sig[kSignatureSize]) {
  if (ctx.size() > kMaxContext) return false;
  bool ok = true;
  auto st = std::make_unique<Wiped<SignState>>();  // reuses the sign state's buffers
  SignState& s = st->v;
  for (int i = 0; i < kL; i++) unpack_z(sig + kCTildeSize + i * 32 * kZBits, s.z[i]);
  if (exceeds(s.z, kGamma1 - kBeta) != 0) return false;
  if (!hint_unpack(sig + kCTildeSize + kL * 32 * kZBits, s.h)) return false;
  expand_a(pk, s.a, ok);
  Xof(256, ok).absorb(pk, kPublicKeySize).squeeze(s.tr, kTrSize);
  message_representative(s.tr, msg, ctx, s.mu, ok);
  sample_in_ball(sig, s.c, ok);
  ntt(s.c);
  for (int i = 0; i < kL; i++) {
    s.y_hat[i] = s.z[i];
    ntt(s.y_hat[i]);
  }
  for (int i = 0; i < kK; i++) {
    Poly t1;
    unpack(pk + 32 + i * 32 * kT1Bits, kT1Bits, t1, [](uint32_t v) { return int32_t(v << kD); });
    ntt(t1);
    Poly w{};
    for (int j = 0; j < kL; j++) {
      for (int n = 0; n < kN; n++) w[n] += mont_reduce(int64_t(s.a[i][j][n]) * s.y_hat[j][n]);
    }
    for (int n = 0; n < kN; n++) w[n] -= mont_reduce(int64_t(s.c[n]) * t1[n]);
    inv_ntt(w);
    for (int n = 0; n < kN; n++) s.w1[i][n] = use_hint(s.h[i][n] != 0, freeze(w[n]));
  }
  w1_encode(s.w1, s.w1_packed);
  uint8_t ctilde[kCTildeSize];
  Xof(256, ok)
      .absorb(s.mu, kMuSize)
      .absorb(s.w1_packed, kW1PackedSize)
      .squeeze(ctilde, kCTildeSize);
  return ok && equal(ByteView(ctilde, kCTildeSize), ByteView(sig, kCTildeSize));
}

}  // namespace skagent::mldsa44
