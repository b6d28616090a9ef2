// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/manage_token.h"

#include <strings.h>

#include "fido/pin.h"
#include "fido/token_admin.h"
#include "keygen/show_key.h"
#include "ssh/key_file.h"

namespace skagent::keygen {

namespace {

// CTAP 2.1 §6.5.1: a PIN is at most 63 bytes of UTF-8.
constexpr size_t kMaxPinBytes = 63;
// What --reset-token wants typed, so no stray "y" erases a token.
constexpr std::string_view kResetWord = "reset";

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + sanitize_for_terminal(s);
  return out.empty() ? "none" : out;
}

fido::Options fido_options(const TokenRequest& req) {
  fido::Options o;
  o.device = req.device;
  o.sources = req.sources;
  o.timeout = req.timeout;
  return o;
}

PublicKey public_key_of(const fido::ResidentKey& k) {
  PublicKey pk;
  pk.type = k.alg == fido::kAlgEcdsaP256 ? KeyType::sk_ecdsa_p256 : KeyType::sk_ed25519;
  pk.point = k.key.public_key;
  pk.application = k.application;
  return pk;
}

const char* cred_protect_text(int level) {
  switch (level) {
    case 1:
      return "1 (user verification optional)";
    case 2:
      return "2 (user verification optional with the key handle)";
    case 3:
      return "3 (user verification required)";
    default:
      return "not said";
  }
}

size_t code_points(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

Error blocked_error(const std::string& path) {
  return make_error(Errc::pin_blocked, "PIN blocked: the security key " + path +
                                           " must be reset, which deletes every credential on it "
                                           "(skagent-keygen --reset-token)");
}

// The one token to work on and what it says about itself, checked for a PIN
// that can be used (set, not blocked) when `needs_pin`.
struct Target {
  fido::Options options;
  fido::TokenInfo info;
};

Result<Target> target(const TokenRequest& req, std::string_view what, bool needs_pin) {
  auto one = fido::single_device(fido_options(req), what);
  if (!one) return one.error();
  auto info = fido::read_token_info(*one);
  if (!info) return info.error();
  const std::string& path = info->path;
  if (!info->fido2) {
    return make_error(Errc::unsupported,
                      std::string(what) + ": " + path +
                          " is a U2F-only security key: it has no PIN and keeps no resident keys");
  }
  if (needs_pin) {
    bool credman = info->option("credMgmt").value_or(false) ||
                   info->option("credentialMgmtPreview").value_or(false);
    if (!credman) {
      return make_error(Errc::unsupported,
                        std::string(what) + ": " + path +
                            " cannot manage resident keys (no credential management)");
    }
    if (!info->option("clientPin").value_or(false)) {
      return make_error(Errc::unsupported,
                        std::string(what) + ": " + path +
                            " has no PIN, and its resident keys can only be read with one: set one "
                            "first (skagent-keygen --set-pin)");
    }
    if (info->pin_retries && *info->pin_retries == 0) return blocked_error(path);
  }
  return Target{std::move(*one), std::move(*info)};
}

Result<SecretText> ask_pin(Console& console, const std::string& prompt) {
  auto pin = console.ask_secret(prompt);
  if (!pin) return make_error(pin.error().code, "no PIN: " + pin.error().message);
  if (pin->empty()) return make_error(Errc::denied, "no PIN given");
  return pin;
}

// The credentials, read with the PIN once.
Result<std::vector<fido::ResidentKey>> read_keys(Console& console, const Target& t,
                                                 SecretText& pin) {
  auto p = ask_pin(console, "Enter PIN for " + t.info.path + ": ");
  if (!p) return p.error();
  pin = std::move(*p);
  return fido::load_resident_keys(t.options, pin.c_str());
}

std::string room_text(const fido::TokenInfo& info) {
  if (info.resident_remaining < 0) return "";
  return ", room for " + std::to_string(info.resident_remaining) + " more";
}

Status list_keys(Console& console, const TokenRequest& req) {
  auto t = target(req, "listing resident keys", true);
  if (!t) return t.error();
  SecretText pin;
  auto keys = read_keys(console, *t, pin);
  if (!keys) return keys.error();
  size_t n = keys->size();
  console.out(sanitize_for_terminal(t->info.path) + ": " + std::to_string(n) + " resident SSH key" +
              (n == 1 ? "" : "s") + room_text(t->info) + "\n");
  for (const auto& k : *keys) console.out(format_resident_key(k, req.hash));
  return {};
}

bool is_fingerprint(const std::string& s) {
  return strncasecmp(s.c_str(), "SHA256:", 7) == 0 || strncasecmp(s.c_str(), "MD5:", 4) == 0;
}

bool matches(const fido::ResidentKey& k, const TokenRequest& req) {
  if (is_fingerprint(req.target)) {
    bool md5 = strncasecmp(req.target.c_str(), "MD5:", 4) == 0;
    std::string fp =
        fingerprint(public_key_of(k), md5 ? FingerprintHash::md5 : FingerprintHash::sha256);
    // The hash is base64 (case matters); only the "SHA256:" label is case-free.
    size_t colon = fp.find(':');
    return fp.substr(colon) == req.target.substr(req.target.find(':'));
  }
  if (k.application != req.target) return false;
  return !req.user || resident_user(k.user_id) == *req.user;
}

std::string what_was_named(const TokenRequest& req) {
  std::string s = sanitize_for_terminal(req.target);
  if (req.user) s += " with user \"" + sanitize_for_terminal(*req.user) + "\"";
  return s;
}

Status delete_key(Console& console, const TokenRequest& req) {
  if (req.target.empty())
    return make_error(Errc::malformed, "--delete-resident needs a fingerprint or an application");
  if (req.user && is_fingerprint(req.target)) {
    return make_error(Errc::malformed, "-O user= goes with an application, not with a fingerprint");
  }
  auto t = target(req, "deleting a resident key", true);
  if (!t) return t.error();
  SecretText pin;
  auto keys = read_keys(console, *t, pin);
  if (!keys) return keys.error();
  std::vector<const fido::ResidentKey*> found;
  for (const auto& k : *keys) {
    if (matches(k, req)) found.push_back(&k);
  }
  const std::string path = sanitize_for_terminal(t->info.path);
  if (found.empty()) {
    return make_error(Errc::not_found, "no resident SSH key on " + path + " matches " +
                                           what_was_named(req) + " (--list-resident shows them)");
  }
  if (found.size() > 1) {
    std::string list;
    for (const auto* k : found) list += format_resident_key(*k, req.hash);
    return make_error(Errc::denied, std::to_string(found.size()) + " resident keys on " + path +
                                        " match " + what_was_named(req) +
                                        "; nothing deleted. Name one by its fingerprint:\n" +
                                        list.substr(0, list.size() - 1));
  }
  const fido::ResidentKey& k = *found.front();
  console.out("On " + path + ":\n" + format_resident_key(k, req.hash));
  auto yes = console.confirm(
      "Delete this resident key from the security key? It cannot be undone. (y/n) ");
  if (!yes) return make_error(Errc::denied, "not deleted: " + yes.error().message);
  if (!*yes) return make_error(Errc::denied, "not deleted");
  if (auto s = fido::delete_resident_key(t->options, k.key.key_handle, pin.c_str()); !s) return s;
  // Believe the token only when its list agrees.
  auto after = fido::load_resident_keys(t->options, pin.c_str());
  if (!after)
    return make_error(after.error().code,
                      "deleted, but the list could not be read back: " + after.error().message);
  for (const auto& a : *after) {
    if (a.key.key_handle == k.key.key_handle) {
      return make_error(
          Errc::io, "the security key " + path + " said it deleted the key, but still lists it");
    }
  }
  console.out("Deleted " + std::string(key_type_info(public_key_of(k).type).short_name) + " " +
              fingerprint(public_key_of(k), req.hash) + " from " + path + "\n");
  return {};
}

Status set_pin(Console& console, const TokenRequest& req) {
  auto t = target(req, "setting the PIN", false);
  if (!t) return t.error();
  const auto& info = t->info;
  auto client_pin = info.option("clientPin");
  if (!client_pin) {
    return make_error(Errc::unsupported, "setting the PIN: " + sanitize_for_terminal(info.path) +
                                             " cannot have a PIN");
  }
  std::optional<SecretText> old_pin;
  if (*client_pin) {
    if (info.pin_retries && *info.pin_retries == 0) return blocked_error(info.path);
    if (info.pin_retries)
      console.err("PIN tries left: " + std::to_string(*info.pin_retries) + "\n");
    auto p = ask_pin(console, "Enter current PIN for " + info.path + ": ");
    if (!p) return p.error();
    old_pin = std::move(*p);
  }
  size_t min = info.effective_min_pin_length();
  auto first = ask_pin(console, "Enter new PIN (" + std::to_string(min) + " to 63 characters): ");
  if (!first) return first.error();
  size_t chars = code_points(first->view());
  if (chars < min || first->size() > kMaxPinBytes) {
    return make_error(Errc::malformed, "the new PIN has " + std::to_string(chars) +
                                           " characters; " + sanitize_for_terminal(info.path) +
                                           " takes " + std::to_string(min) +
                                           " to 63 (at most 63 bytes): PIN not changed");
  }
  auto again = ask_pin(console, "Enter the new PIN again: ");
  if (!again) return again.error();
  if (first->view() != again->view())
    return make_error(Errc::denied, "the two new PINs differ: PIN not changed");
  Status s = old_pin ? fido::change_pin(t->options, old_pin->c_str(), first->c_str())
                     : fido::set_pin(t->options, first->c_str());
  if (!s) return s;
  console.out(std::string(old_pin ? "PIN changed" : "PIN set") + " on " +
              sanitize_for_terminal(info.path) + "\n");
  return {};
}

std::string option_text(const fido::TokenInfo& info, const char* name, const char* yes,
                        const char* no) {
  auto v = info.option(name);
  return std::string(name) + "=" + (!v ? "unsupported" : *v ? yes : no);
}

std::string algorithm_name(int cose) {
  switch (cose) {
    case -7:
      return "ES256";
    case -8:
      return "EdDSA";
    case -257:
      return "RS256";
    case -35:
      return "ES384";
    default:
      return "COSE " + std::to_string(cose);
  }
}

Status show_info(Console& console, const TokenRequest& req) {
  auto t = target(req, "reading the security key's information", false);
  if (!t) return t.error();
  const auto& i = t->info;
  std::string out;
  auto line = [&](const char* label, const std::string& value) {
    std::string l = label;
    l.resize(22, ' ');
    out += l + value + "\n";
  };
  line("Device:", sanitize_for_terminal(i.path));
  line("Transport:", std::string(fido::transport_name(i.transport)) +
                         " (the key names: " + join(i.transports) + ")");
  line("Versions:", join(i.versions));
  line("Extensions:", join(i.extensions));
  line("AAGUID:", i.aaguid.empty() ? "none" : to_hex(i.aaguid));
  line("Firmware:", i.firmware_version == 0 ? "not said" : std::to_string(i.firmware_version));
  line("Options:", option_text(i, "rk", "yes", "no") + " " +
                       option_text(i, "uv", "set", "not set") + " " +
                       option_text(i, "clientPin", "set", "not set") + " " +
                       option_text(i, "credMgmt", "yes", "no"));
  std::vector<std::string> all;
  for (const auto& [n, v] : i.options) all.push_back(n + "=" + (v ? "true" : "false"));
  line("All options:", join(all, " "));
  std::vector<std::string> protocols, algs;
  for (uint8_t p : i.pin_protocols) protocols.push_back(std::to_string(p));
  for (int a : i.algorithms) algs.push_back(algorithm_name(a));
  line("PIN protocols:", join(protocols));
  line("Algorithms:", join(algs));
  auto pin = i.option("clientPin");
  std::string pin_text = !pin ? "not supported" : !*pin ? "not set" : "set";
  if (i.pin_retries) pin_text += ", " + std::to_string(*i.pin_retries) + " tries left";
  if (i.pin_retries && *i.pin_retries == 0) pin_text += " (blocked: only a reset helps)";
  line("PIN:", pin_text);
  line("Minimum PIN length:",
       std::to_string(i.effective_min_pin_length()) +
           (i.min_pin_length == 0 ? " (CTAP's default; the key does not say)" : ""));
  line("Resident slots free:",
       i.resident_remaining < 0 ? "not said" : std::to_string(i.resident_remaining));
  console.out(out);
  return {};
}

Status reset(Console& console, const TokenRequest& req) {
  auto t = target(req, "resetting the security key", false);
  if (!t) return t.error();
  std::string path = sanitize_for_terminal(t->info.path);
  console.err(
      "Resetting " + path + " (" + fido::transport_name(t->info.transport) +
      ") erases every credential on it, SSH and web sites alike, and its PIN. Keys made on it "
      "stop working for good.\n");
  auto typed =
      console.ask_typed("Type \"" + std::string(kResetWord) + "\" to reset " + path + ": ");
  if (!typed) return make_error(Errc::denied, "not reset: " + typed.error().message);
  if (*typed != kResetWord)
    return make_error(Errc::denied, "not reset (the answer was not \"reset\")");
  fido::Options o = t->options;
  o.on_touch = [&console] { console.err("Touch your security key to confirm the reset...\n"); };
  if (auto s = fido::reset_token(o); !s) return s;
  console.out("Reset " + path + ": it holds no credentials and no PIN now\n");
  return {};
}

}  // namespace

std::string resident_user(ByteView user_id) {
  size_t len = user_id.size();
  while (len > 0 && user_id[len - 1] == 0) len--;
  ByteView u = user_id.first(len);
  for (uint8_t c : u) {
    if (c < 0x20 || c >= 0x7f) return "0x" + to_hex(u);
  }
  return std::string(as_string(u));
}

std::string format_resident_key(const fido::ResidentKey& k, FingerprintHash hash) {
  PublicKey pk = public_key_of(k);
  std::string user = resident_user(k.user_id);
  std::string out = std::string(key_type_info(pk.type).short_name) + "  " + fingerprint(pk, hash) +
                    "  " + sanitize_for_terminal(k.application) + "  user \"" +
                    sanitize_for_terminal(user) + "\"  credProtect " +
                    cred_protect_text(k.cred_protect) + "\n";
  out += "    " + format_public_key_line(pk, "") + "\n";
  return out;
}

Status parse_token_options(const std::vector<std::string>& options, TokenRequest& req) {
  for (const auto& opt : options) {
    if (strncasecmp(opt.c_str(), "device=", 7) == 0) {
      req.device = opt.substr(7);
    } else if (strncasecmp(opt.c_str(), "user=", 5) == 0 && req.action == TokenAction::remove) {
      req.user = opt.substr(5);
    } else {
      return make_error(Errc::unsupported,
                        "Option \"" + opt + "\" is not used here (device=PATH" +
                            (req.action == TokenAction::remove ? ", user=NAME" : "") + ")");
    }
  }
  return {};
}

Status run_token_command(Console& console, const TokenRequest& req) {
  switch (req.action) {
    case TokenAction::list:
      return list_keys(console, req);
    case TokenAction::remove:
      return delete_key(console, req);
    case TokenAction::set_pin:
      return set_pin(console, req);
    case TokenAction::info:
      return show_info(console, req);
    case TokenAction::reset:
      return reset(console, req);
  }
  return make_error(Errc::internal, "unknown token command");
}

}  // namespace skagent::keygen
