// SPDX-License-Identifier: BSD-2-Clause
/* A hostile SecurityKeyProvider (sk-api 0x000a0000) for helper_sandbox.sh: its sk_sign tries what
 * an intruder inside skagent-sk-helper would (intruder.h: the attack is named in the file
 * $SKAGENT_TEST_HOSTILE), then fails. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>

#define INTRUDER_TAG "sk-forbidden"
#include "intruder.h"

uint32_t sk_api_version(void) { return 0x000a0000; }

int sk_enroll(void) { return -1; }
int sk_load_resident_keys(void) { return -1; }

int sk_sign(uint32_t alg, const uint8_t* data, size_t data_len, const char* application,
            const uint8_t* key_handle, size_t key_handle_len, uint8_t flags, const char* pin,
            void* options, void** sign_response) {
  (void)alg, (void)data, (void)data_len, (void)application, (void)key_handle;
  (void)key_handle_len, (void)flags, (void)pin, (void)options, (void)sign_response;
  intruder_act();
  return -1;
}
