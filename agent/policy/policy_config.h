// SPDX-License-Identifier: BSD-2-Clause
// The policy file, skagent.conf(5): ssh_config-style keywords, one per line,
// global lines first, then "Key pattern..." blocks; for each keyword the first
// value found wins. This file parses text into settings; agent/policy/policy.h
// resolves them for one key. Every error names "source:line" and the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skagent {

enum class ConfirmMode { never, forwarded, always };
enum class ForwardedSigning { userauth, any };
enum class NotifyMode { no, yes, askpass };

struct AuditTarget {
  enum class Kind { syslog, none, file };
  Kind kind = Kind::syslog;
  std::string path;  // Kind::file: an absolute path
  bool operator==(const AuditTarget&) const = default;
};

// One destination, as ssh-add -h writes it: [from_host>][user@]to_host.
// Host parts are patterns (* ?) matched against the names known_hosts gives
// each hop's verified host key; the user pattern applies to the final hop.
struct DestinationSpec {
  std::string from_host;  // empty: from this machine (the first hop)
  std::string user;       // empty: any user
  std::string to_host;
  bool operator==(const DestinationSpec&) const = default;
};

// Settings a Key block (or the global section) may hold; unset = not given here.
struct KeySettings {
  std::optional<ConfirmMode> confirm;
  std::optional<uint32_t> approve_for;  // seconds
  std::optional<ForwardedSigning> forwarded_signing;
  std::optional<std::string> sshsig_namespaces;  // comma-separated patterns
  std::optional<std::vector<DestinationSpec>> destinations;
  std::optional<uint32_t> pin_cache;       // seconds
  std::optional<uint32_t> prompt_timeout;  // seconds
  std::optional<NotifyMode> notify;
};

// Settings for the whole agent (not allowed inside a Key block).
struct GlobalSettings {
  std::optional<AuditTarget> audit;
  std::optional<std::vector<std::string>> user_known_hosts;  // "none" → empty
  std::optional<std::vector<std::string>> global_known_hosts;
};

struct PolicyBlock {
  std::vector<std::string> key_patterns;  // empty: the global section (every key)
  std::string source;                     // "file:line" of the Key line
  KeySettings settings;
};

struct PolicyConfig {
  GlobalSettings global;
  std::vector<PolicyBlock> blocks;  // in file order; the first is the global section
};

inline constexpr size_t kMaxPolicyFileSize = 256 * 1024;
inline constexpr size_t kMaxPolicyLine = 4096;
inline constexpr size_t kMaxPolicyBlocks = 1024;
inline constexpr size_t kMaxPolicyArgs = 64;
inline constexpr uint32_t kMaxCacheSeconds = 24 * 3600;  // PinCache, ApproveFor
inline constexpr uint32_t kMaxPromptTimeout = 3600;

// Parses a whole file. `source` names it in errors ("~/.config/skagent/config").
// `home` expands a leading "~/" in paths.
Result<PolicyConfig> parse_policy_config(std::string_view text, std::string_view source,
                                         std::string_view home = {});

// Command-line overrides (skagent -o "Keyword value"): each line as in the
// file, outside any Key block. They come first, so they win.
Result<PolicyConfig> parse_policy_overrides(const std::vector<std::string>& lines,
                                            std::string_view home = {});

// Parses "[from>][user@]host" (one destination, no commas).
Result<DestinationSpec> parse_destination_spec(std::string_view s);

}  // namespace skagent
