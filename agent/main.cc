// SPDX-License-Identifier: BSD-2-Clause
// skagent: a drop-in ssh-agent. Start-up mirrors ssh-agent: parse flags,
// harden, bind the socket, print the eval lines, fork (or not), then serve.
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
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

#include <openssl/crypto.h>

#include "agent/agent.h"
#include "agent/helpers/pkcs11_helper_client.h"
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

// -V prints it as OpenSSH 10.5 prints its own: "<version>, <OpenSSL version>" on stderr.
// (no comma in it: scripts split 10.5's line at the first one)
constexpr const char* kVersion = "skagent 0.1.0 (ssh-agent of OpenSSH 10.5)";

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

// systemd socket activation, under OpenSSH 10.0's conditions: only with -d or -D, no -a and
// no command, and then LISTEN_FDS must be 1 and LISTEN_PID us (anything else is fatal, not
// ignored). Returns 1 when activated, 0 when not, -1 (reported) when fatal.
int socket_activation(const AgentOptions& o) {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  if (!o.socket_path.empty() || !o.command.empty() || !(o.debug || o.foreground) ||
      pid == nullptr || fds == nullptr) {
    return 0;
  }
  if (strcmp(fds, "1") != 0) {
    fprintf(stderr, "unexpected LISTEN_FDS contents (want: \"1\" got \"%s\")\n", fds);
    return -1;
  }
  char* end = nullptr;
  errno = 0;
  long want = strtol(pid, &end, 10);
  if (errno != 0 || end == pid || *end != 0 || want < 1 || want > INT_MAX) {
    fprintf(stderr, "invalid LISTEN_PID \"%s\"\n", pid);
    return -1;
  }
  if (want != long(getpid())) {
    fprintf(stderr, "bad LISTEN_PID: %ld vs pid %ld\n", want, long(getpid()));
    return -1;
  }
  int listening = 0;
  socklen_t len = sizeof(listening);
  if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
    fprintf(stderr, "LISTEN_FDS given, but fd 3 is not a listening socket\n");
    return -1;
  }
  return 1;
}

std::string env_text(const char* name) {
  const char* v = getenv(name);
  return v != nullptr ? v : "";
}

// The one place the agent reads its environment: what the code below main needs goes into the
// options (agent/options.h), so that code and its tests never depend on the process's variables.
void read_environment(AgentOptions& o) {
  o.askpass = {env_text("DISPLAY"), env_text("WAYLAND_DISPLAY"), env_text("SSH_ASKPASS_REQUIRE"),
               env_text("SSH_ASKPASS")};
  o.session_bus = {env_text("DBUS_SESSION_BUS_ADDRESS"), env_text("XDG_RUNTIME_DIR")};
  o.home = env_text("HOME");
  o.config_path = env_text("SKAGENT_CONFIG");
  o.xdg_config_home = env_text("XDG_CONFIG_HOME");
  o.tmp_dir = env_text("TMPDIR");
  o.vtokens = env_text("SKAGENT_VTOKEN");
  auto t = Pkcs11Helper::Timeouts::from_text(getenv("SKAGENT_PKCS11_LOAD_TIMEOUT"),
                                             getenv("SKAGENT_PKCS11_SIGN_TIMEOUT"));
  o.pkcs11_load_timeout = t.load;
  o.pkcs11_sign_timeout = t.sign;
}

// ssh-agent's idea of home: $HOME, else the password database.
std::string home_directory(const AgentOptions& o) {
  if (!o.home.empty()) return o.home;
  struct passwd* pw = getpwuid(getuid());
  return pw != nullptr && pw->pw_dir != nullptr ? pw->pw_dir : "";
}

// The socket: -T's $TMPDIR/ssh-XXXXXXXXXX/agent.<ppid> (winning over -a, as in OpenSSH 10.5),
// -a's path, or (OpenSSH 10.1's default) ~/.ssh/agent/s.<host hash>.agent.<random>, after
// removing this host's stale sockets there unless -U.
Result<Listener> open_listener(const AgentOptions& o, pid_t parent_pid) {
  if (o.tmp_socket) return listen_unix("", parent_pid, o.tmp_dir);
  if (!o.socket_path.empty()) return listen_unix(o.socket_path, parent_pid);
  std::string home = home_directory(o), host = local_hostname();
  if (home.empty()) return make_error(Errc::io, "Couldn't determine home directory");
  if (!o.keep_stale) remove_stale_agent_sockets(home, host, false);
  return listen_in_home(home, host);
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
  if (chdir("/") != 0) {}
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }
}

int serve(const AgentOptions& opts, const Listener& listener, pid_t parent_pid, Logger& log,
          std::shared_ptr<PolicyStore> policy, bool activated) {
  // The sandbox (platform/sandbox.h): children are started by a spawner forked now, before any
  // key; Landlock goes on before the worker threads start (it is per thread); seccomp once
  // everything is set up, just before serving.
  std::string sk_helper = sk_helper_path(), pkcs11_helper = pkcs11_helper_path();
  const std::string& askpass = opts.askpass.program;
  if (auto s = start_spawner({!askpass.empty() ? askpass : "/usr/bin/ssh-askpass", sk_helper,
                              pkcs11_helper, TouchNotifier::kGdbus},
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
  // One malloc arena for every thread: each worker would otherwise get its own, whose pages
  // (about 50 kB each after RSA signatures) stay resident for a few short-lived allocations.
  mallopt(M_ARENA_MAX, 1);
  // Free memory at the heap's top is kept up to 1 MiB instead of glibc's 128 KiB: a 1,000-key
  // list's two 75 KiB reply buffers otherwise grew and shrank the heap (brk, page faults) on
  // every list, about 25 % of its latency. The server gives freed memory back a second after a
  // burst (Server::trim_soon), so an idle agent keeps none of it. Setting it also stops glibc
  // from raising its mmap threshold after a large free: a 256 KiB frame stays mmapped.
  mallopt(M_TRIM_THRESHOLD, 1 << 20);
  // Block before any thread exists: threads inherit the mask, and a signal
  // delivered to a worker would take its default action (exit, socket left).
  const std::vector<int> handled = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : handled) sigaddset(&blocked, sig);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  // Set-up that fails after the socket exists takes the socket away with it.
  auto fail = [&](const std::string& why) {
    log.error(why);
    if (!remove_through_spawner()) remove_listener_files(listener);
    return 1;
  };
  auto made_loop = EventLoop::create();
  if (!made_loop) return fail(made_loop.error().message);
  EventLoop& loop = **made_loop;
  auto made_agent = Agent::create(opts, log, loop, sk_helper, pkcs11_helper, std::move(policy));
  if (!made_agent) return fail("key shield: " + made_agent.error().message);
  Agent& agent = **made_agent;
  Server server(loop, agent, listener.fd);
  log.debug("listening on " + (listener.path.empty() ? std::string("fd 3") : listener.path));
  int exit_code = 0;
  auto watched = loop.on_signals(handled, [&](int sig) {
    if (sig == SIGUSR1) return agent.remove_all_identities();
    // With a policy file SIGHUP re-reads it; without one it ends us, as ssh-agent.
    if (sig == SIGHUP && agent.reload_policy()) return;
    log.info("exiting on signal " + std::to_string(sig));
    // OpenSSH 10.1: systemd stopping a socket-activated agent is a clean exit.
    exit_code = sig == SIGTERM && activated ? 0 : 2;
    loop.stop();
  });
  if (!watched) return fail(watched.error().message);
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
  read_environment(opts);
  if (opts.version) {
    fprintf(stderr, "%s, %s\n", kVersion, OpenSSL_version(OPENSSL_VERSION));
    return 0;
  }
  bool csh = use_csh(opts);
  if (opts.kill) return kill_agent(csh);
  if (opts.clean_stale > 0) {  // -u, -uu
    std::string home = home_directory(opts);
    if (home.empty()) {
      fprintf(stderr, "Couldn't determine home directory\n");
      return 1;
    }
    remove_stale_agent_sockets(home, local_hostname(), opts.clean_stale > 1);
    printf("Deleted stale agent sockets in ~/.ssh/agent\n");
    return 0;
  }
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
  int activation = socket_activation(opts);
  if (activation < 0) return 1;
  bool activated = activation == 1;
  if (activated) {
    listener.fd = 3;
    fcntl(3, F_SETFD, FD_CLOEXEC);
    fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
  } else {
    auto l = open_listener(opts, parent_pid);
    if (!l) {
      fprintf(stderr, "%s\n", l.error().message.c_str());
      return 1;
    }
    listener = *l;
    // Such a path has no form that both sh and csh read back (see shell_output.h).
    if (has_control_characters(listener.path)) {
      remove_listener_files(listener);
      fprintf(stderr, "socket path has control characters; refusing it\n");
      return 1;
    }
  }

  if (opts.debug || opts.foreground) {
    log.configure(Logger::Sink::stderr_sink,
                  opts.debug ? Logger::Level::debug : Logger::Level::info);
    if (!activated) {
      printf("%secho Agent pid %ld;\n", env_line(csh, "SSH_AUTH_SOCK", listener.path).c_str(),
             long(parent_pid));
      fflush(stdout);
    }
    return serve(opts, listener, parent_pid, log, *policy, activated);
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
  return serve(opts, listener, parent_pid, log, *policy, activated);
}
