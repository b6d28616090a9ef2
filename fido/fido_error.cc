// SPDX-License-Identifier: BSD-2-Clause
#include "fido/fido_error.h"

#include <string>

namespace skagent::fido {

namespace {

struct Meaning {
  Errc code;
  const char* text;
};

Meaning meaning(int rc) {
  switch (rc) {
    case FIDO_ERR_PIN_REQUIRED:
      return {Errc::pin_required, "the security key needs its PIN"};
    case FIDO_ERR_PIN_INVALID:
      return {Errc::pin_invalid, "wrong PIN"};
    case FIDO_ERR_PIN_AUTH_BLOCKED:
      return {Errc::pin_blocked,
              "three wrong PINs in a row: remove and reinsert the security key, then try again"};
    case FIDO_ERR_PIN_BLOCKED:
      return {Errc::pin_blocked,
              "PIN blocked after too many wrong tries: the security key must be reset, which "
              "deletes every credential on it"};
    case FIDO_ERR_PIN_NOT_SET:
      return {Errc::denied,
              "the security key has no PIN yet: set one first (for example with "
              "fido2-token -S), or leave the PIN out"};
    case FIDO_ERR_PIN_POLICY_VIOLATION:
      return {Errc::pin_invalid,
              "the PIN does not meet the security key's rules (too short or too long)"};
    case FIDO_ERR_PIN_AUTH_INVALID:
    case FIDO_ERR_PIN_TOKEN_EXPIRED:
      return {Errc::pin_invalid,
              "the security key did not accept the PIN authentication: try again"};
    case FIDO_ERR_UV_BLOCKED:
      return {Errc::pin_blocked, "built-in user verification is blocked: use the PIN instead"};
    case FIDO_ERR_UV_INVALID:
      return {Errc::denied, "built-in user verification failed: try again or use the PIN"};
    case FIDO_ERR_USER_ACTION_TIMEOUT:
    case FIDO_ERR_ACTION_TIMEOUT:
      return {Errc::timeout,
              "the security key was not touched in time: try again and touch it when it blinks"};
    case FIDO_ERR_KEEPALIVE_CANCEL:
      return {Errc::timeout, "the request was cancelled before the security key was touched"};
    case FIDO_ERR_OPERATION_DENIED:
      return {Errc::denied,
              "the security key refused (touch declined or user verification failed)"};
    case FIDO_ERR_CREDENTIAL_EXCLUDED:
      return {Errc::exists, "the security key already holds this credential"};
    case FIDO_ERR_NO_CREDENTIALS:
      return {Errc::not_found,
              "the security key does not hold this key (another token, or the key was deleted "
              "or the token reset)"};
    case FIDO_ERR_KEY_STORE_FULL:
      return {Errc::limit,
              "the security key has no room for another resident key: delete one first"};
    case FIDO_ERR_UNSUPPORTED_ALGORITHM:
      return {Errc::unsupported, "the security key does not support this key type"};
    case FIDO_ERR_UNSUPPORTED_OPTION:
    case FIDO_ERR_INVALID_OPTION:
      return {Errc::unsupported,
              "the security key does not support an option this key needs (resident key, user "
              "verification or credential protection)"};
    case FIDO_ERR_UNSUPPORTED_EXTENSION:
      return {Errc::unsupported, "the security key does not support a needed extension"};
    case FIDO_ERR_INVALID_COMMAND:
      return {Errc::unsupported, "the security key does not know this command (too old a model?)"};
    case FIDO_ERR_UP_REQUIRED:
    case FIDO_ERR_USER_PRESENCE_REQUIRED:
      return {Errc::denied, "the security key needs a touch for this"};
    case FIDO_ERR_CHANNEL_BUSY:
    case FIDO_ERR_PROCESSING:
    case FIDO_ERR_USER_ACTION_PENDING:
    case FIDO_ERR_OPERATION_PENDING:
      return {Errc::io, "the security key is busy with another request: try again"};
    case FIDO_ERR_TX:
    case FIDO_ERR_RX:
      return {Errc::io, "lost contact with the security key (unplugged, or taken off the reader?)"};
    case FIDO_ERR_RX_NOT_CBOR:
    case FIDO_ERR_RX_INVALID_CBOR:
    case FIDO_ERR_INVALID_CBOR:
    case FIDO_ERR_CBOR_UNEXPECTED_TYPE:
    case FIDO_ERR_INVALID_LENGTH:
      return {Errc::malformed, "the security key sent an answer that does not parse"};
    case FIDO_ERR_INVALID_SIG:
      return {Errc::crypto, "the security key's answer has a signature that does not verify"};
    case FIDO_ERR_INVALID_CREDENTIAL:
      return {Errc::malformed, "the security key rejected the key handle as invalid"};
    case FIDO_ERR_INVALID_PARAM:
    case FIDO_ERR_INVALID_ARGUMENT:
    case FIDO_ERR_INVALID_PARAMETER:
    case FIDO_ERR_MISSING_PARAMETER:
      return {Errc::malformed, "the request was refused as malformed"};
    case FIDO_ERR_LIMIT_EXCEEDED:
    case FIDO_ERR_REQUEST_TOO_LARGE:
      return {Errc::limit, "the request is too large for the security key"};
    case FIDO_ERR_NOTFOUND:
      return {Errc::not_found, "no such security key"};
    default:
      return {Errc::internal, "the security key failed"};
  }
}

std::string compose(std::string_view what, const char* text, int rc) {
  std::string m(what);
  if (!m.empty()) m += ": ";
  m += text;
  m += " (libfido2: ";
  m += fido_strerr(rc);
  m += ")";
  return m;
}

}  // namespace

Error fido_error(int rc, std::string_view what) {
  Meaning mn = meaning(rc);
  return make_error(mn.code, compose(what, mn.text, rc));
}

Error fido_error(int rc, std::string_view what, fido_dev_t* dev) {
  if ((rc != FIDO_ERR_PIN_INVALID && rc != FIDO_ERR_PIN_AUTH_BLOCKED) || dev == nullptr)
    return fido_error(rc, what);
  int retries = -1;
  if (fido_dev_get_retry_count(dev, &retries) != FIDO_OK || retries < 0)
    return fido_error(rc, what);
  if (rc == FIDO_ERR_PIN_AUTH_BLOCKED) {
    // The third wrong PIN in a row: say how many the PIN itself has left.
    std::string text = std::string(meaning(rc).text) + " (" + std::to_string(retries) +
                       (retries == 1 ? " try" : " tries") + " left before the PIN is blocked)";
    Error e = make_error(Errc::pin_blocked, compose(what, text.c_str(), rc));
    e.pin_retries = retries;
    return e;
  }
  std::string text = "wrong PIN: " + std::to_string(retries) + (retries == 1 ? " try" : " tries") +
                     " left before the PIN is blocked";
  if (retries == 0) return fido_error(FIDO_ERR_PIN_BLOCKED, what);
  Error e = make_error(Errc::pin_invalid, compose(what, text.c_str(), rc));
  e.pin_retries = retries;
  return e;
}

Error no_device_error(std::string_view what) {
  std::string m(what);
  if (!m.empty()) m += ": ";
  m += "no FIDO2 security key found: plug one in (or hold it to the reader) and try again";
  return make_error(Errc::not_found, m);
}

}  // namespace skagent::fido
