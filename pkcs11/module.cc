// SPDX-License-Identifier: BSD-2-Clause
#include "pkcs11/module.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <optional>

#include "platform/elf_exports.h"
#include "pkcs11/key_attributes.h"
#include "platform/secure_memory.h"

namespace skagent::pkcs11 {

namespace {

constexpr size_t kMaxSlots = 256;
constexpr size_t kMaxObjects = 4096;
constexpr size_t kMaxAttribute = 1024 * 1024;
constexpr size_t kMaxSignatureBytes = 64 * 1024;

// A non-null pointer for zero-length values: some modules reject NULL.
uint8_t kEmpty[1] = {0};

std::string ckr_name(CK_RV rv) {
  switch (rv) {
    case CKR_GENERAL_ERROR:
      return "CKR_GENERAL_ERROR";
    case CKR_HOST_MEMORY:
      return "CKR_HOST_MEMORY";
    case CKR_ARGUMENTS_BAD:
      return "CKR_ARGUMENTS_BAD";
    case CKR_CANT_LOCK:
      return "CKR_CANT_LOCK";
    case CKR_DEVICE_ERROR:
      return "CKR_DEVICE_ERROR";
    case CKR_DEVICE_MEMORY:
      return "CKR_DEVICE_MEMORY";
    case CKR_DEVICE_REMOVED:
      return "CKR_DEVICE_REMOVED";
    case CKR_FUNCTION_FAILED:
      return "CKR_FUNCTION_FAILED";
    case CKR_FUNCTION_NOT_SUPPORTED:
      return "CKR_FUNCTION_NOT_SUPPORTED";
    case CKR_KEY_HANDLE_INVALID:
      return "CKR_KEY_HANDLE_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT:
      return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
      return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_MECHANISM_INVALID:
      return "CKR_MECHANISM_INVALID";
    case CKR_OBJECT_HANDLE_INVALID:
      return "CKR_OBJECT_HANDLE_INVALID";
    case CKR_OPERATION_ACTIVE:
      return "CKR_OPERATION_ACTIVE";
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_INVALID:
      return "CKR_PIN_INVALID";
    case CKR_PIN_LEN_RANGE:
      return "CKR_PIN_LEN_RANGE";
    case CKR_PIN_EXPIRED:
      return "CKR_PIN_EXPIRED";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    case CKR_SESSION_CLOSED:
      return "CKR_SESSION_CLOSED";
    case CKR_SESSION_HANDLE_INVALID:
      return "CKR_SESSION_HANDLE_INVALID";
    case CKR_SLOT_ID_INVALID:
      return "CKR_SLOT_ID_INVALID";
    case CKR_TOKEN_NOT_PRESENT:
      return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_NOT_RECOGNIZED:
      return "CKR_TOKEN_NOT_RECOGNIZED";
    case CKR_USER_NOT_LOGGED_IN:
      return "CKR_USER_NOT_LOGGED_IN";
    case CKR_USER_PIN_NOT_INITIALIZED:
      return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_USER_TYPE_INVALID:
      return "CKR_USER_TYPE_INVALID";
    case CKR_BUFFER_TOO_SMALL:
      return "CKR_BUFFER_TOO_SMALL";
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      return "CKR_CRYPTOKI_NOT_INITIALIZED";
    default: {
      char buf[32];
      snprintf(buf, sizeof(buf), "CKR 0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

// Errors that mean the token, or our session with it, is gone.
bool token_gone(CK_RV rv) {
  switch (rv) {
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_SLOT_ID_INVALID:
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      return true;
    default:
      return false;
  }
}

Error ck_error(const std::string& what, CK_RV rv) {
  Errc code = Errc::crypto;
  if (token_gone(rv)) {
    code = Errc::not_found;
  } else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
    code = Errc::pin_invalid;
  } else if (rv == CKR_PIN_LOCKED) {
    code = Errc::pin_blocked;
  } else if (rv == CKR_USER_NOT_LOGGED_IN) {
    code = Errc::pin_required;
  }
  return make_error(code, what + ": " + ckr_name(rv));
}

// A fixed-size, blank-padded PKCS#11 text field (token labels) as printable text.
std::string text_field(const unsigned char* p, size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

std::string text_of(ByteView v) { return text_field(v.data(), std::min<size_t>(v.size(), 256)); }

bool key_type_matches(CK_KEY_TYPE kt, KeyType t) {
  switch (t) {
    case KeyType::rsa:
      return kt == CKK_RSA;
    case KeyType::ed25519:
      return kt == CKK_EC_EDWARDS || kt == CKK_EC;
    default:
      return kt == CKK_EC;
  }
}

}  // namespace

struct Module::Impl {
  struct Slot {
    CK_SLOT_ID id = 0;
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    std::string label;
    bool logged_in = false;  // private objects visible
    bool did_login = false;  // we logged in (so a public session means the login was lost)
    bool mechs_known = false;
    std::vector<CK_MECHANISM_TYPE> mechs;
    bool has_keys = false;
  };
  struct Key {
    PublicKey key;
    Bytes blob;
    Bytes id;
    size_t slot = 0;
    CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
    bool always_auth = false;
  };
  struct Plan {
    CK_MECHANISM_TYPE mech = 0;
    bool prehash = false;  // the module gets the digest (RSA: as DigestInfo)
  };

  void* dl = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  bool initialized = false;
  std::vector<Slot> slots;
  std::vector<Key> keys;
  // Only kept when a key needs a PIN for every signature (CKA_ALWAYS_AUTHENTICATE).
  std::unique_ptr<LockedBuffer> pin;
  size_t pin_len = 0;

  ~Impl() {
    if (initialized) f->C_Finalize(nullptr);
    // No dlclose: some modules do not survive being unloaded; we exit soon after.
  }

  Result<Bytes> attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a = {type, nullptr, 0};
    CK_RV rv = f->C_GetAttributeValue(h, o, &a, 1);
    if (rv != CKR_OK) return ck_error("C_GetAttributeValue", rv);
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > kMaxAttribute) {
      return make_error(Errc::unsupported, "attribute unavailable or too large");
    }
    Bytes v(a.ulValueLen);
    if (v.empty()) return v;
    a.pValue = v.data();
    rv = f->C_GetAttributeValue(h, o, &a, 1);
    if (rv != CKR_OK) return ck_error("C_GetAttributeValue", rv);
    if (a.ulValueLen > v.size()) return make_error(Errc::malformed, "attribute grew between calls");
    v.resize(a.ulValueLen);
    return v;
  }

  std::optional<CK_ULONG> ulong_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                          CK_ATTRIBUTE_TYPE type) {
    CK_ULONG v = 0;
    CK_ATTRIBUTE a = {type, &v, sizeof(v)};
    if (f->C_GetAttributeValue(h, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof(v))
      return std::nullopt;
    return v;
  }

  bool bool_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_BBOOL v = CK_FALSE;
    CK_ATTRIBUTE a = {type, &v, sizeof(v)};
    return f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK && a.ulValueLen == sizeof(v) &&
           v == CK_TRUE;
  }

  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, CK_ATTRIBUTE* tmpl, CK_ULONG n) {
    std::vector<CK_OBJECT_HANDLE> out;
    if (f->C_FindObjectsInit(h, tmpl, n) != CKR_OK) return out;
    CK_OBJECT_HANDLE buf[64];
    while (out.size() < kMaxObjects) {
      CK_ULONG got = 0;
      if (f->C_FindObjects(h, buf, 64, &got) != CKR_OK || got == 0 || got > 64) break;
      out.insert(out.end(), buf, buf + got);
    }
    f->C_FindObjectsFinal(h);
    if (out.size() > kMaxObjects) out.resize(kMaxObjects);
    return out;
  }

  bool offers(const Slot& s, CK_MECHANISM_TYPE m) const {
    return std::find(s.mechs.begin(), s.mechs.end(), m) != s.mechs.end();
  }

  // How to make `digest_name` signatures with a key on a slot, if at all. A
  // module that cannot list its mechanisms is assumed to offer the raw ones.
  std::optional<Plan> plan(const Slot& s, KeyType t, std::string_view digest_name) const {
    auto have = [&](CK_MECHANISM_TYPE m) { return offers(s, m); };
    auto raw_ok = [&](CK_MECHANISM_TYPE m) { return !s.mechs_known || have(m); };
    switch (t) {
      case KeyType::rsa:
        if (raw_ok(CKM_RSA_PKCS)) return Plan{CKM_RSA_PKCS, true};
        if (digest_name == "sha1" && have(CKM_SHA1_RSA_PKCS)) return Plan{CKM_SHA1_RSA_PKCS, false};
        if (digest_name == "sha256" && have(CKM_SHA256_RSA_PKCS))
          return Plan{CKM_SHA256_RSA_PKCS, false};
        if (digest_name == "sha512" && have(CKM_SHA512_RSA_PKCS))
          return Plan{CKM_SHA512_RSA_PKCS, false};
        return std::nullopt;
      case KeyType::ecdsa_p256:
      case KeyType::ecdsa_p384:
      case KeyType::ecdsa_p521:
        if (raw_ok(CKM_ECDSA)) return Plan{CKM_ECDSA, true};
        if (digest_name == "sha256" && have(CKM_ECDSA_SHA256)) return Plan{CKM_ECDSA_SHA256, false};
        if (digest_name == "sha384" && have(CKM_ECDSA_SHA384)) return Plan{CKM_ECDSA_SHA384, false};
        if (digest_name == "sha512" && have(CKM_ECDSA_SHA512)) return Plan{CKM_ECDSA_SHA512, false};
        return std::nullopt;
      case KeyType::ed25519:
        if (raw_ok(CKM_EDDSA)) return Plan{CKM_EDDSA, false};
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // The private key paired with a public key: same CKA_ID and key type (and,
  // for RSA, the same modulus when the token shows it).
  CK_OBJECT_HANDLE find_private(const Slot& s, const Key& k) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_ID, k.id.empty() ? kEmpty : const_cast<uint8_t*>(k.id.data()), k.id.size()},
    };
    for (CK_OBJECT_HANDLE o : find(s.session, tmpl, 2)) {
      auto kt = ulong_attribute(s.session, o, CKA_KEY_TYPE);
      if (!kt || !key_type_matches(*kt, k.key.type)) continue;
      if (k.key.type == KeyType::rsa) {
        auto m = attribute(s.session, o, CKA_MODULUS);
        if (m && !m->empty() && !equal(strip_zeros(*m), k.key.rsa_n)) continue;
      }
      return o;
    }
    return CK_INVALID_HANDLE;
  }

  void consider(size_t si, const PublicKey& key, ByteView id, const std::string& label,
                LoadReply& out) {
    Key k;
    k.key = key;
    k.blob = key.blob();
    for (const auto& existing : keys) {
      if (equal(existing.blob, k.blob)) return;  // a public-key object and its certificate
    }
    k.id = to_bytes(id);
    k.slot = si;
    Slot& s = slots[si];
    std::string name = "key \"" + label + "\" on token \"" + s.label + "\"";
    std::string_view default_digest =
        key.type == KeyType::rsa ? "sha256" : digest_name_for(key, "");
    if (!plan(s, key.type, default_digest)) {
      out.notes.push_back(name + ": the token offers no mechanism to sign with it; skipped");
      return;
    }
    if (s.logged_in) {
      k.priv = find_private(s, k);
      if (k.priv == CK_INVALID_HANDLE) {
        out.notes.push_back(name + ": no private key with the same CKA_ID; skipped");
        return;
      }
      k.always_auth = bool_attribute(s.session, k.priv, CKA_ALWAYS_AUTHENTICATE);
    }
    keys.push_back(std::move(k));
    s.has_keys = true;
    if (out.keys.size() < kMaxKeys) out.keys.push_back(TokenKey{keys.back().blob, label});
  }

  void discover(size_t si, LoadReply& out) {
    CK_SESSION_HANDLE h = slots[si].session;
    CK_OBJECT_CLASS pub = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE pub_tmpl[] = {{CKA_CLASS, &pub, sizeof(pub)}};
    for (CK_OBJECT_HANDLE o : find(h, pub_tmpl, 1)) {
      auto kt = ulong_attribute(h, o, CKA_KEY_TYPE);
      if (!kt) continue;
      auto id = attribute(h, o, CKA_ID);
      auto lab = attribute(h, o, CKA_LABEL);
      std::string label = lab ? text_of(*lab) : "";
      Result<PublicKey> key = make_error(Errc::unsupported, "unsupported key type");
      if (*kt == CKK_RSA) {
        auto n = attribute(h, o, CKA_MODULUS);
        auto e = attribute(h, o, CKA_PUBLIC_EXPONENT);
        if (n && e) key = rsa_key_from_attributes(*n, *e);
      } else if (*kt == CKK_EC || *kt == CKK_EC_EDWARDS) {
        auto params = attribute(h, o, CKA_EC_PARAMS);
        auto point = attribute(h, o, CKA_EC_POINT);
        if (params && point) key = ec_key_from_attributes(*params, *point);
      }
      if (!key) {
        out.notes.push_back("public key \"" + label + "\" on token \"" + slots[si].label +
                            "\" skipped: " + key.error().message);
        continue;
      }
      consider(si, *key, id ? ByteView(*id) : ByteView(), label, out);
    }
    CK_OBJECT_CLASS cert = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    CK_ATTRIBUTE cert_tmpl[] = {{CKA_CLASS, &cert, sizeof(cert)},
                                {CKA_CERTIFICATE_TYPE, &x509, sizeof(x509)}};
    for (CK_OBJECT_HANDLE o : find(h, cert_tmpl, 2)) {
      auto value = attribute(h, o, CKA_VALUE);
      if (!value) continue;
      auto id = attribute(h, o, CKA_ID);
      auto lab = attribute(h, o, CKA_LABEL);
      std::string subject;
      auto key = key_from_x509(*value, &subject);
      std::string label = lab && !lab->empty() ? text_of(*lab) : subject.substr(0, 256);
      if (!key) {
        out.notes.push_back("certificate \"" + label + "\" on token \"" + slots[si].label +
                            "\" skipped: " + key.error().message);
        continue;
      }
      consider(si, *key, id ? ByteView(*id) : ByteView(), label, out);
    }
  }
};

Result<std::unique_ptr<Module>> Module::open(const std::string& path) {
  // Before anything of the library runs (constructors included), the file
  // must be a PKCS#11 module; the file checked is the file loaded.
  auto dl = dlopen_exporting(path, {"C_GetFunctionList"}, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    if (dl.error().code != Errc::denied) return dl.error();
    return make_error(Errc::denied, dl.error().message + ": not a PKCS#11 module");
  }
  std::unique_ptr<Module> m(new Module());
  m->impl_ = std::make_unique<Impl>();
  Impl& i = *m->impl_;
  i.dl = *dl;
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(i.dl, "C_GetFunctionList"));
  if (get_list == nullptr) {
    return make_error(Errc::denied,
                      path + " does not export C_GetFunctionList: not a PKCS#11 module");
  }
  CK_RV rv = get_list(&i.f);
  if (rv != CKR_OK || i.f == nullptr)
    return ck_error("C_GetFunctionList", rv == CKR_OK ? CKR_GENERAL_ERROR : rv);
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK;
  rv = i.f->C_Initialize(&args);
  if (rv == CKR_CANT_LOCK) rv = i.f->C_Initialize(nullptr);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return ck_error("C_Initialize", rv);
  i.initialized = true;
  return m;
}

Module::~Module() = default;

Result<LoadReply> Module::login_and_list(ByteView pin) {
  Impl& i = *impl_;
  if (!i.slots.empty()) return make_error(Errc::exists, "tokens already loaded");
  CK_ULONG n = 0;
  CK_RV rv = i.f->C_GetSlotList(CK_TRUE, nullptr, &n);
  if (rv != CKR_OK) return ck_error("C_GetSlotList", rv);
  std::vector<CK_SLOT_ID> ids(std::min<CK_ULONG>(n, kMaxSlots));
  n = ids.size();
  if (!ids.empty()) {
    rv = i.f->C_GetSlotList(CK_TRUE, ids.data(), &n);
    if (rv != CKR_OK) return ck_error("C_GetSlotList", rv);
    ids.resize(std::min<size_t>(n, ids.size()));
  }
  LoadReply out;
  std::optional<Error> login_error;
  for (CK_SLOT_ID id : ids) {
    CK_TOKEN_INFO ti;
    rv = i.f->C_GetTokenInfo(id, &ti);
    if (rv != CKR_OK) {
      out.notes.push_back("slot " + std::to_string(id) + ": C_GetTokenInfo: " + ckr_name(rv));
      continue;
    }
    Impl::Slot s;
    s.id = id;
    s.label = text_field(ti.label, sizeof(ti.label));
    if (!(ti.flags & CKF_TOKEN_INITIALIZED)) continue;
    rv = i.f->C_OpenSession(id, CKF_SERIAL_SESSION, nullptr, nullptr, &s.session);
    if (rv != CKR_OK) {
      out.notes.push_back("token \"" + s.label + "\": C_OpenSession: " + ckr_name(rv));
      continue;
    }
    s.logged_in = true;  // tokens without CKF_LOGIN_REQUIRED show everything
    if (ti.flags & CKF_LOGIN_REQUIRED) {
      std::optional<CK_RV> login;
      if (!pin.empty()) {
        login =
            i.f->C_Login(s.session, CKU_USER, const_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size());
      } else if (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
        login = i.f->C_Login(s.session, CKU_USER, nullptr, 0);  // PIN pad
      } else {
        out.notes.push_back("token \"" + s.label + "\": no PIN given; not logged in");
        s.logged_in = false;
      }
      if (login && (*login == CKR_OK || *login == CKR_USER_ALREADY_LOGGED_IN)) s.did_login = true;
      if (login && *login != CKR_OK && *login != CKR_USER_ALREADY_LOGGED_IN) {
        Error e = ck_error("login to token \"" + s.label + "\"", *login);
        out.notes.push_back(e.message);
        if (!login_error) login_error = e;
        i.f->C_CloseSession(s.session);
        continue;
      }
    }
    CK_ULONG nm = 0;
    if (i.f->C_GetMechanismList(id, nullptr, &nm) == CKR_OK && nm > 0 && nm <= kMaxObjects) {
      s.mechs.resize(nm);
      if (i.f->C_GetMechanismList(id, s.mechs.data(), &nm) == CKR_OK && nm <= s.mechs.size()) {
        s.mechs.resize(nm);
        s.mechs_known = true;
      } else {
        s.mechs.clear();
      }
    }
    i.slots.push_back(std::move(s));
    i.discover(i.slots.size() - 1, out);
  }
  if (i.keys.empty()) {
    if (login_error) return *login_error;
    std::string why = "no usable keys on any token";
    for (size_t k = 0; k < out.notes.size() && k < 4; k++)
      why += (k == 0 ? ": " : "; ") + out.notes[k];
    return make_error(Errc::not_found, why.substr(0, kMaxText));
  }
  bool need_pin =
      std::any_of(i.keys.begin(), i.keys.end(), [](const Impl::Key& k) { return k.always_auth; });
  if (need_pin && !pin.empty()) {
    auto buf = LockedBuffer::create(pin.size());
    if (!buf) return buf.error();
    i.pin = std::move(*buf);
    std::copy(pin.begin(), pin.end(), i.pin->data());
    i.pin_len = pin.size();
  }
  if (out.notes.size() > kMaxNotes) out.notes.resize(kMaxNotes);
  return out;
}

Result<Bytes> Module::sign(ByteView key_blob, ByteView data, uint32_t flags) {
  Impl& i = *impl_;
  auto it = std::find_if(i.keys.begin(), i.keys.end(),
                         [&](const Impl::Key& k) { return equal(k.blob, key_blob); });
  if (it == i.keys.end()) return make_error(Errc::malformed, "no such key on this module's tokens");
  Impl::Key& k = *it;
  Impl::Slot& s = i.slots[k.slot];
  std::string alg = signature_algorithm_for(k.key, flags);
  std::string_view dname = digest_name_for(k.key, alg);
  auto plan = i.plan(s, k.key.type, dname);
  if (!plan) return make_error(Errc::unsupported, "the token offers no mechanism for " + alg);
  if (k.priv == CK_INVALID_HANDLE) {
    k.priv = i.find_private(s, k);
    if (k.priv == CK_INVALID_HANDLE) {
      return make_error(Errc::pin_required, "no private key visible for this key (not logged in?)");
    }
    k.always_auth = i.bool_attribute(s.session, k.priv, CKA_ALWAYS_AUTHENTICATE);
  }
  Bytes input;
  if (plan->prehash) {
    auto d = digest(dname, data);
    if (!d) return d.error();
    if (plan->mech == CKM_RSA_PKCS) {
      auto di = rsa_digest_info(dname, *d);
      if (!di) return di.error();
      input = std::move(*di);
    } else {
      input = std::move(*d);
    }
  } else {
    input = to_bytes(data);
  }
  CK_MECHANISM mech = {plan->mech, nullptr, 0};
  CK_RV rv = i.f->C_SignInit(s.session, &mech, k.priv);
  if (rv != CKR_OK) return ck_error("C_SignInit", rv);
  CK_BYTE_PTR in = input.empty() ? kEmpty : input.data();
  Bytes sig(4096);
  CK_ULONG len = sig.size();
  if (k.always_auth) {
    rv = i.pin ? i.f->C_Login(s.session, CKU_CONTEXT_SPECIFIC, i.pin->data(), i.pin_len)
               : CKR_USER_NOT_LOGGED_IN;
    if (rv != CKR_OK) {
      i.f->C_Sign(s.session, in, input.size(), sig.data(), &len);  // ends the operation
      return ck_error("context-specific login", rv);
    }
  }
  rv = i.f->C_Sign(s.session, in, input.size(), sig.data(), &len);
  if (rv == CKR_BUFFER_TOO_SMALL && len > sig.size() && len <= kMaxSignatureBytes) {
    sig.resize(len);
    rv = i.f->C_Sign(s.session, in, input.size(), sig.data(), &len);
  }
  if (rv != CKR_OK) return ck_error("C_Sign", rv);
  if (len > sig.size())
    return make_error(Errc::malformed, "module reported a signature longer than its buffer");
  sig.resize(len);
  return ssh_signature_blob(k.key, alg, sig);
}

bool Module::present() {
  Impl& i = *impl_;
  for (const auto& s : i.slots) {
    if (!s.has_keys) continue;
    CK_SLOT_INFO si;
    CK_RV rv = i.f->C_GetSlotInfo(s.id, &si);
    if (rv != CKR_OK) {
      if (token_gone(rv)) return false;
      continue;
    }
    if (!(si.flags & CKF_TOKEN_PRESENT)) return false;
    CK_SESSION_INFO info;
    rv = i.f->C_GetSessionInfo(s.session, &info);
    if (token_gone(rv)) return false;
    if (rv == CKR_OK && s.did_login &&
        (info.state == CKS_RO_PUBLIC_SESSION || info.state == CKS_RW_PUBLIC_SESSION)) {
      return false;  // the login is gone: the token was replaced or reset
    }
  }
  // Some modules keep slot and session alive when the token's store goes
  // away (SoftHSM2 after --delete-token); its objects do not survive that.
  std::vector<bool> probed(i.slots.size(), false);
  for (const auto& k : i.keys) {
    if (k.priv == CK_INVALID_HANDLE || probed[k.slot]) continue;
    probed[k.slot] = true;
    CK_OBJECT_CLASS cls = 0;
    CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof(cls)};
    if (token_gone(i.f->C_GetAttributeValue(i.slots[k.slot].session, k.priv, &a, 1))) return false;
  }
  return true;
}

}  // namespace skagent::pkcs11
