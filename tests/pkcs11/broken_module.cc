// A deliberately broken PKCS#11 module for the tests: it is SoftHSM2 in every
// respect but C_Sign, which crashes (BROKEN_MODE "crash": SIGSEGV) or never
// returns (BROKEN_MODE "hang"). Built twice by the Makefile as
// skagent-test-pkcs11-crash.so and skagent-test-pkcs11-hang.so.
//
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

#ifndef BROKEN_MODE
#define BROKEN_MODE "crash"
#endif

namespace {

CK_FUNCTION_LIST g_list;
CK_FUNCTION_LIST_PTR g_real = nullptr;

CK_RV broken_initialize(CK_VOID_PTR args) {
  if (const char* conf = getenv("SKAGENT_TEST_BROKEN_SOFTHSM2_CONF")) setenv("SOFTHSM2_CONF", conf, 1);
  return g_real->C_Initialize(args);
}

CK_RV broken_sign(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  if (strcmp(BROKEN_MODE, "hang") == 0) {
    for (;;) pause();
  }
  raise(SIGSEGV);
  abort();
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out) {
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
    g_list.C_Sign = broken_sign;
  }
  *out = &g_list;
  return CKR_OK;
}
