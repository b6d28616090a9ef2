// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/raw_sign.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "agent/keys/key_shield.h"
#include "ssh/evp.h"
#include "ssh/private_key.h"
#include "tests/bench/proc_cpu.h"

namespace skagent::bench {
namespace {

struct RawKey {
  evp::Pkey key;
  const EVP_MD* md = nullptr;  // as the agent signs: rsa-sha2-512, ECDSA P-256 with SHA-256
};

Result<RawKey> generate(const std::string& name) {
  RawKey k;
  if (name == "ed25519") {
    k.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else if (name == "ecdsa-p256") {
    k.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    k.md = EVP_sha256();
  } else if (name == "rsa-3072") {
    k.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(3072)));
    k.md = EVP_sha512();
  } else {
    return make_error(Errc::unsupported, "no raw signature for " + name);
  }
  if (!k.key) return evp::crypto_error("generating the raw-signature key");
  return k;
}

}  // namespace

const std::vector<std::string>& raw_sign_names() {
  static const std::vector<std::string> names{"ed25519", "ecdsa-p256", "rsa-3072"};
  return names;
}

// The same call the agent makes once it holds the key (evp::sign), over the same 64 bytes.
Result<double> raw_sign_us(const std::string& name, double seconds) {
  auto k = generate(name);
  if (!k) return k.error();
  Bytes data(64);
  if (RAND_bytes(data.data(), int(data.size())) != 1) return make_error(Errc::crypto, "RAND_bytes");
  if (auto warm = evp::sign(k->key.get(), k->md, data); !warm) return warm.error();
  return cpu_us_per_call(seconds, 16, [&]() -> Status {
    if (auto sig = evp::sign(k->key.get(), k->md, data); !sig) return sig.error();
    return {};
  });
}

// skagent's key shield, as the agent holds a key of this type: its private serialization
// sealed once, then opened (SHA-256 over nonce and 16 KiB pre-key, AES-256-GCM) in a loop.
Result<double> unseal_us(const std::string& name, double seconds) {
  auto key = name == "ed25519"      ? PrivateKey::generate(KeyType::ed25519)
             : name == "ecdsa-p256" ? PrivateKey::generate(KeyType::ecdsa_p256)
             : name == "rsa-3072"   ? PrivateKey::generate(KeyType::rsa, 3072)
                                    : Result<PrivateKey>(make_error(Errc::unsupported, name));
  if (!key) return key.error();
  auto shield = KeyShield::create();
  if (!shield) return shield.error();
  Writer w;
  key->write(w);
  auto sealed = (*shield)->shield(w.bytes());
  if (!sealed) return sealed.error();
  return cpu_us_per_call(seconds, 64, [&]() -> Status {
    if (auto plain = (*shield)->unshield(*sealed); !plain) return plain.error();
    return {};
  });
}

}  // namespace skagent::bench
