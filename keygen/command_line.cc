// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/command_line.h"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/text.h"

namespace skagent::keygen {

namespace {

constexpr unsigned kRsaDefaultBits = 3072;
constexpr unsigned kRsaMinBits = 2048;
constexpr unsigned kRsaMaxBits = 16384;

Error bad(std::string message) { return make_error(Errc::malformed, std::move(message)); }

Result<unsigned long> parse_number(const char* text, unsigned long min, unsigned long max,
                                   const char* what) {
  errno = 0;
  char* end = nullptr;
  unsigned long v = strtoul(text, &end, 10);
  if (*text == '\0' || *text == '-' || *end != '\0' || errno != 0 || v < min || v > max) {
    return bad(std::string(what) + " has bad value " + text);
  }
  return v;
}

enum LongOption {
  kListDevices = 1000,
  kHelp,
  kVersion,
  kListResident,
  kDeleteResident,
  kSetPin,
  kTokenInfo,
  kResetToken
};

// The options that choose what to do instead of generating a key; at most one is given.
struct ModeOption {
  int option;
  Mode mode;
};
constexpr ModeOption kModeOptions[] = {
    {'K', Mode::download_resident},
    {'l', Mode::fingerprint},
    {'y', Mode::print_public},
    {kListDevices, Mode::list_devices},
    {kListResident, Mode::list_resident},
    {kDeleteResident, Mode::delete_resident},
    {kSetPin, Mode::set_pin},
    {kTokenInfo, Mode::token_info},
    {kResetToken, Mode::reset_token},
};

}  // namespace

Result<KeySpec> parse_key_spec(const std::string& name, unsigned bits) {
  std::string n = ascii_lower(name);
  KeySpec spec;
  bool ecdsa = false;
  if (n == "ed25519" || name == "ssh-ed25519") {
    spec.type = KeyType::ed25519;
  } else if (n == "ed25519-sk" || name == "sk-ssh-ed25519@openssh.com") {
    spec.type = KeyType::sk_ed25519;
  } else if (n == "ecdsa-sk" || name == "sk-ecdsa-sha2-nistp256@openssh.com") {
    spec.type = KeyType::sk_ecdsa_p256;
  } else if (n == "mldsa44-ed25519" || name == "ssh-mldsa44-ed25519@openssh.com") {
    spec.type = KeyType::mldsa44_ed25519;
  } else if (n == "rsa" || name == "ssh-rsa") {
    spec.type = KeyType::rsa;
  } else if (n == "ecdsa") {
    ecdsa = true;
  } else if (name == "ecdsa-sha2-nistp256" || name == "ecdsa-sha2-nistp384" ||
             name == "ecdsa-sha2-nistp521") {
    ecdsa = true;
    if (bits == 0) bits = unsigned(std::stoul(name.substr(name.size() - 3)));
  } else if (n == "dsa" || name == "ssh-dss") {
    return make_error(Errc::unsupported, "DSA keys are not generated (they are obsolete)");
  } else {
    return make_error(Errc::unsupported, "unknown key type " + name);
  }
  if (ecdsa) {
    if (bits == 0) bits = 256;
    switch (bits) {
      case 256:
        spec.type = KeyType::ecdsa_p256;
        break;
      case 384:
        spec.type = KeyType::ecdsa_p384;
        break;
      case 521:
        spec.type = KeyType::ecdsa_p521;
        break;
      default:
        return bad("Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits");
    }
    spec.bits = bits;
  } else if (spec.type == KeyType::rsa) {
    if (bits == 0) bits = kRsaDefaultBits;
    if (bits < kRsaMinBits) {
      return bad("Invalid RSA key length: minimum is " + std::to_string(kRsaMinBits) + " bits");
    }
    if (bits > kRsaMaxBits) {
      return bad("Invalid RSA key length: maximum is " + std::to_string(kRsaMaxBits) + " bits");
    }
    spec.bits = bits;
  } else {
    spec.bits =
        256;  // Ed25519, ML-DSA-44+Ed25519 and the security key types have one size; -b is ignored
  }
  return spec;
}

std::string key_spec_name(KeyType type) {
  switch (type) {
    case KeyType::dsa:
      return "dsa";
    case KeyType::rsa:
      return "rsa";
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521:
      return "ecdsa";
    case KeyType::ed25519:
      return "ed25519";
    case KeyType::sk_ecdsa_p256:
      return "ecdsa-sk";
    case KeyType::sk_ed25519:
      return "ed25519-sk";
    case KeyType::mldsa44_ed25519:
      return "mldsa44-ed25519";
  }
  return "unknown";
}

Result<Options> parse_command_line(int argc, char** argv, const char* sk_provider_env) {
  static const struct option kLong[] = {
      {"list-devices", no_argument, nullptr, kListDevices},
      {"list-resident", no_argument, nullptr, kListResident},
      {"delete-resident", required_argument, nullptr, kDeleteResident},
      {"set-pin", no_argument, nullptr, kSetPin},
      {"token-info", no_argument, nullptr, kTokenInfo},
      {"reset-token", no_argument, nullptr, kResetToken},
      {"help", no_argument, nullptr, kHelp},
      {"version", no_argument, nullptr, kVersion},
      {nullptr, 0, nullptr, 0},
  };
  Options o;
  std::optional<std::string> type_name;
  int modes = 0;
  auto set_mode = [&](Mode m) {
    if (o.mode != m) modes++;
    o.mode = m;
  };
  optind = 0;  // full re-initialisation (glibc), so the parser can run more than once
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+:a:b:C:E:f:hKlN:O:P:qt:vVw:y", kLong, nullptr)) != -1) {
    if (auto m = std::ranges::find(kModeOptions, c, &ModeOption::option);
        m != std::end(kModeOptions)) {
      set_mode(m->mode);
      if (c == kDeleteResident) o.delete_target = optarg;
      continue;
    }
    switch (c) {
      case 'a': {
        auto v = parse_number(optarg, 1, INT_MAX, "-a (rounds)");
        if (!v) return v.error();
        o.rounds = uint32_t(*v);
        break;
      }
      case 'b': {
        auto v = parse_number(optarg, 1, UINT32_MAX, "Bits");
        if (!v) return v.error();
        o.bits = unsigned(*v);
        break;
      }
      case 'C':
        o.comment = optarg;
        break;
      case 'E': {
        auto h = fingerprint_hash_by_name(optarg);
        if (!h) return bad(std::string("Invalid hash algorithm \"") + optarg + "\"");
        o.hash = *h;
        break;
      }
      case 'f':
        o.file = optarg;
        break;
      case 'N':
        o.new_passphrase = optarg;
        break;
      case 'P':
        o.passphrase = optarg;
        break;
      case 'O':
        o.sk_options.emplace_back(optarg);
        break;
      case 'q':
        o.quiet = true;
        break;
      case 't':
        type_name = optarg;
        break;
      case 'v':
        o.verbose = true;
        break;
      case 'w':
        o.provider = optarg;
        break;
      case 'h':
      case kHelp:
        o.mode = Mode::help;
        return o;
      case 'V':
      case kVersion:
        o.mode = Mode::version;
        return o;
      case ':':
        return bad(std::string("option requires an argument -- '") + char(optopt) + "'");
      default:
        if (optopt != 0) return bad(std::string("unknown option -- '") + char(optopt) + "'");
        return bad(std::string("unknown option ") + argv[optind - 1]);
    }
  }
  if (optind < argc) return bad("Too many arguments.");
  if (modes > 1) {
    return bad(
        "Choose one of -K, -l, -y, --list-devices, --list-resident, --delete-resident, --set-pin, "
        "--token-info and --reset-token.");
  }
  if (is_token_mode(o.mode) && !o.provider.empty() && o.provider != "internal") {
    return bad("the token commands use the built-in FIDO2 middleware; -w is not used with them.");
  }
  if (o.provider.empty()) {
    o.provider =
        sk_provider_env != nullptr && *sk_provider_env != '\0' ? sk_provider_env : "internal";
  }
  if (type_name) {
    if (o.mode != Mode::generate) return bad("-t only applies when generating a key.");
    auto spec = parse_key_spec(*type_name, o.bits);
    if (!spec) return spec.error();
    o.key = *spec;
  } else if (o.mode == Mode::generate) {
    auto spec = parse_key_spec("ed25519", o.bits);
    if (!spec) return spec.error();
    o.key = *spec;
  }
  if (o.mode == Mode::generate && !is_security_key(o.key->type) && !o.sk_options.empty()) {
    return bad("Option \"" + o.sk_options.front() + "\" only applies to security key types " +
               "(-t ed25519-sk or -t ecdsa-sk).");
  }
  if ((o.mode == Mode::fingerprint || o.mode == Mode::print_public ||
       o.mode == Mode::list_devices) &&
      !o.sk_options.empty()) {
    return bad("-O is not used with -l, -y or --list-devices.");
  }
  return o;
}

bool is_token_mode(Mode m) {
  return m == Mode::list_resident || m == Mode::delete_resident || m == Mode::set_pin ||
         m == Mode::token_info || m == Mode::reset_token;
}

std::string usage_text() {
  return "usage: skagent-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]\n"
         "                      [-N new_passphrase] [-O option] [-w provider]\n"
         "                      [-t ecdsa | ecdsa-sk | ed25519 | ed25519-sk | mldsa44-ed25519 | "
         "rsa]\n"
         "       skagent-keygen -K [-a rounds] [-N new_passphrase] [-O device=path] [-w provider]\n"
         "       skagent-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]\n"
         "       skagent-keygen -y [-P passphrase] [-f input_keyfile]\n"
         "       skagent-keygen --list-devices\n"
         "       skagent-keygen --list-resident [-E fingerprint_hash] [-O device=path]\n"
         "       skagent-keygen --delete-resident fingerprint|application [-O user=name] [-O "
         "device=path]\n"
         "       skagent-keygen --set-pin | --token-info | --reset-token [-O device=path]\n"
         "Security key options (-O): application=ssh:..., challenge=file, device=path,\n"
         "  no-touch-required, resident, user=name, verify-required, write-attestation=file\n";
}

}  // namespace skagent::keygen
