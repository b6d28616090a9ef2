// SPDX-License-Identifier: BSD-2-Clause
// skagent: a drop-in ssh-agent. Start-up mirrors ssh-agent: parse flags,
// harden, bind the socket, print the eval lines, fork (or not), then serve.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "agent/agent.h"
#include "agent/server.h"
#include "agent/shell_output.h"
#include "platform/hardening.h"
#include "platform/process.h"
#include "platform/process_info.h"
#include "platform/sandbox.h"
#include "platform/unix_listener.h"
#include "ssh/crypto_memory.h"

using namespace skagent;

namespace {

constexpr const char* kVersion = "skagent 0.1.0 (ssh-agent protocol, OpenSSH 9.2 compatible)";

bool use_csh(const AgentOptions& o) {
  if (o.shell != AgentOptions::Shell::auto_detect) return o.shell == AgentOptions::Shell::csh;
  const char* shell = getenv("SHELL");
  std::string s = shell != nullptr ? shell : "";
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "csh") == 0;
}

int kill_agent(bool csh) {
  const char* pidstr = getenv("SSH_AGENT_PID");
  if (pidstr == nullptr) {
    fprintf(stderr, "SSH_AGENT_PID not set, cannot kill agent\n");
    return 1;
  }
  char* end = nullptr;
  long pid = strtol(pidstr, &end, 10);
  if (*end != 0 || pid < 2 || pid > INT_MAX) {
    fprintf(stderr, "SSH_AGENT_PID=\"%s\", which is not a good PID\n", pidstr);
    return 1;
  }
  if (kill(pid_t(pid), SIGTERM) == -1) {
    perror("kill");
    return 1;
  }
  printf("%s%secho Agent pid %ld killed;\n", unset_line(csh, "SSH_AUTH_SOCK").c_str(),
         unset_line(csh, "SSH_AGENT_PID").c_str(), pid);
  return 0;
}

// Standard descriptors must exist, or a later open() could become "stdout".
void sanitise_stdfd() {
  int null = open("/dev/null", O_RDWR);
  while (null >= 0 && null <= 2) null = dup(null);
  if (null > 2) close(null);
}

void raise_fd_limit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// systemd socket activation: LISTEN_PID is us and exactly one fd (3) given.
bool socket_activated() {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  return pid != nullptr && fds != nullptr && atol(pid) == long(getpid()) && atoi(fds) == 1;
}

std::string sk_helper_path() {
  if (const char* env = getenv("SKAGENT_SK_HELPER")) return env;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string dir = n > 0 ? std::string(buf, size_t(n)) : std::string("/usr/bin/skagent");
  dir = dir.substr(0, dir.rfind('/'));
  std::string beside = dir + "/skagent-sk-helper";
  if (access(beside.c_str(), X_OK) == 0) return beside;
  return dir + "/../libexec/skagent/skagent-sk-helper";
}

// skagent-pkcs11-helper: $SKAGENT_PKCS11_HELPER, beside us, or ../libexec/skagent/.
std::string pkcs11_helper_path() {
  if (const char* env = getenv("SKAGENT_PKCS11_HELPER")) return env;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string dir = n > 0 ? std::string(buf, size_t(n)) : std::string("/usr/bin/skagent");
  dir = dir.substr(0, dir.rfind('/'));
  std::string beside = dir + "/skagent-pkcs11-helper";
  if (access(beside.c_str(), X_OK) == 0) return beside;
  return dir + "/../libexec/skagent/skagent-pkcs11-helper";
}

void detach() {
  setsid();
  if (chdir("/") != 0) {
  }
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }
}

int serve(const AgentOptions& opts, const Listener& listener, pid_t parent_pid, Logger& log,
          std::shared_ptr<PolicyStore> policy) {
  // The sandbox (platform/sandbox.h): children are started by a spawner forked now, before any
  // key; Landlock goes on before the worker threads start (it is per thread); seccomp once
  // everything is set up, just before serving.
  std::string sk_helper = sk_helper_path(), pkcs11_helper = pkcs11_helper_path();
  const char* askpass = getenv("SSH_ASKPASS");
  if (auto s = start_spawner({askpass != nullptr && *askpass != 0 ? askpass : "/usr/bin/ssh-askpass",
                              sk_helper, pkcs11_helper, TouchNotifier::kGdbus},
                             {listener.path, listener.own_dir});
      !s) {
    log.error(s.error().message);
    return 1;
  }
  // Landlock hides /proc/PID/exe of unsandboxed callers: a helper forked now reads it.
  if (auto s = start_process_info_service(); !s) log.error(s.error().message);
  if (auto s = apply_agent_landlock(); !s) {
    log.error("sandbox: " + s.error().message + "; going on without Landlock");
  }
  // Block before any thread exists: threads inherit the mask, and a signal
  // delivered to a worker would take its default action (exit, socket left).
  const std::vector<int> handled = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : handled) sigaddset(&blocked, sig);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  EventLoop loop;
  Agent agent(opts, log, loop, sk_helper, pkcs11_helper, std::move(policy));
  Server server(loop, agent, listener.fd);
  log.debug("listening on " + (listener.path.empty() ? std::string("fd 3") : listener.path));
  int exit_code = 0;
  loop.on_signals(handled, [&](int sig) {
    if (sig == SIGUSR1) return agent.remove_all_identities();
    // With a policy file SIGHUP re-reads it; without one it ends us, as ssh-agent.
    if (sig == SIGHUP && agent.reload_policy()) return;
    log.info("exiting on signal " + std::to_string(sig));
    exit_code = 2;
    loop.stop();
  });
  if (!opts.command.empty()) {
    // Command mode: the agent lives as long as the command (our parent).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::function<void()> check = [&] {
      if (getppid() != parent_pid) {
        log.info("parent exited; exiting");
        return loop.stop();
      }
      loop.after(std::chrono::seconds(10), check);
    };
    check();
  }
  if (auto s = apply_agent_seccomp(); !s) {
    log.error("sandbox: " + s.error().message + "; going on without a system-call filter");
  }
  loop.run();
  // The sandbox may remove nothing: the spawner does it (platform/sandbox.h).
  if (!remove_through_spawner()) remove_listener_files(listener);
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  using skagent::install_wiping_crypto_allocator;
  if (!install_wiping_crypto_allocator()) {
    fprintf(stderr, "%s: cannot make OpenSSL wipe the memory it frees\n", argv[0]);
    return 1;
  }
  sanitise_stdfd();
  auto parsed = parse_agent_options(argc, argv);
  if (!parsed) {
    if (!parsed.error().message.empty()) fprintf(stderr, "%s\n", parsed.error().message.c_str());
    fputs(kAgentUsage, stderr);
    return 1;
  }
  AgentOptions opts = std::move(*parsed);
  if (opts.version) return puts(kVersion) < 0;
  bool csh = use_csh(opts);
  if (opts.kill) return kill_agent(csh);
  // The policy (skagent.conf(5)), read before we fork so that a bad file is
  // reported here; its audit file is opened now, before any sandbox.
  auto policy = PolicyStore::open(opts);
  if (!policy) {
    fprintf(stderr, "%s\n", policy.error().message.c_str());
    return 1;
  }
  if (auto h = harden_process(); !h) fprintf(stderr, "warning: %s\n", h.error().message.c_str());
  raise_fd_limit();
  signal(SIGPIPE, SIG_IGN);

  Logger log;
  pid_t parent_pid = getpid();
  Listener listener;
  bool activated = socket_activated();
  if (activated) {
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
      fprintf(stderr, "LISTEN_FDS given, but fd 3 is not a listening socket\n");
      return 1;
    }
    listener.fd = 3;
    fcntl(3, F_SETFD, FD_CLOEXEC);
    fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
  } else {
    auto l = listen_unix(opts.socket_path, parent_pid);
    if (!l) {
      fprintf(stderr, "%s\n", l.error().message.c_str());
      return 1;
    }
    listener = *l;
  }

  if (opts.debug || opts.foreground) {
    log.configure(Logger::Sink::stderr_sink, opts.debug ? Logger::Level::debug : Logger::Level::info);
    if (!activated) {
      printf("%secho Agent pid %ld;\n", env_line(csh, "SSH_AUTH_SOCK", listener.path).c_str(),
             long(parent_pid));
      fflush(stdout);
    }
    return serve(opts, listener, parent_pid, log, *policy);
  }

  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid != 0) {  // parent: print the eval lines, or run the command
    close(listener.fd);
    std::string pidstr = std::to_string(pid);
    if (opts.command.empty()) {
      printf("%s%secho Agent pid %ld;\n", env_line(csh, "SSH_AUTH_SOCK", listener.path).c_str(),
             env_line(csh, "SSH_AGENT_PID", pidstr).c_str(), long(pid));
      return 0;
    }
    setenv("SSH_AUTH_SOCK", listener.path.c_str(), 1);
    setenv("SSH_AGENT_PID", pidstr.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : opts.command) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    perror(args[0]);
    return 1;
  }
  detach();
  log.configure(Logger::Sink::syslog_sink, Logger::Level::info);
  return serve(opts, listener, parent_pid, log, *policy);
}
