// SPDX-License-Identifier: BSD-2-Clause
// skagent-test-mldsa: drives skagent's ML-DSA-44+Ed25519 code for the tests that compare it
// with OpenSSH 10.5 (tests/integration/mldsa.sh) and check it for secret-dependent branches
// under valgrind (ct-sign).
//
//   skagent-test-mldsa sshsig-sign KEYFILE NAMESPACE DIR N   N random messages DIR/m<i> and
//       their SSHSIG signatures DIR/m<i>.sig, made by PrivateKey::sign (the agent's signer)
//   skagent-test-mldsa sshsig-verify PUBFILE NAMESPACE FILE...   each FILE.sig must verify
//       for FILE under the key in PUBFILE, and the same signature with one flipped bit (at a
//       position that changes with FILE) must not; prints "N verified, N refused-corrupt"
//   skagent-test-mldsa ct-sign N   N signatures with the seeds and randomness marked
//       undefined for valgrind memcheck: any branch or index on them is reported
//   skagent-test-mldsa ct-control   branches on an undefined byte: proves memcheck reports it
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <valgrind/memcheck.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "ssh/base64.h"
#include "ssh/key_file.h"
#include "ssh/mldsa44_ed25519.h"
#include "base/wire.h"

using namespace skagent;

namespace {

constexpr std::string_view kMagic = "SSHSIG";
constexpr std::string_view kBegin = "-----BEGIN SSH SIGNATURE-----";
constexpr std::string_view kEnd = "-----END SSH SIGNATURE-----";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Bytes sha512(ByteView data) {
  Bytes out(64);
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha512(), nullptr);
  return out;
}

// PROTOCOL.sshsig: what is signed.
Bytes signed_data(std::string_view ns, ByteView message) {
  Writer w;
  w.raw(view(kMagic));
  w.string(ns);
  w.string(std::string_view());
  w.string(std::string_view("sha512"));
  w.string(sha512(message));
  return w.take();
}

std::string armour(ByteView blob) {
  std::string b64 = base64_encode(blob), out = std::string(kBegin) + "\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  return out + std::string(kEnd) + "\n";
}

int sshsig_sign(const std::string& keyfile, const std::string& ns, const std::string& dir, int n) {
  std::string text = slurp(keyfile);
  auto loaded = read_private_key_file(view(text), "");
  if (!loaded) {
    std::cerr << "cannot read " << keyfile << ": " << loaded.error().message << "\n";
    return 1;
  }
  const PrivateKey& key = loaded->key;
  for (int i = 0; i < n; i++) {
    uint16_t len = 0;
    RAND_bytes(reinterpret_cast<uint8_t*>(&len), sizeof(len));
    Bytes msg(len % 2048);
    if (!msg.empty()) RAND_bytes(msg.data(), int(msg.size()));
    auto sig = key.sign(signed_data(ns, msg));
    if (!sig) {
      std::cerr << "sign: " << sig.error().message << "\n";
      return 1;
    }
    Writer w;
    w.raw(view(kMagic));
    w.u32(1);
    w.string(key.public_key().blob());
    w.string(ns);
    w.string(std::string_view());
    w.string(std::string_view("sha512"));
    w.string(*sig);
    std::string base = dir + "/m" + std::to_string(i);
    std::ofstream(base, std::ios::binary)
        .write(reinterpret_cast<const char*>(msg.data()), long(msg.size()));
    std::ofstream(base + ".sig") << armour(w.bytes());
  }
  return 0;
}

Result<Bytes> dearmour(const std::string& text) {
  size_t b = text.find(kBegin), e = text.find(kEnd);
  if (b == std::string::npos || e == std::string::npos)
    return make_error(Errc::malformed, "no armour");
  std::string b64;
  for (char c : text.substr(b + kBegin.size(), e - b - kBegin.size())) {
    if (c != '\n' && c != '\r') b64 += c;
  }
  return base64_decode(b64);
}

int sshsig_verify(const std::string& pubfile, const std::string& ns, int argc, char** argv) {
  auto line = parse_public_key_line(slurp(pubfile));
  if (!line) {
    std::cerr << "cannot read " << pubfile << "\n";
    return 1;
  }
  int verified = 0, refused = 0, bad = 0;
  for (int i = 0; i < argc; i++) {
    std::string file = argv[i];
    auto blob = dearmour(slurp(file + ".sig"));
    Reader r(blob ? ByteView(*blob) : ByteView());
    ByteView magic, pk, sig, reserved;
    uint32_t version = 0;
    std::string sig_ns, hash;
    if (!blob || !r.raw(6, magic) || !r.u32(version) || !r.string(pk) || !r.cstring(sig_ns) ||
        !r.string(reserved) || !r.cstring(hash) || !r.string(sig) || !r.empty() || version != 1 ||
        sig_ns != ns || hash != "sha512" || !equal(pk, line->key.blob())) {
      std::cerr << file << ".sig: malformed or for another key/namespace\n";
      bad++;
      continue;
    }
    std::string msg = slurp(file);
    Bytes data = signed_data(ns, view(msg));
    if (verify_signature(line->key, sig, data)) {
      verified++;
    } else {
      std::cerr << file << ".sig: does not verify\n";
      bad++;
    }
    Bytes corrupt = to_bytes(sig);
    size_t at = corrupt.size() - 1 -
                (size_t(i) * 7919) % (corrupt.size() - 40);  // inside the raw signature
    corrupt[at] ^= uint8_t(1u << (i % 8));
    if (verify_signature(line->key, corrupt, data)) {
      std::cerr << file << ".sig: still verifies with byte " << at << " changed\n";
      bad++;
    } else {
      refused++;
    }
  }
  std::cout << verified << " verified, " << refused << " refused-corrupt\n";
  return bad == 0 ? 0 : 1;
}

// The secrets every signature depends on are marked undefined; the outputs are marked
// defined again before they are looked at (they are public once made).
int ct_sign(int n) {
  Bytes seeds(mldsa44_ed25519::kSecretSize), msg(100);
  uint8_t rnd[32];
  for (int i = 0; i < n; i++) {
    if (RAND_bytes(seeds.data(), int(seeds.size())) != 1 || RAND_bytes(msg.data(), 100) != 1 ||
        RAND_bytes(rnd, sizeof(rnd)) != 1) {
      return 1;
    }
    auto pk = mldsa44_ed25519::public_key(seeds);
    if (!pk) return 1;
    VALGRIND_MAKE_MEM_UNDEFINED(seeds.data(), seeds.size());
    VALGRIND_MAKE_MEM_UNDEFINED(rnd, sizeof(rnd));
    auto sig = mldsa44_ed25519::sign(seeds, msg, {}, rnd);
    if (!sig) return 1;
    VALGRIND_MAKE_MEM_DEFINED(sig->data(), sig->size());
    VALGRIND_MAKE_MEM_DEFINED(seeds.data(), seeds.size());
    if (!mldsa44_ed25519::verify(*pk, msg, *sig)) {
      std::cerr << "signature " << i << " does not verify\n";
      return 1;
    }
  }
  std::cout << n << " signatures made with undefined secrets\n";
  return 0;
}

// The negative control: memcheck must report this branch, or ct-sign proves nothing.
int ct_control() {
  volatile uint8_t secret = 1;
  VALGRIND_MAKE_MEM_UNDEFINED(const_cast<uint8_t*>(&secret), 1);
  if (secret == 1) std::cout << "branched on a secret\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "sshsig-sign" && argc == 6)
    return sshsig_sign(argv[2], argv[3], argv[4], std::atoi(argv[5]));
  if (cmd == "sshsig-verify" && argc >= 5)
    return sshsig_verify(argv[2], argv[3], argc - 4, argv + 4);
  if (cmd == "ct-sign" && argc == 3) return ct_sign(std::atoi(argv[2]));
  if (cmd == "ct-control" && argc == 2) return ct_control();
  std::cerr << "usage: skagent-test-mldsa sshsig-sign KEY NS DIR N | sshsig-verify PUB NS FILE... "
               "| ct-sign N | ct-control\n";
  return 2;
}
