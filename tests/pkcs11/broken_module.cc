// SPDX-License-Identifier: BSD-2-Clause
// A deliberately broken PKCS#11 module for the tests: it is SoftHSM2 in every
// respect but one call, which crashes (BROKEN_MODE "crash": SIGSEGV), never
// returns (BROKEN_MODE "hang"), or tries what an intruder in the PKCS#11 helper
// would (BROKEN_MODE "hostile": tests/adversary/intruder.h, the attack named in
// the file $SKAGENT_TEST_HOSTILE; "none" lets the call through). Built by the
// Makefile as skagent-test-pkcs11-crash.so, -hang.so and -hostile.so.
//
//   SKAGENT_TEST_BROKEN_CALL      which call breaks: "sign" (C_Sign, the default),
//                                 "login" (C_Login) or "initialize" (C_Initialize);
//                                 "login-pin-locked": C_Login answers CKR_PIN_LOCKED,
//                                 as a card whose PIN is blocked (SoftHSM2 never blocks)
//   SKAGENT_TEST_NO_EDDSA         when set, C_GetMechanismList leaves out CKM_EDDSA, as
//                                 modules without Ed25519 support do
//   SKAGENT_TEST_WRAPPED_MODULE   the real module (default: Debian's libsofthsm2.so)
//   SKAGENT_TEST_BROKEN_SOFTHSM2_CONF  when set, the SOFTHSM2_CONF the wrapped SoftHSM2
//                                      uses, so a test can give the broken module tokens
//                                      of its own
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#define INTRUDER_TAG "p11-hostile"
#include "../adversary/intruder.h"

#ifndef BROKEN_MODE
#define BROKEN_MODE "crash"
#endif

namespace {

CK_FUNCTION_LIST g_list;
CK_FUNCTION_LIST_PTR g_real = nullptr;

bool breaks(const char* call) {
  const char* which = getenv("SKAGENT_TEST_BROKEN_CALL");
  return strcmp(which != nullptr ? which : "sign", call) == 0;
}

// Whether the breaking call fails (returns CKR_GENERAL_ERROR) rather than go on to the real
// module; the crashing and hanging modules never return.
bool break_the_call() {
  if (strcmp(BROKEN_MODE, "hostile") == 0) return intruder_act() != 0;
  if (strcmp(BROKEN_MODE, "hang") == 0) {
    // sleep, not pause: the helper's filter allows only the usual waiting calls.
    for (;;) sleep(3600);
  }
  raise(SIGSEGV);
  abort();
}

CK_RV broken_initialize(CK_VOID_PTR args) {
  if (breaks("initialize") && break_the_call()) return CKR_GENERAL_ERROR;
  if (const char* conf = getenv("SKAGENT_TEST_BROKEN_SOFTHSM2_CONF"))
    setenv("SOFTHSM2_CONF", conf, 1);
  return g_real->C_Initialize(args);
}

CK_RV broken_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
                   CK_ULONG pin_len) {
  if (breaks("login") && break_the_call()) return CKR_GENERAL_ERROR;
  if (breaks("login-pin-locked")) return CKR_PIN_LOCKED;
  return g_real->C_Login(session, user, pin, pin_len);
}

CK_RV broken_sign(CK_SESSION_HANDLE session, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR sig,
                  CK_ULONG_PTR sig_len) {
  if (breaks("sign") && break_the_call()) return CKR_GENERAL_ERROR;
  return g_real->C_Sign(session, in, in_len, sig, sig_len);
}

CK_RV mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  CK_RV rv = g_real->C_GetMechanismList(slot, list, count);
  if (rv != CKR_OK || list == nullptr || getenv("SKAGENT_TEST_NO_EDDSA") == nullptr) return rv;
  CK_ULONG kept = 0;
  for (CK_ULONG i = 0; i < *count; i++) {
    if (list[i] != CKM_EDDSA) list[kept++] = list[i];
  }
  *count = kept;
  return CKR_OK;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR out) {
  if (out == nullptr) return CKR_ARGUMENTS_BAD;
  if (g_real == nullptr) {
    const char* path = getenv("SKAGENT_TEST_WRAPPED_MODULE");
    if (path == nullptr) path = "/usr/lib/softhsm/libsofthsm2.so";
    void* dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == nullptr) return CKR_GENERAL_ERROR;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(dl, "C_GetFunctionList"));
    if (get == nullptr || get(&g_real) != CKR_OK || g_real == nullptr) return CKR_GENERAL_ERROR;
    g_list = *g_real;
    g_list.C_Initialize = broken_initialize;
    g_list.C_Login = broken_login;
    g_list.C_Sign = broken_sign;
    g_list.C_GetMechanismList = mechanism_list;
  }
  *out = &g_list;
  return CKR_OK;
}
