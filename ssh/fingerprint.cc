// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "base/text.h"
#include "ssh/base64.h"
#include "ssh/evp.h"

namespace skagent {

namespace {

Bytes digest(FingerprintHash hash, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  // Every signature's policy lookup and audit line need both fingerprints.
  const EVP_MD* md =
      evp::fetched_md(hash == FingerprintHash::md5 ? evp::FetchedMd::md5 : evp::FetchedMd::sha256);
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    len = 0;
  }
  out.resize(len);
  return out;
}

std::string colon_hex(ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < b.size(); i++) {
    if (i != 0) out.push_back(':');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string fingerprint(const PublicKey& key, FingerprintHash hash) {
  // OpenSSH hashes the plain key blob, so a certificate and its key match.
  return plain_blob_fingerprint(key.plain().blob(), hash);
}

std::string plain_blob_fingerprint(ByteView plain_blob, FingerprintHash hash) {
  if (hash == FingerprintHash::md5) return "MD5:" + colon_hex(digest(hash, plain_blob));
  return "SHA256:" + base64_encode(digest(hash, plain_blob), false);
}

Result<FingerprintHash> fingerprint_hash_by_name(std::string_view name) {
  const std::string lower = ascii_lower(name);
  if (lower == "sha256") return FingerprintHash::sha256;
  if (lower == "md5") return FingerprintHash::md5;
  return make_error(Errc::unsupported, "unknown fingerprint hash \"" + std::string(name) + "\"");
}

}  // namespace skagent
