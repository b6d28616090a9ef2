// SPDX-License-Identifier: BSD-2-Clause
// skagent-vtoken: a software CTAP 2.1 authenticator for tests and
// development, reachable as a CTAPHID device over a UNIX socket (libfido2
// through fido/vtoken_io.h) and as a contactless card through pcscd's vpcd
// driver. See --help.
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/text.h"
#include "vtoken/authenticator.h"
#include "vtoken/client_pin.h"
#include "vtoken/control.h"
#include "vtoken/hid_server.h"
#include "vtoken/vpcd.h"

using namespace skagent;
using namespace skagent::vtoken;

namespace {

const char kUsage[] =
    R"(usage: skagent-vtoken --state FILE [--hid-socket PATH] [--vpcd HOST:PORT] [options]
       skagent-vtoken ctl CONTROL-SOCKET COMMAND [ARG]

A software CTAP 2.1 authenticator (FIDO2 security key) for tests.

Transports (at least one):
  --hid-socket PATH     CTAPHID over a UNIX stream socket carrying 64-byte reports.
                        libfido2 reaches it through skagent's custom io functions as
                        the device path "vtoken:PATH" (fido/vtoken_io.h).
  --vpcd HOST:PORT      be the card for vsmartcard's vpcd driver in pcscd: listen on
                        HOST:PORT (IPv4, e.g. 127.0.0.1) for the driver, whose
                        reader.conf names DEVICENAME HOST:PORT. The driver also polls
                        PORT+1; the token serves an inert card (every APDU 6A82) there
                        so pcscd does not crash on an empty slot.
  --vpcd-slots 1        do not serve PORT+1 (another card answers there).

State:
  --state FILE          secrets, PIN hash, retry counter, signature counter and resident
                        credentials; created when missing, rewritten atomically (mode 0600).
  --pin PIN             set this PIN at start (replacing any) and reset the retries to 8.
  --aaguid HEX          the 16-byte AAGUID as 32 hex digits (default: 736b6167656e742d76746f6b656e2d31).
  --pin-protocols LIST  offered PIN protocols, preferred first: "2,1" (default), "1" or "2".
  --max-resident N      room for N resident credentials (default 64, at most 64).
  --no-rk               an older token: getInfo has option "rk" false and makeCredential
                        with rk answers 0x2B (unsupported option).
  --no-cred-protect     a CTAP 2.0 token: getInfo lists no credProtect extension and
                        makeCredential ignores it.
  --min-pin-length N    getInfo's minPINLength; setPIN/changePIN refuse shorter PINs
                        (4 to 63, default 4).
  --reset-window MS     authenticatorReset is taken only within MS milliseconds of
                        start or of the control command power-cycle, then answers
                        0x30 (not allowed), as a real token (default 10000).

Touch (test controls):
  --touch POLICY        how the virtual user answers a request for presence:
                          immediate   touch at once (default)
                          after=MS    touch MS milliseconds after the request
                          never       no touch: the request fails with 0x2F (user action
                                      timeout) after --touch-timeout, unless a "press"
                                      control command comes first
                          refuse      the user declines: 0x27 (operation denied)
  --touch-timeout MS    how long "never" waits (default 30000).
  --processing-delay MS makeCredential spends MS milliseconds generating its key after
                        the touch (default 0), like a slow real token.
  While waiting over CTAPHID the token sends KEEPALIVE every 100 ms (status 2, user
  presence needed, during a touch wait; status 1, processing, during the
  processing delay); CTAPHID CANCEL ends the wait with 0x2D.

Control socket:
  --control PATH        a UNIX socket for test commands (default: HID socket path + ".ctl",
                        or the state file path + ".ctl" without --hid-socket).
  One command per connection, one reply ("ok", a value, or "error: why"):
    touch immediate|after=MS|never|refuse     change the touch policy at run time
    touch-timeout MS                          change the "never" timeout
    press                                     touch once now (or at the next request)
    touches                                   number of touches given so far
    status                                    touch, touch_timeout_ms, touches, waiting
                                              (1 while a request waits for a touch),
                                              pin_set, pin_retries, pin_auth_blocked,
                                              resident_credentials, sign_counter
    power-cycle                               unplug and replug: forget the PIN token and
                                              lift the 3-wrong-PINs block (refused while a
                                              request runs)
    quit                                      exit
  From a shell: skagent-vtoken ctl PATH COMMAND [ARG]   (prints the reply; exit 1 on error).

Other:
  --exit-with-parent    exit when the parent process dies (for test harnesses).
  --help                this text.

The token is ready when the control socket answers. Several tokens = several
processes with their own sockets and state files. SIGTERM/SIGINT stop it.
)";

struct Options {
  std::string state, hid_socket, control;
  std::optional<std::pair<std::string, uint16_t>> vpcd;
  int vpcd_slots = 2;
  std::optional<std::string> pin;
  Bytes aaguid = {0x73, 0x6b, 0x61, 0x67, 0x65, 0x6e, 0x74, 0x2d,
                  0x76, 0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x2d, 0x31};
  std::vector<uint8_t> pin_protocols = {2, 1};
  size_t max_resident = kMaxResidentCredentials;
  bool resident_keys = true;
  bool cred_protect = true;
  uint32_t processing_delay_ms = 0;
  size_t min_pin_length = 4;
  uint32_t reset_window_ms = 10000;
  TouchPolicy touch;
  uint32_t touch_timeout_ms = 30000;
  bool exit_with_parent = false;
};

std::optional<Bytes> parse_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  Bytes out;
  for (size_t i = 0; i < s.size(); i += 2) {
    uint8_t b = 0;
    auto [end, ec] = std::from_chars(s.data() + i, s.data() + i + 2, b, 16);
    if (ec != std::errc() || end != s.data() + i + 2) return std::nullopt;
    out.push_back(b);
  }
  return out;
}

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  auto bad = [](const std::string& why) { return make_error(Errc::malformed, why); };
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      exit(0);
    }
    if (a == "--exit-with-parent") {
      o.exit_with_parent = true;
      continue;
    }
    if (a == "--no-rk") {
      o.resident_keys = false;
      continue;
    }
    if (a == "--no-cred-protect") {
      o.cred_protect = false;
      continue;
    }
    if (i + 1 >= argc) return bad(a + " needs a value (see --help)");
    std::string v = argv[++i];
    if (a == "--state") {
      o.state = v;
    } else if (a == "--hid-socket") {
      o.hid_socket = v;
    } else if (a == "--control") {
      o.control = v;
    } else if (a == "--vpcd") {
      size_t colon = v.rfind(':');
      uint16_t port = 0;
      if (colon == std::string::npos ||
          !parse_number(std::string_view(v).substr(colon + 1), port) || port == 0 ||
          port == 65535) {
        return bad("--vpcd takes HOST:PORT");
      }
      o.vpcd = std::make_pair(v.substr(0, colon), port);
    } else if (a == "--vpcd-slots") {
      if (v != "1" && v != "2") return bad("--vpcd-slots is 1 or 2");
      o.vpcd_slots = v == "1" ? 1 : 2;
    } else if (a == "--pin") {
      o.pin = v;
    } else if (a == "--aaguid") {
      auto h = parse_hex(v);
      if (!h || h->size() != 16) return bad("--aaguid takes 32 hex digits");
      o.aaguid = std::move(*h);
    } else if (a == "--pin-protocols") {
      if (v == "2,1") o.pin_protocols = {2, 1};
      else if (v == "1,2") o.pin_protocols = {1, 2};
      else if (v == "1") o.pin_protocols = {1};
      else if (v == "2") o.pin_protocols = {2};
      else return bad("--pin-protocols is 2,1, 1,2, 1 or 2");
    } else if (a == "--max-resident") {
      if (!parse_number(v, o.max_resident) || o.max_resident > kMaxResidentCredentials) {
        return bad("--max-resident takes 0 to 64");
      }
    } else if (a == "--min-pin-length") {
      if (!parse_number(v, o.min_pin_length) || o.min_pin_length < 4 || o.min_pin_length > 63) {
        return bad("--min-pin-length takes 4 to 63");
      }
    } else if (a == "--reset-window") {
      if (!parse_number(v, o.reset_window_ms)) return bad("--reset-window takes milliseconds");
    } else if (a == "--touch") {
      auto p = TouchPolicy::parse(v);
      if (!p) return p.error();
      o.touch = *p;
    } else if (a == "--processing-delay") {
      if (!parse_number(v, o.processing_delay_ms) || o.processing_delay_ms > 600000) {
        return bad("--processing-delay takes 0 to 600000 milliseconds");
      }
    } else if (a == "--touch-timeout") {
      if (!parse_number(v, o.touch_timeout_ms)) return bad("--touch-timeout takes milliseconds");
    } else {
      return bad("unknown option " + a + " (see --help)");
    }
  }
  if (o.state.empty()) return bad("--state FILE is required (see --help)");
  if (o.hid_socket.empty() && !o.vpcd) return bad("give --hid-socket and/or --vpcd (see --help)");
  if (o.control.empty()) o.control = (o.hid_socket.empty() ? o.state : o.hid_socket) + ".ctl";
  return o;
}

int run_ctl(int argc, char** argv) {
  if (argc < 4) {
    fputs("usage: skagent-vtoken ctl CONTROL-SOCKET COMMAND [ARG]\n", stderr);
    return 2;
  }
  std::string cmd = argv[3];
  for (int i = 4; i < argc; i++) cmd += std::string(" ") + argv[i];
  auto r = control_request(argv[2], cmd);
  if (!r) {
    fprintf(stderr, "skagent-vtoken: %s\n", r.error().message.c_str());
    return 1;
  }
  printf("%s\n", r->c_str());
  return 0;
}

void fail(const std::string& msg) {
  fprintf(stderr, "skagent-vtoken: %s\n", msg.c_str());
  exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "ctl") return run_ctl(argc, argv);
  auto opts = parse_options(argc, argv);
  if (!opts) {
    fprintf(stderr, "skagent-vtoken: %s\n", opts.error().message.c_str());
    return 2;
  }
  if (opts->exit_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) return 0;
  }
  // Signals are read from a signalfd; every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
  int stop_fd = eventfd(0, EFD_CLOEXEC);  // written once: every server stops
  int quit_fd = eventfd(0, EFD_CLOEXEC);  // the control command "quit"
  if (sig_fd < 0 || stop_fd < 0 || quit_fd < 0) fail("cannot create signalfd/eventfd");

  StateFile file(opts->state);
  auto state = file.load_or_create();
  if (!state) fail(state.error().message);
  if (opts->pin) {
    if (auto st = set_pin_directly(*state, *opts->pin); !st) fail(st.error().message);
    if (auto st = file.save(*state); !st) fail(st.error().message);
  }
  TouchControl touch(opts->touch, opts->touch_timeout_ms);
  TokenConfig config;
  config.aaguid = opts->aaguid;
  config.pin_protocols = opts->pin_protocols;
  config.max_resident = opts->max_resident;
  config.resident_keys = opts->resident_keys;
  config.cred_protect = opts->cred_protect;
  config.processing_delay_ms = opts->processing_delay_ms;
  config.min_pin_length = opts->min_pin_length;
  config.reset_window_ms = opts->reset_window_ms;
  Authenticator auth(std::move(config), file, std::move(*state), touch);

  std::unique_ptr<HidServer> hid;
  if (!opts->hid_socket.empty()) {
    auto h = HidServer::listen(opts->hid_socket, auth);
    if (!h) fail(h.error().message);
    hid = std::move(*h);
  }
  FidoCard fido_card(auth);
  InertCard inert_card;
  std::vector<std::unique_ptr<VpcdServer>> vpcd;
  if (opts->vpcd) {
    for (int slot = 0; slot < opts->vpcd_slots; slot++) {
      VirtualCard& card = slot == 0 ? static_cast<VirtualCard&>(fido_card) : inert_card;
      auto v = VpcdServer::listen(opts->vpcd->first, uint16_t(opts->vpcd->second + slot), card);
      if (!v) fail(v.error().message);
      vpcd.push_back(std::move(*v));
    }
  }
  Controls controls(touch, auth, [quit_fd] {
    uint64_t one = 1;
    (void)!write(quit_fd, &one, sizeof(one));
  });
  auto control = ControlServer::listen(opts->control, controls);
  if (!control) fail(control.error().message);

  std::vector<std::thread> threads;
  if (hid) threads.emplace_back([&] { hid->run(stop_fd); });
  for (auto& v : vpcd) threads.emplace_back([&v, stop_fd] { v->run(stop_fd); });
  threads.emplace_back([&] { (*control)->run(stop_fd); });
  fprintf(stderr, "skagent-vtoken: ready%s%s%s%s, control %s\n", hid ? ", HID socket " : "",
          opts->hid_socket.c_str(), opts->vpcd ? ", vpcd port " : "",
          opts->vpcd ? std::to_string(opts->vpcd->second).c_str() : "", opts->control.c_str());

  struct pollfd p[2] = {{sig_fd, POLLIN, 0}, {quit_fd, POLLIN, 0}};
  while (poll(p, 2, -1) < 0 && errno == EINTR) {}
  uint64_t one = 1;
  (void)!write(stop_fd, &one, sizeof(one));
  for (auto& t : threads) t.join();
  return 0;
}
