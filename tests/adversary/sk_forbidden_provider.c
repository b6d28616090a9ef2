// SPDX-License-Identifier: BSD-2-Clause
/* A SecurityKeyProvider (sk-api 0x000a0000) for adversarial.sh: its sk_sign makes a system
 * call the sk-helper's sandbox forbids (socket(AF_INET)). Under the sandbox the helper is
 * killed at that call; without it the call returns and sk_sign reports a failure. Either way
 * the agent must answer FAILURE and keep serving; the test tells the two apart by the lines
 * written to stderr (shared with the agent) before and after the call. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void say(const char* line) {
  if (write(2, line, strlen(line)) < 0) {
  }
}

uint32_t sk_api_version(void) { return 0x000a0000; }

int sk_enroll(void) { return -1; }
int sk_load_resident_keys(void) { return -1; }

int sk_sign(uint32_t alg, const uint8_t* data, size_t data_len, const char* application,
            const uint8_t* key_handle, size_t key_handle_len, uint8_t flags, const char* pin,
            void* options, void** sign_response) {
  (void)alg, (void)data, (void)data_len, (void)application, (void)key_handle;
  (void)key_handle_len, (void)flags, (void)pin, (void)options, (void)sign_response;
  /* Landlock: creating a file outside /dev must be refused. */
  char line[256];
  int fd = open("/tmp/skagent-sk-forbidden-probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  snprintf(line, sizeof(line), "sk-forbidden: create /tmp file: %s\n", fd >= 0 ? "allowed" : strerror(errno));
  if (fd >= 0) {
    close(fd);
    unlink("/tmp/skagent-sk-forbidden-probe");
  }
  say(line);
  say("sk-forbidden: before socket(AF_INET)\n");
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s >= 0) close(s);
  say("sk-forbidden: socket(AF_INET) returned\n");
  return -1;
}
