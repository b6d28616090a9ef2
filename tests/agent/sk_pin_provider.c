// SPDX-License-Identifier: BSD-2-Clause
/* A SecurityKeyProvider (sk-api 0x000a0000) for the PIN tests: OpenSSH's sk-dummy (whose
 * keys and signatures are real, but which ignores PINs) behind a PIN check, like a token
 * with a PIN set.
 *
 *   - sk_sign with the user-verification flag (0x04) needs the PIN $SK_PIN_TEST_PIN (default
 *     "1234"; or the first line of the file $SK_PIN_TEST_PIN_FILE, so a test can use a PIN
 *     its own process never holds): none gives -3 (PIN required), a wrong one -3 too (as OpenSSH's sk-usbhid maps
 *     FIDO_ERR_PIN_INVALID) and costs one of 8 tries; with no tries left every call fails.
 *   - While the file named by $SK_PIN_TEST_UNPLUGGED exists, every call answers -4 (device
 *     not found), as when the token was pulled out.
 *   - $SK_PIN_TEST_DELAY_MS makes every sk_sign wait that long first, as a token waits for
 *     its touch.
 *   - With $SK_PIN_TEST_TOKEN_SOCKET set, every sk_sign first makes a UNIX socket, as a
 *     library that reaches its token through a daemon (pcscd) does, and answers -4 (device not
 *     found) when it cannot: in a token-free spare helper (skagent-sk-helper --no-token).
 *   - sk_enroll passes through, so ssh-keygen -O verify-required makes keys with it.
 *   - While the file named by $SK_PIN_TEST_LIE exists, a successful sk_sign lies in its
 *     answer, by the file's first byte: 's' flips a bit of the signature, 'c' changes the
 *     counter, 'f' changes a flag other than user presence, 'r' puts a leading zero byte
 *     before an ECDSA r (a valid encoding: the signature still verifies). The agent must
 *     check what it is given.
 * Every sk_sign writes one line to stderr (the agent's, through skagent-sk-helper):
 *   "sk-pin-test: sign pin=none|right|wrong result=N"
 * so a test can count how often a PIN reached the token. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fido/sk_abi.h"

#ifndef SK_DUMMY_PATH
#define SK_DUMMY_PATH "/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so"
#endif

typedef int (*sign_fn)(uint32_t, const uint8_t*, size_t, const char*, const uint8_t*, size_t,
                       uint8_t, const char*, void*, void**);
typedef int (*enroll_fn)(uint32_t, const uint8_t*, size_t, const char*, uint8_t, const char*, void*,
                         void**);

static sign_fn dummy_sign;
static enroll_fn dummy_enroll;
static int tries_left = 8;

/* The PIN the token wants: $SK_PIN_TEST_PIN_FILE's first line (read at load time, before
 * skagent-sk-helper's sandbox), $SK_PIN_TEST_PIN, or "1234". */
static char pin_from_file[128];

static void read_pin_file(void) {
  const char* file = getenv("SK_PIN_TEST_PIN_FILE");
  FILE* f = file != NULL && *file != 0 ? fopen(file, "r") : NULL;
  if (f == NULL) return;
  if (fgets(pin_from_file, sizeof(pin_from_file), f) == NULL) pin_from_file[0] = 0;
  fclose(f);
  pin_from_file[strcspn(pin_from_file, "\r\n")] = 0;
}

/* Loaded with the provider, before skagent-sk-helper installs its sandbox. */
__attribute__((constructor)) static void load_dummy(void) {
  const char* path = getenv("SK_PIN_TEST_DUMMY");
  void* dl = dlopen(path != NULL && *path != 0 ? path : SK_DUMMY_PATH, RTLD_NOW | RTLD_LOCAL);
  read_pin_file();
  if (dl == NULL) return;
  dummy_sign = (sign_fn)dlsym(dl, "sk_sign");
  dummy_enroll = (enroll_fn)dlsym(dl, "sk_enroll");
}

static void lie(struct sk_sign_response* r) {
  const char* f = getenv("SK_PIN_TEST_LIE");
  FILE* fp = f != NULL && *f != 0 ? fopen(f, "r") : NULL;
  if (fp == NULL) return;
  int how = fgetc(fp);
  fclose(fp);
  if (how == 's' && r->sig_r_len > 0) r->sig_r[r->sig_r_len - 1] ^= 0x01;
  if (how == 'c') r->counter += 1;
  if (how == 'f') r->flags ^= SSH_SK_FORCE_OPERATION;
  if (how == 'r' && r->sig_s != NULL) {
    uint8_t* padded = malloc(r->sig_r_len + 1);
    if (padded == NULL) return;
    padded[0] = 0;
    memcpy(padded + 1, r->sig_r, r->sig_r_len);
    free(r->sig_r);
    r->sig_r = padded;
    r->sig_r_len++;
  }
}

static void say(const char* what, int rc) {
  char line[128];
  int n = snprintf(line, sizeof(line), "sk-pin-test: sign pin=%s result=%d\n", what, rc);
  if (n > 0 && write(2, line, (size_t)n) < 0) {}
}

static int unplugged(void) {
  const char* f = getenv("SK_PIN_TEST_UNPLUGGED");
  return f != NULL && *f != 0 && access(f, F_OK) == 0;
}

static int token_reachable(void) {
  const char* want = getenv("SK_PIN_TEST_TOKEN_SOCKET");
  if (want == NULL || *want == 0) return 1;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  close(fd);
  return 1;
}

static const char* wanted_pin(void) {
  const char* env = getenv("SK_PIN_TEST_PIN");
  if (pin_from_file[0] != 0) return pin_from_file;
  return env != NULL && *env != 0 ? env : "1234";
}

uint32_t sk_api_version(void) { return SSH_SK_VERSION_MAJOR; }

int sk_enroll(uint32_t alg, const uint8_t* challenge, size_t challenge_len, const char* application,
              uint8_t flags, const char* pin, void* options, void** enroll_response) {
  if (dummy_enroll == NULL || unplugged()) return SSH_SK_ERR_DEVICE_NOT_FOUND;
  return dummy_enroll(alg, challenge, challenge_len, application, flags, pin, options,
                      enroll_response);
}

int sk_sign(uint32_t alg, const uint8_t* data, size_t data_len, const char* application,
            const uint8_t* key_handle, size_t key_handle_len, uint8_t flags, const char* pin,
            void* options, void** sign_response) {
  const char* want = wanted_pin();
  const char* what = pin == NULL ? "none" : "right";
  int rc;
  const char* delay = getenv("SK_PIN_TEST_DELAY_MS");
  if (delay != NULL && atoi(delay) > 0) {
    struct timespec ts = {atoi(delay) / 1000, (long)(atoi(delay) % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (dummy_sign == NULL || unplugged() || !token_reachable()) {
    rc = SSH_SK_ERR_DEVICE_NOT_FOUND;
  } else if ((flags & SSH_SK_USER_VERIFICATION_REQD) != 0 && pin == NULL) {
    rc = SSH_SK_ERR_PIN_REQUIRED;
  } else if ((flags & SSH_SK_USER_VERIFICATION_REQD) != 0 &&
             (tries_left <= 0 || strcmp(pin, want) != 0)) {
    what = tries_left <= 0 ? "blocked" : "wrong";
    if (tries_left > 0) tries_left--;
    rc = SSH_SK_ERR_PIN_REQUIRED;
  } else {
    if ((flags & SSH_SK_USER_VERIFICATION_REQD) != 0) tries_left = 8;
    rc = dummy_sign(alg, data, data_len, application, key_handle, key_handle_len, flags, pin,
                    options, sign_response);
    if (rc == 0) lie((struct sk_sign_response*)*sign_response);
  }
  say(what, rc);
  return rc;
}

int sk_load_resident_keys(const char* pin, void* options, void*** rks, size_t* nrks) {
  (void)pin, (void)options, (void)rks, (void)nrks;
  return SSH_SK_ERR_UNSUPPORTED;
}
