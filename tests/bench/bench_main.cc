// SPDX-License-Identifier: BSD-2-Clause
// skagent-bench: measures an ssh-agent from outside, over its socket.
// tests/bench/run.sh drives it against OpenSSH's agent and skagent.
#include <cstring>
#include <iostream>
#include <string_view>

#include "tests/bench/commands.h"

namespace {

int usage() {
  std::cerr
      << "usage: skagent-bench COMMAND [--socket PATH] [--option value]...\n"
         "  sign    --comment C --name N [--flags F] [--clients 1,8] [--seconds 3] [--pid AGENT]\n"
         "  roundtrip [--clients 1,8] [--seconds 3] [--pid AGENT]  (a request with no work)\n"
         "  raw     [--seconds 1]  (OpenSSL's raw signature and skagent's key unseal per type)\n"
         "  list    [--calls 500] [--seconds 5]\n"
         "  confirm --confirm-comment C --fast-comment C --marker PATH [--samples 300]\n"
         "  rss     --pid P --name N\n"
         "  report  --ref FILE --new FILE [--ref-label L] [--new-label L]\n"
         "  fido    --vtoken SOCKET [--pin PIN] [--rounds 200]  (fido/ against bare libfido2)\n"
         "The socket defaults to SSH_AUTH_SOCK. Metrics go to stdout as 'name value'.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skagent::bench;
  if (argc < 2) return usage();
  std::string_view command = argv[1];
  auto args = Args::parse(argc - 2, argv + 2);
  if (!args) return fail(command, args.error());
  if (command == "sign") return cmd_sign(*args);
  if (command == "roundtrip") return cmd_roundtrip(*args);
  if (command == "raw") return cmd_raw(*args);
  if (command == "list") return cmd_list(*args);
  if (command == "confirm") return cmd_confirm(*args);
  if (command == "rss") return cmd_rss(*args);
  if (command == "report") return cmd_report(*args);
  if (command == "fido") return cmd_fido(*args);
  return usage();
}
