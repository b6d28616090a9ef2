// SPDX-License-Identifier: BSD-2-Clause
/* What an intruder inside a helper tries, for the hostile test libraries: the sk provider
 * skagent-test-sk-forbidden.so (sk_forbidden_provider.c) and the PKCS#11 module
 * skagent-test-pkcs11-hostile.so (tests/pkcs11/broken_module.cc). C, included by both (one copy).
 * The attack is named by the first word of the file $SKAGENT_TEST_HOSTILE (read at each call;
 * default "inet"); a second word, when given, is the agent's terminal (its /dev/pts path).
 *   probe    refused-or-not probes, each logged: open /dev/tty (the controlling terminal), open
 *            the agent's terminal by its path and /dev/ptmx for writing, open /dev/full for
 *            writing, create files in /tmp, $HOME and /dev/shm; then the call fails
 *   tiocsti  TIOCSTI on an inherited terminal (else /dev/tty, else stderr: the filter looks at
 *            the request, not at what the descriptor is)
 *   ioctl    another terminal ioctl (TIOCSWINSZ), the same way
 *   kill     SIGTERM to its parent;  tgkill / tkill  the same through tgkill(2) / tkill(2)
 *   ptrace   PTRACE_ATTACH to its parent
 *   inet     socket(AF_INET)
 *   exec     execve /bin/sh
 * Every line goes to stderr (shared with the agent), prefixed by INTRUDER_TAG: "TAG: before X"
 * ahead of a call the helper's filter must end, "TAG: X returned: ..." if it did not. */
#ifndef SKAGENT_TESTS_ADVERSARY_INTRUDER_H
#define SKAGENT_TESTS_ADVERSARY_INTRUDER_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#ifndef INTRUDER_TAG
#error "define INTRUDER_TAG before including intruder.h"
#endif

static void intruder_say(const char* fmt, const char* what, const char* result) {
  char line[600];
  int n = snprintf(line, sizeof(line), fmt, what, result);
  if (n > 0 && write(2, line, (size_t)n) < 0) {}
}

static const char* intruder_result(long rc) { return rc >= 0 ? "allowed" : strerror(errno); }

static void intruder_try_create(const char* what, const char* dir) {
  char path[512];
  snprintf(path, sizeof(path), "%s/skagent-intruder-probe", dir ? dir : "/nonexistent");
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  intruder_say(INTRUDER_TAG ": create %s file: %s\n", what, intruder_result(fd));
  if (fd >= 0) {
    close(fd);
    unlink(path);
  }
}

static void intruder_try_open(const char* what, const char* path, int flags) {
  int fd = path != NULL ? open(path, flags | O_NOCTTY | O_CLOEXEC) : -1;
  if (path == NULL) errno = ENOENT;
  intruder_say(INTRUDER_TAG ": open %s: %s\n", what, intruder_result(fd));
  if (fd >= 0) close(fd);
}

/* A terminal to aim an ioctl at: an inherited one, else /dev/tty, else stderr. */
static int intruder_tty(void) {
  for (int fd = 0; fd < 256; fd++) {
    if (isatty(fd)) return fd;
  }
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  return fd >= 0 ? fd : 2;
}

static void intruder_probe(const char* agent_tty) {
  intruder_try_create("/tmp", "/tmp");
  intruder_try_open("/dev/tty", "/dev/tty", O_RDWR);
  intruder_try_open("the agent's terminal", agent_tty, O_WRONLY);
  intruder_try_open("/dev/ptmx", "/dev/ptmx", O_RDWR);
  intruder_try_open("/dev/full", "/dev/full", O_WRONLY);
  intruder_try_create("$HOME", getenv("HOME"));
  intruder_try_create("/dev/shm", "/dev/shm");
}

static void intruder_attack(const char* name) {
  if (strcmp(name, "inet") == 0) name = "socket(AF_INET)";
  intruder_say(INTRUDER_TAG ": before %s%s\n", name, "");
  long rc = -1;
  if (strcmp(name, "tiocsti") == 0) {
    char c = '#';
    rc = ioctl(intruder_tty(), TIOCSTI, &c);
  } else if (strcmp(name, "ioctl") == 0) {
    struct winsize ws = {1, 1, 0, 0};
    rc = ioctl(intruder_tty(), TIOCSWINSZ, &ws);
  } else if (strcmp(name, "kill") == 0) {
    rc = kill(getppid(), SIGTERM);
  } else if (strcmp(name, "tgkill") == 0) {
    rc = syscall(SYS_tgkill, (long)getppid(), (long)getppid(), (long)SIGTERM);
  } else if (strcmp(name, "tkill") == 0) {
    rc = syscall(SYS_tkill, (long)getppid(), (long)SIGTERM);
  } else if (strcmp(name, "ptrace") == 0) {
    rc = ptrace(PTRACE_ATTACH, getppid(), 0, 0);
  } else if (strcmp(name, "exec") == 0) {
    rc = execl("/bin/sh", "sh", "-c", "true", (char*)NULL);
  } else {
    rc = socket(AF_INET, SOCK_STREAM, 0);
  }
  intruder_say(INTRUDER_TAG ": %s returned: %s\n", name, intruder_result(rc));
}

/* Reads $SKAGENT_TEST_HOSTILE and does what it names. Returns 1 after a probe (the caller then
 * fails its call), 0 when there is nothing to do. */
static int intruder_act(void) {
  char name[32] = "inet", tty[256] = "";
  const char* file = getenv("SKAGENT_TEST_HOSTILE");
  FILE* f = file != NULL ? fopen(file, "r") : NULL;
  if (f != NULL) {
    if (fscanf(f, "%31s %255s", name, tty) < 1) strcpy(name, "inet");
    fclose(f);
  }
  if (strcmp(name, "none") == 0) return 0;
  if (strcmp(name, "probe") == 0) {
    intruder_probe(tty[0] != '\0' ? tty : NULL);
    return 1;
  }
  /* Landlock: creating a file outside the store must be refused (logged once per call). */
  intruder_try_create("/tmp", "/tmp");
  intruder_attack(name);
  return 1;
}

#endif
