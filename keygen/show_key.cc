// SPDX-License-Identifier: BSD-2-Clause
// Follows OpenSSH 9.2's ssh-keygen: do_fingerprint, fingerprint_private,
// fingerprint_one_key, do_print_public and load_identity, and sshkey.c's
// fingerprint_randomart, so that the output is the same byte for byte.
#include "keygen/show_key.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <cwchar>

#include "keygen/key_files.h"
#include "ssh/base64.h"
#include "ssh/key_file.h"

namespace skagent::keygen {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// sshkey_read(): "type base64" at the front of `cp`; on success `cp` is left
// at the start of the comment (after blanks).
std::optional<PublicKey> try_read_key(std::string_view& cp) {
  size_t space = 0;
  while (space < cp.size() && !is_blank(cp[space])) space++;
  if (space == cp.size()) return std::nullopt;
  std::string_view type = cp.substr(0, space);
  bool is_cert = false;
  if (key_type_by_name(type, &is_cert) == nullptr) return std::nullopt;
  std::string_view rest = cp.substr(space);
  while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  size_t end = 0;
  while (end < rest.size() && !is_blank(rest[end])) end++;
  auto blob = base64_decode(rest.substr(0, end));
  if (!blob) return std::nullopt;
  auto key = parse_public_key(*blob);
  if (!key || key->type_name() != type) return std::nullopt;
  rest.remove_prefix(end);
  while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  cp = rest;
  return std::move(key).value();
}

// sshkey_perm_ok(): a private key file that others may read is ignored.
Status check_private_permissions(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return make_error(errno == ENOENT ? Errc::not_found : Errc::io, path + ": " + strerror(errno));
  }
  if (st.st_uid == getuid() && (st.st_mode & 077) != 0) {
    char mode[8];
    snprintf(mode, sizeof mode, "0%3.3o", unsigned(st.st_mode & 0777));
    return make_error(Errc::denied,
                      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                      "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n"
                      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                      "Permissions " +
                          std::string(mode) + " for '" + path +
                          "' are too open.\n"
                          "It is required that your private key files are NOT accessible by "
                          "others.\n"
                          "This private key will be ignored.");
  }
  return {};
}

// sshkey_try_load_public(): the first key line of a public key file; the
// comment is the file name when the line has none.
std::optional<PublicKeyLine> load_public_file(const std::string& path) {
  auto data = read_small_file(path);
  if (!data) return std::nullopt;
  std::string_view text = as_string(*data);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 10) == "-----BEGIN" || line == "SSH PRIVATE KEY FILE") break;
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (line.empty()) continue;
    if (auto key = try_read_key(line)) {
      line = line.substr(0, line.find_first_of("\r\n"));
      return PublicKeyLine{std::move(*key), line.empty() ? path : std::string(line)};
    }
  }
  return std::nullopt;
}

Bytes digest(const PublicKey& key, FingerprintHash hash) {
  Bytes blob = key.plain().blob();
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  const EVP_MD* md = hash == FingerprintHash::md5 ? EVP_md5() : EVP_sha256();
  if (EVP_Digest(blob.data(), blob.size(), out.data(), &len, md, nullptr) != 1) len = 0;
  out.resize(len);
  return out;
}

void append_octal(std::string& out, unsigned char c) {
  out.push_back('\\');
  out.push_back(char('0' + ((c >> 6) & 03)));
  out.push_back(char('0' + ((c >> 3) & 07)));
  out.push_back(char('0' + (c & 07)));
}

}  // namespace

std::string key_type_label(const PublicKey& key) {
  std::string label(key_type_info(key.type).short_name);
  if (key.is_cert()) label += "-CERT";
  return label;
}

std::string to_hex(ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
  }
  return out;
}

std::string sanitize_for_terminal(std::string_view text) {
  std::string out;
  mbtowc(nullptr, nullptr, 0);
  size_t i = 0;
  while (i < text.size()) {
    wchar_t wc = 0;
    int len = mbtowc(&wc, text.data() + i, std::min<size_t>(MB_CUR_MAX, text.size() - i));
    if (len == 0) {  // an embedded NUL ends the C string OpenSSH prints
      break;
    }
    bool printable;
    if (len < 0) {
      mbtowc(nullptr, nullptr, 0);
      len = 1;
      printable = false;
    } else if (wc == L'\n' || wc == L'\r' || wc == L'\t') {
      printable = true;
    } else {
      printable = wcwidth(wc) >= 0;
    }
    if (printable) {
      out.append(text.substr(i, size_t(len)));
    } else {
      for (int k = 0; k < len; k++) append_octal(out, static_cast<unsigned char>(text[i + k]));
    }
    i += size_t(len);
  }
  return out;
}

std::string fingerprint_line(const PublicKey& key, const std::string* comment,
                             FingerprintHash hash) {
  std::string line = std::to_string(key.bits()) + " " + fingerprint(key, hash) + " " +
                     (comment != nullptr ? *comment : std::string("no comment")) + " (" +
                     key_type_label(key) + ")\n";
  return sanitize_for_terminal(line);
}

std::string randomart(const PublicKey& key, FingerprintHash hash) {
  constexpr int kBase = 8;
  constexpr int kSizeY = kBase + 1;
  constexpr int kSizeX = kBase * 2 + 1;
  static constexpr char kAugment[] = " .o+=*BOX@%&#/^SE";
  const size_t len = sizeof(kAugment) - 2;  // strlen - 1
  uint8_t field[kSizeX][kSizeY] = {};
  int x = kSizeX / 2, y = kSizeY / 2;
  for (uint8_t byte : digest(key, hash)) {
    int input = byte;
    for (int b = 0; b < 4; b++) {
      x += (input & 0x1) ? 1 : -1;
      y += (input & 0x2) ? 1 : -1;
      x = std::clamp(x, 0, kSizeX - 1);
      y = std::clamp(y, 0, kSizeY - 1);
      if (field[x][y] < len - 2) field[x][y]++;
      input >>= 2;
    }
  }
  field[kSizeX / 2][kSizeY / 2] = uint8_t(len - 1);
  field[x][y] = uint8_t(len);

  // snprintf into char[kSizeX]: at most kSizeX - 1 characters survive.
  std::string title = "[" + key_type_label(key) + " " + std::to_string(key.bits()) + "]";
  if (title.size() > size_t(kSizeX)) title = "[" + key_type_label(key) + "]";
  if (title.size() > size_t(kSizeX - 1)) title.resize(kSizeX - 1);
  std::string hash_id = hash == FingerprintHash::md5 ? "[MD5]" : "[SHA256]";

  std::string out = "+";
  size_t i = 0;
  for (; i < (kSizeX - title.size()) / 2; i++) out.push_back('-');
  out += title;
  for (i += title.size(); i < size_t(kSizeX); i++) out.push_back('-');
  out += "+\n";
  for (int row = 0; row < kSizeY; row++) {
    out.push_back('|');
    for (int col = 0; col < kSizeX; col++) {
      out.push_back(kAugment[std::min<size_t>(field[col][row], len)]);
    }
    out += "|\n";
  }
  out.push_back('+');
  for (i = 0; i < (kSizeX - hash_id.size()) / 2; i++) out.push_back('-');
  out += hash_id;
  for (i += hash_id.size(); i < size_t(kSizeX); i++) out.push_back('-');
  out.push_back('+');
  return out;
}

namespace {

std::string one_key(const PublicKey& key, const std::string* comment, FingerprintHash hash,
                    bool verbose) {
  std::string out = fingerprint_line(key, comment, hash);
  if (verbose) out += randomart(key, hash) + "\n";
  return out;
}

Result<std::string> fingerprint_private(const std::string& path, ByteView text,
                                        FingerprintHash hash, bool verbose) {
  // sshkey_load_public: the file itself (not a public key), then PATH.pub,
  // then the public key inside the private key file (no comment).
  std::optional<PublicKey> pub;
  std::optional<std::string> comment;
  if (auto line = load_public_file(path + ".pub")) {
    pub = std::move(line->key);
    comment = std::move(line->comment);
  } else if (auto info = inspect_private_key_file(text)) {
    pub = std::move(info->public_key);
  }
  std::optional<PublicKey> priv;
  if (!pub || !comment || comment->empty()) {
    comment.reset();
    if (check_private_permissions(path)) {
      if (auto loaded = read_private_key_file(text, "")) {
        priv = loaded->key.public_key();
        comment = std::move(loaded->comment);
      }
    }
  }
  if (!pub && !priv) return make_error(Errc::malformed, path + " is not a key file.");
  return one_key(pub ? *pub : *priv, comment ? &*comment : nullptr, hash, verbose);
}

}  // namespace

Result<std::string> fingerprint_file(const std::string& path, FingerprintHash hash, bool verbose) {
  // "-" is standard input, as for ssh-keygen (public key lines only).
  const bool from_stdin = path == "-";
  auto data = read_small_file(from_stdin ? "/dev/stdin" : path, 16 << 20);
  const std::string label = from_stdin ? "(stdin)" : path;
  if (!data) {
    return make_error(data.error().code, "skagent-keygen: " + path + ": " +
                                             (data.error().code == Errc::not_found
                                                  ? std::string("No such file or directory")
                                                  : data.error().message));
  }
  std::string_view text = as_string(*data);
  std::string out;
  bool valid = false;
  size_t lnum = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    lnum++;
    std::string_view cp = line;
    while (!cp.empty() && is_blank(cp.front())) cp.remove_prefix(1);
    if (cp.empty() || cp.front() == '#') continue;
    if (lnum == 1 && !from_stdin && cp.find("PRIVATE KEY") != std::string_view::npos) {
      return fingerprint_private(path, *data, hash, verbose);
    }
    std::optional<std::string> comment;
    auto key = try_read_key(cp);
    if (!key) {
      // Not a bare key: skip a known_hosts host list or authorized_keys
      // options (quotes may hide blanks); the skipped text is the comment.
      // (A leading number is an SSH1 key, which nothing reads any more.)
      bool number = !cp.empty() && cp.front() >= '1' && cp.front() <= '9';
      if (number) {
        size_t k = 0;
        while (k < cp.size() && cp[k] >= '0' && cp[k] <= '9') k++;
        number = k < cp.size() && is_blank(cp[k]);
      }
      if (!number) {
        bool quoted = false;
        size_t k = 0;
        for (; k < cp.size() && (quoted || !is_blank(cp[k])); k++) {
          if (cp[k] == '\\' && k + 1 < cp.size() && cp[k + 1] == '"') {
            k++;
          } else if (cp[k] == '"') {
            quoted = !quoted;
          }
        }
        if (k >= cp.size()) continue;
        comment = std::string(cp.substr(0, k));
        cp.remove_prefix(k + 1);
      }
      key = try_read_key(cp);
      if (!key) continue;
    }
    while (!cp.empty() && is_blank(cp.front())) cp.remove_prefix(1);
    if (!cp.empty() && cp.front() != '#') comment = std::string(cp);
    out += one_key(*key, comment ? &*comment : nullptr, hash, verbose);
    valid = true;
  }
  if (!valid) return make_error(Errc::malformed, label + " is not a public key file.");
  return out;
}

Result<std::string> public_key_of_file(Console& console, const std::string& path,
                                       const std::optional<std::string>& passphrase) {
  if (auto s = check_private_permissions(path); !s) {
    if (s.error().code == Errc::not_found) {
      return make_error(Errc::not_found, path + ": No such file or directory");
    }
    return s.error();
  }
  auto data = read_small_file(path, 16 << 20);
  if (!data) return data.error();
  auto loaded = read_private_key_file(*data, "");
  if (!loaded && loaded.error().code == Errc::pin_required) {
    if (passphrase) {
      loaded = read_private_key_file(*data, *passphrase);
    } else {
      auto pass = console.ask_secret("Enter passphrase: ");
      if (!pass) return pass.error();
      loaded = read_private_key_file(*data, pass->view());
    }
  }
  if (!loaded) {
    std::string why = loaded.error().code == Errc::pin_invalid
                          ? "incorrect passphrase supplied to decrypt private key"
                          : loaded.error().message;
    return make_error(loaded.error().code, "Load key \"" + path + "\": " + why);
  }
  std::string out = format_public_key_line(loaded->key.public_key(), "");
  if (!loaded->comment.empty()) out += " " + loaded->comment;
  return out + "\n";
}

}  // namespace skagent::keygen
