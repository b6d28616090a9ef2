// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH known_hosts files, read to put names on the host keys of a session-bind
// chain: plain and hashed ("|1|salt|HMAC-SHA1") host fields, patterns with * ? and
// ! negation, [host]:port names, @cert-authority lines (host certificates signed
// by that CA) and @revoked lines. Lines that do not parse are skipped, as ssh does.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "ssh/key.h"

namespace skagent {

struct KnownHostsEntry {
  enum class Marker { none, cert_authority, revoked };
  Marker marker = Marker::none;
  bool hashed = false;
  std::string patterns;  // comma-separated host patterns (plain entries)
  Bytes salt, hash;      // hashed entries: HMAC-SHA1(salt, name)
  PublicKey key;
  std::string source;  // "file:line", for messages
};

// What a known_hosts lookup says about one host key.
struct HostKeyNames {
  std::vector<std::string> names;  // host names (lower case) the key is known for
  bool known = false;              // some entry (plain or CA) accepts the key
  bool hashed_unresolved = false;  // a hashed entry accepts it, but no candidate name matched
  bool via_ca = false;             // accepted as a certificate by an @cert-authority line
  bool revoked = false;            // an @revoked line names the key (or its CA)
};

// "host", or "[host]:port" when the port is not 22 — the form known_hosts files use.
std::string known_hosts_name(std::string_view host, uint16_t port = 22);

// OpenSSH's match_hostname on one entry's host field: some positive pattern
// matches the (lower-cased) name and no negated one does; a hashed field
// matches when HMAC-SHA1(salt, name) equals its hash.
bool known_hosts_entry_matches(const KnownHostsEntry& e, std::string_view name);

class KnownHosts {
 public:
  static constexpr size_t kMaxEntries = 200000;

  // Adds the entries of one file's text; returns how many lines were skipped.
  size_t add_text(std::string_view text, std::string_view source);
  size_t size() const { return entries_.size(); }
  const std::vector<KnownHostsEntry>& entries() const { return entries_; }

  // The names `key` is known for. Plain entries give their literal patterns;
  // hashed entries and wildcard patterns can only confirm names from
  // `candidates` (say, words of the caller's command line); certificates give
  // the principals a matching @cert-authority line allows. `now` is Unix time.
  HostKeyNames names_for(const PublicKey& key, const std::vector<std::string>& candidates,
                         uint64_t now = uint64_t(std::time(nullptr))) const;

  // Whether `name` (as known_hosts_name gives it) has `key` as a known,
  // unrevoked host key.
  bool known_for(std::string_view name, const PublicKey& key,
                 uint64_t now = uint64_t(std::time(nullptr))) const;

  bool revoked(const PublicKey& key) const;

 private:
  std::vector<KnownHostsEntry> entries_;
};

// The known_hosts files of the policy, re-read when one changes on disk
// (checked by inode, size and modification time at most once a second).
class KnownHostsFiles {
 public:
  static constexpr off_t kMaxFileSize = 64 * 1024 * 1024;

  void set_paths(std::vector<std::string> paths);
  const KnownHosts& get();

 private:
  struct Stamp {
    ino_t ino = 0;
    off_t size = -1;
    int64_t mtime_ns = -1;
    bool operator==(const Stamp&) const = default;
  };
  std::vector<std::string> paths_;
  std::vector<Stamp> stamps_;
  KnownHosts hosts_;
  int64_t checked_at_ms_ = -1;
};

}  // namespace skagent
