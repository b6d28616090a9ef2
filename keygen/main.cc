// SPDX-License-Identifier: BSD-2-Clause
// skagent-keygen: makes security key and software SSH keys and downloads
// resident keys, in files OpenSSH reads; prints keys as ssh-keygen -l / -y do.
#include <fcntl.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fido/device.h"
#include "keygen/command_line.h"
#include "keygen/console.h"
#include "keygen/download_resident.h"
#include "keygen/generate.h"
#include "keygen/key_files.h"
#include "keygen/list_devices.h"
#include "keygen/manage_token.h"
#include "keygen/pin_prompt.h"
#include "keygen/show_key.h"
#include "keygen/sk_token.h"
#include "ssh/crypto_memory.h"

using namespace skagent;
using namespace skagent::keygen;

namespace {

constexpr const char* kVersion = "skagent-keygen 0.1.0 (OpenSSH 9.2 compatible key files)";

// Standard descriptors must exist, or a key file could become "stdout".
void sanitise_stdfd() {
  int null = open("/dev/null", O_RDWR);
  while (null >= 0 && null <= 2) null = dup(null);
  if (null > 2) close(null);
}

// OpenSSH's msetlocale(): the user's locale for character classes, except
// Turkish ones (C, or C.UTF-8 for a UTF-8 Turkish locale).
void set_locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = getenv(var);
    if (v == nullptr) continue;
    if (strncasecmp(v, "TR", 2) != 0) break;
    if ((strcasestr(v, "UTF-8") != nullptr || strcasestr(v, "UTF8") != nullptr) &&
        (setlocale(LC_CTYPE, "C.UTF-8") != nullptr ||
         setlocale(LC_CTYPE, "POSIX.UTF-8") != nullptr)) {
      return;
    }
    setlocale(LC_CTYPE, "C");
    return;
  }
  setlocale(LC_CTYPE, "");
}

// No core file can hold a PIN or an unencrypted key.
void no_core_dumps() {
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
}

int fail(Console& console, const Error& e) {
  console.err(e.message + "\n");
  return 1;
}

Result<std::string> input_file(Console& console, const Options& o) {
  if (o.file) return *o.file;
  std::string def = default_key_path(o.home, KeyType::ed25519);
  auto line = console.ask_line("Enter file in which the key is (" + def + "): ");
  if (!line) return make_error(Errc::denied, "no file name given");
  return line->empty() ? def : *line;
}

TokenAction token_action(Mode m) {
  switch (m) {
    case Mode::delete_resident:
      return TokenAction::remove;
    case Mode::set_pin:
      return TokenAction::set_pin;
    case Mode::token_info:
      return TokenAction::info;
    case Mode::reset_token:
      return TokenAction::reset;
    default:
      return TokenAction::list;
  }
}

int run_token(Console& console, const Options& o, const fido::DeviceSources& sources) {
  TokenRequest req;
  req.action = token_action(o.mode);
  req.target = o.delete_target;
  req.hash = o.hash;
  req.sources = sources;
  if (auto s = parse_token_options(o.sk_options, req); !s) return fail(console, s.error());
  if (auto s = run_token_command(console, req); !s) return fail(console, s.error());
  return 0;
}

int run(Console& console, const Options& o, const fido::DeviceSources& sources) {
  switch (o.mode) {
    case Mode::list_resident:
    case Mode::delete_resident:
    case Mode::set_pin:
    case Mode::token_info:
    case Mode::reset_token:
      return run_token(console, o, sources);
    case Mode::help:
      console.out(usage_text());
      return 0;
    case Mode::version:
      console.out(std::string(kVersion) + "\n");
      return 0;
    case Mode::fingerprint: {
      auto path = input_file(console, o);
      if (!path) return fail(console, path.error());
      auto out = fingerprint_file(*path, o.hash, o.verbose);
      if (!out) return fail(console, out.error());
      console.out(*out);
      return 0;
    }
    case Mode::print_public: {
      auto path = input_file(console, o);
      if (!path) return fail(console, path.error());
      auto out = public_key_of_file(console, *path, o.passphrase);
      if (!out) return fail(console, out.error());
      console.out(*out);
      return 0;
    }
    case Mode::list_devices: {
      auto token = open_sk_token(o.provider, sources);
      if (!token) return fail(console, token.error());
      auto devices = (*token)->list_devices();
      if (!devices) return fail(console, devices.error());
      console.out(format_device_list(*devices));
      return 0;
    }
    case Mode::download_resident: {
      auto d = parse_download_options(o.sk_options);
      if (!d) return fail(console, d.error());
      d->new_passphrase = o.new_passphrase;
      d->rounds = o.rounds;
      d->quiet = o.quiet;
      auto token = open_sk_token(o.provider, sources);
      if (!token) return fail(console, token.error());
      if (auto s = download_resident_keys(console, **token, *d); !s)
        return fail(console, s.error());
      return 0;
    }
    case Mode::generate: {
      auto s = run_generate(console, o, [&] { return open_sk_token(o.provider, sources); });
      if (!s) return fail(console, s.error());
      return 0;
    }
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!install_wiping_crypto_allocator()) {
    fprintf(stderr, "%s: cannot make OpenSSL wipe the memory it frees\n", argv[0]);
    return 1;
  }
  sanitise_stdfd();
  no_core_dumps();
  set_locale();
  // The environment is read here only; what needs it gets it passed in.
  auto console = make_terminal_console(
      prompt_environment(getenv("DISPLAY"), getenv("WAYLAND_DISPLAY"),
                         getenv("SSH_ASKPASS_REQUIRE"), getenv("SSH_ASKPASS")));
  auto options = parse_command_line(argc, argv, getenv("SSH_SK_PROVIDER"));
  if (!options) {
    console->err("skagent-keygen: " + options.error().message + "\n" + usage_text());
    return 1;
  }
  options->home = home_directory(getenv("HOME"));
  fido::set_fido_debug(getenv("SKAGENT_FIDO_DEBUG") != nullptr);
  return run(*console, *options, fido::device_sources(getenv("SKAGENT_VTOKEN")));
}
