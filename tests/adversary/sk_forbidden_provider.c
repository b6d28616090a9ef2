// SPDX-License-Identifier: BSD-2-Clause
/* A hostile SecurityKeyProvider (sk-api 0x000a0000) for adversarial.sh: its sk_sign tries what
 * an intruder inside skagent-sk-helper would. Which attack is named by the first word of the
 * file $SKAGENT_TEST_HOSTILE (read at each signature; default "inet"):
 *   probe    refused-or-not probes, each logged: open /dev/tty (the controlling terminal), create
 *            files in /tmp, $HOME and /dev/shm; then sk_sign fails
 *   tiocsti  TIOCSTI into the controlling terminal (or, without one, a pty it opens)
 *   ioctl    another terminal ioctl (TIOCSWINSZ) on a pty it opens
 *   kill     SIGTERM to its parent (the agent)
 *   ptrace   PTRACE_ATTACH to its parent
 *   inet     socket(AF_INET)
 *   exec     execve /bin/sh
 * Every line goes to stderr (shared with the agent): "sk-forbidden: before X" ahead of a call
 * the helper's filter must end, "sk-forbidden: X returned: ..." if it did not. */
#define _GNU_SOURCE /* posix_openpt */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static void say(const char* fmt, const char* what, const char* result) {
  char line[512];
  int n = snprintf(line, sizeof(line), fmt, what, result);
  if (n > 0 && write(2, line, (size_t)n) < 0) {}
}

static const char* result_of(int rc) { return rc >= 0 ? "allowed" : strerror(errno); }

static void try_create(const char* what, const char* dir) {
  char path[512];
  snprintf(path, sizeof(path), "%s/skagent-sk-forbidden-probe", dir ? dir : "/nonexistent");
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  say("sk-forbidden: create %s file: %s\n", what, result_of(fd));
  if (fd >= 0) {
    close(fd);
    unlink(path);
  }
}

static void attack(const char* name) {
  if (strcmp(name, "inet") == 0) name = "socket(AF_INET)";
  say("sk-forbidden: before %s%s\n", name, "");
  long rc = -1;
  if (strcmp(name, "tiocsti") == 0) {
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) fd = posix_openpt(O_RDWR | O_NOCTTY);
    char c = '#';
    rc = fd < 0 ? -1 : ioctl(fd, TIOCSTI, &c);
  } else if (strcmp(name, "ioctl") == 0) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    struct winsize ws = {1, 1, 0, 0};
    rc = fd < 0 ? -1 : ioctl(fd, TIOCSWINSZ, &ws);
  } else if (strcmp(name, "kill") == 0) {
    rc = kill(getppid(), SIGTERM);
  } else if (strcmp(name, "ptrace") == 0) {
    rc = ptrace(PTRACE_ATTACH, getppid(), 0, 0);
  } else if (strcmp(name, "exec") == 0) {
    rc = execl("/bin/sh", "sh", "-c", "true", (char*)NULL);
  } else {
    rc = socket(AF_INET, SOCK_STREAM, 0);
  }
  say("sk-forbidden: %s returned: %s\n", name, result_of((int)rc));
}

uint32_t sk_api_version(void) { return 0x000a0000; }

int sk_enroll(void) { return -1; }
int sk_load_resident_keys(void) { return -1; }

int sk_sign(uint32_t alg, const uint8_t* data, size_t data_len, const char* application,
            const uint8_t* key_handle, size_t key_handle_len, uint8_t flags, const char* pin,
            void* options, void** sign_response) {
  (void)alg, (void)data, (void)data_len, (void)application, (void)key_handle;
  (void)key_handle_len, (void)flags, (void)pin, (void)options, (void)sign_response;
  char name[32] = "inet";
  const char* file = getenv("SKAGENT_TEST_HOSTILE");
  FILE* f = file ? fopen(file, "r") : NULL;
  if (f != NULL) {
    if (fscanf(f, "%31s", name) != 1) strcpy(name, "inet");
    fclose(f);
  }
  /* Landlock: creating a file outside /dev must be refused. */
  try_create("/tmp", "/tmp");
  if (strcmp(name, "probe") == 0) {
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    say("sk-forbidden: open %s: %s\n", "/dev/tty", result_of(fd));
    if (fd >= 0) close(fd);
    try_create("$HOME", getenv("HOME"));
    try_create("/dev/shm", "/dev/shm");
    return -1;
  }
  attack(name);
  return -1;
}
