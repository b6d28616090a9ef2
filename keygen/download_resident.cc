// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/download_resident.h"

#include <strings.h>

#include "keygen/key_files.h"
#include "keygen/show_key.h"
#include "keygen/sk_key.h"

namespace skagent::keygen {

namespace {

constexpr int kMaxPinTries = 3;

// Loads the resident credentials of one token (or of all, device empty),
// asking for the PIN (again when it was wrong, at most kMaxPinTries times).
Result<std::vector<SkResidentCredential>> load_with_pin(Console& console, SkToken& token,
                                                        const std::string& device,
                                                        const std::string& prompt) {
  for (int tries = 1;; tries++) {
    auto pin = console.ask_secret(prompt);
    if (!pin) return make_error(pin.error().code, "no PIN: " + pin.error().message);
    std::string pin_text(pin->view());
    auto rks = token.load_resident(device, pin_text);
    secure_wipe(pin_text.data(), pin_text.size());
    if (rks) return rks;
    const Error& e = rks.error();
    bool wrong = e.code == Errc::pin_invalid || e.code == Errc::pin_required;
    if (!wrong || tries >= kMaxPinTries) {
      return make_error(e.code, "Unable to load resident keys: " + e.message);
    }
    console.err(e.message + "\n");
  }
}

}  // namespace

std::string resident_key_suffix(const std::string& application, ByteView user_id) {
  std::string ret;
  if (application.compare(0, 6, "ssh://") == 0) {
    ret = application.substr(6);
  } else if (application.compare(0, 4, "ssh:") == 0) {
    ret = application.substr(4);
  } else {
    ret = application;
  }
  size_t len = user_id.size();
  while (len > 0 && user_id[len - 1] == 0) len--;
  if (len == 0) return ret;  // the default all-zero user id
  ByteView user = user_id.first(len);
  // "%.*s" stops at a NUL inside the id.
  size_t text_len = 0;
  while (text_len < len && user[text_len] != 0) text_len++;
  std::string cp = sanitize_for_terminal(as_string(user.first(text_len)));
  if (cp.find('/') != std::string::npos || cp.find("..") != std::string::npos ||
      cp.find('\\') != std::string::npos) {
    cp = to_hex(user);
  }
  ret += "_" + cp;
  return ret;
}

std::string resident_key_file_name(KeyType type, const std::string& application, ByteView user_id) {
  std::string ext = resident_key_suffix(application, user_id);
  std::string name = type == KeyType::sk_ecdsa_p256 ? "id_ecdsa_sk_rk" : "id_ed25519_sk_rk";
  if (!ext.empty()) name += "_" + ext;
  return name;
}

Result<DownloadOptions> parse_download_options(const std::vector<std::string>& options) {
  DownloadOptions o;
  for (const auto& opt : options) {
    if (strncasecmp(opt.c_str(), "device=", 7) == 0) {
      o.device = opt.substr(7);
    } else {
      return make_error(Errc::unsupported,
                        "Option \"" + opt + "\" is unsupported for FIDO authenticator download");
    }
  }
  return o;
}

Status download_resident_keys(Console& console, SkToken& token, const DownloadOptions& options) {
  // One PIN per token: ask for each when several are connected and the
  // backend can tell them apart. A backend that can list tokens also lets us
  // refuse early, before asking for a PIN: no token, or one without a PIN
  // (resident keys can only be read with one).
  std::vector<std::string> devices;
  if (auto list = token.list_devices()) {
    std::vector<const SkDeviceInfo*> chosen;
    for (const auto& d : *list) {
      if (options.device.empty() || d.path == options.device) chosen.push_back(&d);
    }
    if (chosen.empty() && options.device.empty()) {
      return make_error(Errc::not_found,
                        "Unable to load resident keys: no FIDO2 security key found: plug one in "
                        "(or hold it to the reader) and try again");
    }
    std::vector<const SkDeviceInfo*> with_pin;
    for (const auto* d : chosen) {
      if (d->pin_set && !*d->pin_set) {
        if (chosen.size() == 1) {
          return make_error(Errc::unsupported,
                            "Unable to load resident keys: the security key " + d->path +
                                " has no PIN, and resident keys can only be read with one "
                                "(set a PIN first)");
        }
        console.err("Skipping " + d->path +
                    ": it has no PIN, so it holds no readable resident keys\n");
        continue;
      }
      with_pin.push_back(d);
    }
    if (with_pin.size() > 1) {
      for (const auto* d : with_pin) devices.push_back(d->path);
    } else if (with_pin.size() == 1 && chosen.size() > 1) {
      devices.push_back(with_pin.front()->path);
    }
  }
  if (devices.empty()) devices.push_back(options.device);

  std::vector<SkResidentCredential> all;
  for (const auto& device : devices) {
    std::string prompt = devices.size() > 1 ? "Enter PIN for authenticator " + device + ": "
                                            : std::string("Enter PIN for authenticator: ");
    auto rks = load_with_pin(console, token, device, prompt);
    if (!rks) return rks.error();
    for (auto& rk : *rks) all.push_back(std::move(rk));
  }

  std::optional<SecretText> pass;
  size_t saved = 0;
  for (const auto& rk : all) {
    if (rk.application.compare(0, 4, "ssh:") != 0) continue;  // not an SSH credential
    if (rk.type != KeyType::sk_ed25519 && rk.type != KeyType::sk_ecdsa_p256) continue;
    uint8_t flags = fido::kUserPresenceRequired | fido::kResidentKey;
    if (rk.verify_required) flags |= fido::kUserVerificationRequired;
    auto key = make_sk_private_key(rk.type, rk.application, rk.public_key, flags, rk.key_handle);
    if (!key) {
      return make_error(key.error().code, "resident key for " + rk.application +
                                              " is unusable: " + key.error().message);
    }
    std::string ext = resident_key_suffix(rk.application, rk.user_id);
    std::string name = resident_key_file_name(rk.type, rk.application, rk.user_id);
    std::string path = options.directory == "." ? name : options.directory + "/" + name;
    bool existed = path_exists(path) || path_exists(path + ".pub");
    auto yes = confirm_overwrite(console, {path, path + ".pub"});
    if (!yes) return yes.error();
    if (!*yes) return make_error(Errc::exists, "not overwriting " + path + "; download stopped");
    if (!pass) {
      auto p = new_passphrase(options.new_passphrase, console);
      if (!p) return p.error();
      pass = std::move(p).value();
    }
    KeyPairFiles files;
    files.private_path = path;
    files.comment = rk.application;
    files.passphrase = pass->view();
    files.rounds = options.rounds;
    if (auto s = save_key_pair(*key, files, existed); !s) {
      return make_error(s.error().code, "Saving key \"" + path + "\" failed: " + s.error().message);
    }
    saved++;
    if (!options.quiet) {
      console.out("Saved " + key_type_label(key->public_key()) + " key" +
                  (ext.empty() ? std::string() : " " + rk.application) + " to " + path + "\n");
    }
  }
  if (saved == 0) console.err("No keys to download\n");
  return {};
}

}  // namespace skagent::keygen
