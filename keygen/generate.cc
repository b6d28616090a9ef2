// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/generate.h"

#include <pwd.h>
#include <unistd.h>

#include <climits>

#include "keygen/generate_sk.h"
#include "keygen/generate_software.h"
#include "keygen/key_files.h"
#include "keygen/show_key.h"

namespace skagent::keygen {

namespace {

// ssh-keygen's default comment: user@host.
std::string default_comment() {
  struct passwd* pw = getpwuid(getuid());
  std::string user = pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "unknown";
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return user + "@" + host;
}

Result<std::string> settle_path(Console& console, const Options& o) {
  if (o.file) return *o.file;
  std::string def = default_key_path(o.home, o.key->type);
  auto line = console.ask_line("Enter file in which to save the key (" + def + "): ");
  if (!line) return make_error(Errc::denied, "no file name given");
  return line->empty() ? def : *line;
}

}  // namespace

Status run_generate(Console& console, const Options& o,
                    const std::function<Result<std::unique_ptr<SkToken>>()>& open_token) {
  const KeySpec spec = *o.key;
  const bool sk = is_security_key(spec.type);
  std::optional<SkEnrollOptions> sk_options;
  if (sk) {
    auto parsed = parse_sk_enroll_options(o.sk_options);
    if (!parsed) return parsed.error();
    sk_options = std::move(parsed).value();
  }
  if (!o.quiet)
    console.out("Generating public/private " + key_spec_name(spec.type) + " key pair.\n");

  auto path = settle_path(console, o);
  if (!path) return path.error();
  if (make_user_ssh_dir(o.home, *path) && !o.quiet) {
    std::string dir = path->substr(0, path->rfind('/'));
    console.out("Created directory '" + dir + "'.\n");
  }
  // Before the token is touched: a resident credential made for a file that
  // is then not written would be left behind on the token.
  std::vector<std::string> targets = {*path, *path + ".pub"};
  if (sk_options && sk_options->attestation_file) targets.push_back(*sk_options->attestation_file);
  bool existed = false;
  for (const auto& t : targets) existed = existed || path_exists(t);
  auto yes = confirm_overwrite(console, targets);
  if (!yes) return yes.error();
  if (!*yes) return make_error(Errc::exists, "not overwriting " + *path);

  // The passphrase before the token: a credential made for a file that is
  // then not written (the person cancelled) would be left on the token.
  auto asked = new_passphrase(o.new_passphrase, console);
  if (!asked) return asked.error();
  SecretText passphrase = std::move(asked).value();

  std::optional<PrivateKey> key;
  Bytes attestation;
  if (sk) {
    auto token = open_token();
    if (!token) return token.error();
    auto made = enroll_sk_key(console, **token, spec.type, *sk_options, o.quiet);
    if (!made) return made.error();
    key.emplace(std::move(made->key));
    attestation = std::move(made->attestation);
  } else {
    auto made = generate_software_key(spec);
    if (!made) return made.error();
    key.emplace(std::move(made).value());
  }

  KeyPairFiles files;
  files.private_path = *path;
  files.comment = o.comment ? *o.comment : default_comment();
  files.passphrase = passphrase.view();
  files.rounds = o.rounds;
  if (auto s = save_key_pair(*key, files, existed); !s) {
    return make_error(s.error().code, "Saving key \"" + *path + "\" failed: " + s.error().message);
  }
  if (!o.quiet) {
    console.out("Your identification has been saved in " + *path + "\n");
    console.out("Your public key has been saved in " + *path + ".pub\n");
    console.out("The key fingerprint is:\n");
    console.out(fingerprint(key->public_key(), o.hash) + " " + files.comment + "\n");
    console.out("The key's randomart image is:\n");
    console.out(randomart(key->public_key(), o.hash) + "\n");
  }
  if (sk_options && sk_options->attestation_file) {
    const std::string& f = *sk_options->attestation_file;
    if (auto s = write_file(f, attestation, 0600, existed); !s) {
      return make_error(s.error().code,
                        "Unable to write attestation data \"" + f + "\": " + s.error().message);
    }
    if (!o.quiet) console.out("Your FIDO attestation certificate has been saved in " + f + "\n");
  }
  return {};
}

}  // namespace skagent::keygen
