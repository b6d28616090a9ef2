// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/known_hosts.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "base/text.h"
#include "agent/policy/pattern_match.h"
#include "ssh/base64.h"
#include "ssh/key_file.h"

namespace skagent {

namespace {

constexpr size_t kMaxLine = 64 * 1024;
constexpr size_t kMaxNames = 16;
constexpr size_t kSha1Len = 20;

bool has_wildcard(std::string_view p) { return p.find_first_of("*?") != std::string_view::npos; }

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view next_token(std::string_view& s) {
  s = trim_left(s);
  size_t end = s.find_first_of(" \t");
  std::string_view tok = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  return tok;
}

// "|1|base64(salt)|base64(hash)"
bool parse_hashed(std::string_view field, KnownHostsEntry& e) {
  if (field.substr(0, 3) != "|1|") return false;
  field.remove_prefix(3);
  size_t bar = field.find('|');
  if (bar == std::string_view::npos) return false;
  auto salt = base64_decode(field.substr(0, bar));
  auto hash = base64_decode(field.substr(bar + 1));
  if (!salt || !hash || salt->size() != kSha1Len || hash->size() != kSha1Len) return false;
  e.hashed = true;
  e.salt = std::move(*salt);
  e.hash = std::move(*hash);
  return true;
}

bool hashed_matches(const KnownHostsEntry& e, std::string_view name) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (HMAC(EVP_sha1(), e.salt.data(), int(e.salt.size()),
           reinterpret_cast<const uint8_t*>(name.data()), name.size(), mac, &len) == nullptr ||
      len != e.hash.size()) {
    return false;
  }
  return equal(ByteView(mac, len), e.hash);
}

// Splits a comma list into patterns.
std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(',', pos);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool same_ca(const PublicKey& cert_key, const PublicKey& ca) {
  if (!cert_key.is_cert()) return false;
  auto signer = parse_public_key(cert_key.cert->signature_key);
  return signer && same_public_key(*signer, ca) && !signer->is_cert();
}

// A host certificate that ssh would accept from a CA at `now` (any name).
bool usable_host_cert(const PublicKey& key, uint64_t now) {
  const Certificate& c = *key.cert;
  if (c.cert_type != Certificate::kHost) return false;
  if (now < c.valid_after || now >= c.valid_before) return false;
  return verify_certificate_signature(c).ok();
}

void add_name(std::vector<std::string>& names, std::string name) {
  if (names.size() >= kMaxNames) return;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
}

}  // namespace

std::string known_hosts_name(std::string_view host, uint16_t port) {
  if (port == 22 || port == 0) return ascii_lower(host);
  return "[" + ascii_lower(host) + "]:" + std::to_string(port);
}

bool known_hosts_entry_matches(const KnownHostsEntry& e, std::string_view name) {
  std::string n = ascii_lower(name);
  if (e.hashed) return hashed_matches(e, n);
  bool positive = false;
  for (std::string_view p : split_commas(e.patterns)) {
    bool negated = !p.empty() && p.front() == '!';
    if (negated) p.remove_prefix(1);
    if (p.empty()) continue;
    if (match_pattern(n, ascii_lower(p))) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

size_t KnownHosts::add_text(std::string_view text, std::string_view source) {
  size_t skipped = 0, lineno = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    lineno++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim_left(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.size() > kMaxLine || entries_.size() >= kMaxEntries) {
      skipped++;
      continue;
    }
    KnownHostsEntry e;
    std::string_view rest = line;
    std::string_view field = next_token(rest);
    if (!field.empty() && field.front() == '@') {
      if (field == "@cert-authority") {
        e.marker = KnownHostsEntry::Marker::cert_authority;
      } else if (field == "@revoked") {
        e.marker = KnownHostsEntry::Marker::revoked;
      } else {
        skipped++;
        continue;
      }
      field = next_token(rest);
    }
    if (field.empty() || (field.front() == '|' && !parse_hashed(field, e))) {
      skipped++;
      continue;
    }
    if (!e.hashed) e.patterns = std::string(field);
    auto key = parse_public_key_line(trim_left(rest));
    if (!key || (e.marker == KnownHostsEntry::Marker::cert_authority && key->key.is_cert())) {
      skipped++;
      continue;
    }
    e.key = std::move(key->key);
    e.source = std::string(source) + ":" + std::to_string(lineno);
    entries_.push_back(std::move(e));
  }
  return skipped;
}

bool KnownHosts::revoked(const PublicKey& key) const {
  for (const auto& e : entries_) {
    if (e.marker != KnownHostsEntry::Marker::revoked) continue;
    if (same_public_key(e.key, key) || same_ca(key, e.key)) return true;
  }
  return false;
}

HostKeyNames KnownHosts::names_for(const PublicKey& key, const std::vector<std::string>& candidates,
                                   uint64_t now) const {
  HostKeyNames out;
  out.revoked = revoked(key);
  const bool cert_ok = key.is_cert() && usable_host_cert(key, now);
  for (const auto& e : entries_) {
    if (e.marker == KnownHostsEntry::Marker::none) {
      if (!same_public_key(e.key, key)) continue;
      size_t before = out.names.size();
      if (!e.hashed) {
        for (std::string_view p : split_commas(e.patterns)) {
          if (p.empty() || p.front() == '!' || has_wildcard(p)) continue;
          if (known_hosts_entry_matches(e, p)) add_name(out.names, ascii_lower(p));
        }
      }
      for (const auto& c : candidates) {
        if (known_hosts_entry_matches(e, c)) add_name(out.names, ascii_lower(c));
      }
      out.known = true;
      if (out.names.size() == before) out.hashed_unresolved = true;
    } else if (e.marker == KnownHostsEntry::Marker::cert_authority) {
      if (!cert_ok || !same_ca(key, e.key)) continue;
      const auto& principals = key.cert->principals;
      size_t before = out.names.size();
      if (principals.empty()) {  // valid for any name the CA line covers
        for (const auto& c : candidates) {
          if (known_hosts_entry_matches(e, c)) add_name(out.names, ascii_lower(c));
        }
      } else {
        for (const auto& p : principals) {
          if (known_hosts_entry_matches(e, p)) add_name(out.names, ascii_lower(p));
        }
      }
      if (out.names.size() > before) {
        out.known = true;
        out.via_ca = true;
      } else if (principals.empty()) {
        out.known = true;
        out.hashed_unresolved = true;
      }
    }
  }
  if (!out.names.empty()) out.hashed_unresolved = false;
  return out;
}

bool KnownHosts::known_for(std::string_view name, const PublicKey& key, uint64_t now) const {
  if (revoked(key)) return false;
  const std::string n = ascii_lower(name);
  for (const auto& e : entries_) {
    if (e.marker == KnownHostsEntry::Marker::revoked) continue;
    if (!known_hosts_entry_matches(e, n)) continue;
    if (e.marker == KnownHostsEntry::Marker::none) {
      if (same_public_key(e.key, key)) return true;
      continue;
    }
    if (!same_ca(key, e.key) || !usable_host_cert(key, now)) continue;
    const auto& principals = key.cert->principals;
    if (principals.empty()) return true;
    for (const auto& p : principals) {
      if (ascii_lower(p) == n) return true;
    }
  }
  return false;
}

void KnownHostsFiles::set_paths(std::vector<std::string> paths) {
  if (paths == paths_) return;
  paths_ = std::move(paths);
  stamps_.clear();
  checked_at_ms_ = -1;
}

const KnownHosts& KnownHostsFiles::get() {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  if (checked_at_ms_ >= 0 && now_ms - checked_at_ms_ < 1000) return hosts_;
  checked_at_ms_ = now_ms;
  std::vector<Stamp> stamps;
  for (const auto& p : paths_) {
    struct stat st {};
    Stamp s;
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      s.ino = st.st_ino;
      s.size = st.st_size;
      s.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    }
    stamps.push_back(s);
  }
  if (stamps == stamps_) return hosts_;
  KnownHosts fresh;
  for (size_t i = 0; i < paths_.size(); i++) {
    if (stamps[i].size < 0 || stamps[i].size > kMaxFileSize) continue;
    int fd = open(paths_[i].c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string text;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) text.append(buf, size_t(n));
      if (text.size() > size_t(kMaxFileSize)) break;
    }
    close(fd);
    fresh.add_text(text, paths_[i]);
  }
  hosts_ = std::move(fresh);
  stamps_ = std::move(stamps);
  return hosts_;
}

}  // namespace skagent
