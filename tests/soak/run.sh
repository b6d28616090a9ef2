#!/usr/bin/env bash
# Soak: SOAK_SECONDS (default 600) of mixed clients against one agent: adds, removes, software
# and security-key signatures (OpenSSH's sk-dummy provider, in skagent-sk-helper), lists,
# lock/unlock, new connections; every signature is verified. Passes with zero failed requests
# and VmRSS flat within 10 % (sampled every 10 s after a warm-up of a fifth of the run).
# Prints the counts and the RSS samples. Runs as the unprivileged test user when root (lib.sh).
#   make soak [SOAK_SECONDS=120]      or      tests/soak/run.sh [SECONDS]
# (the duration is an argument: lib.sh re-runs the script as the test user with a clean
# environment, passing the arguments only)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
SOAK_SECONDS=${1:-${SOAK_SECONDS:-600}}
BIN=$(cd "$(dirname "$SKAGENT")" && pwd)
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
make_keys || { fail "make keys"; finish; }
mkdir -p "$T/pool"
for kt in $(key_types); do cp "$T/keys/$kt" "$T/pool/"; done
for i in 1 2 3; do t ssh-keygen -q -t ed25519 -N '' -C "soak-$i" -f "$T/pool/extra-ed25519-$i"; done
if [ -f "$SK_DUMMY" ]; then
    t ssh-keygen -q -t ecdsa-sk -w "$SK_DUMMY" -N '' -C soak-sk -f "$T/pool/sk-ecdsa"
    t ssh-keygen -q -t ed25519-sk -w "$SK_DUMMY" -N '' -C soak-sk -f "$T/pool/sk-ed25519"
    export SOAK_SK_PROVIDER=$SK_DUMMY
else
    note "no sk-dummy provider: security-key signatures not soaked"
fi
start_agent -P "$(dirname "$SK_DUMMY")/*" || { fail "start agent"; finish; }
note "agent pid $AGENT_PID, $SOAK_SECONDS s"
out=$(timeout $((SOAK_SECONDS + 120)) "$BIN/skagent-adversary" soak "$SSH_AUTH_SOCK" "$AGENT_PID" "$SOAK_SECONDS" "$T/pool" 2>"$T/soak.err"); rc=$?
grep -E 'VmRSS|failed|soak:' "$T/soak.err" | head -n 40 | sed 's/^/  /'
printf '%s\n' "$out" | sed 's/^/  /'
check_eq "soak: zero failed requests, RSS flat within 10 %, agent alive" "$rc" 0
check "soak: the agent still serves" ssh-add -l
finish
