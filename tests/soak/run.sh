#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Soak: SOAK_SECONDS (default 600) of mixed clients against one agent: adds, removes, software
# and security-key signatures, lists, lock/unlock, new connections; every signature is
# verified. The security keys are on two providers, both run by skagent-sk-helper: OpenSSH's
# sk-dummy, and provider "internal" (fido/ on libfido2) with keys on skagent-vtoken (a virtual
# FIDO2 token, touched at once, reached as $SKAGENT_VTOKEN). Passes with zero failed requests,
# signatures on both providers, and VmRSS flat within 10 % (sampled every 10 s after a warm-up
# of a fifth of the run). Prints the counts and the RSS samples. Runs as the unprivileged test
# user when root (lib.sh).
#   make soak [SOAK_SECONDS=120]      or      tests/soak/run.sh [SECONDS]
# (the duration is an argument: lib.sh re-runs the script as the test user with a clean
# environment, passing the arguments only)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
SOAK_SECONDS=${1:-${SOAK_SECONDS:-600}}
BIN=$(cd "$(dirname "$SKAGENT")" && pwd)
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
SK_LIB=$BUILD/lib/libskagent-sk.so
VTOKEN=$BIN/skagent-vtoken
[ -x "$VTOKEN" ] || VTOKEN=$BUILD/bin/skagent-vtoken
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
# The virtual token (no PIN, every touch given at once), and keys made on it by ssh-keygen
# through libskagent-sk.so; the agent's helper signs with them as provider "internal".
if [ ! -r "$SK_LIB" ] || [ ! -x "$VTOKEN" ]; then
    fail "prerequisites" "need $SK_LIB and $VTOKEN (make all)"
    finish
fi
mkdir -p "$T/vtoken"
"$VTOKEN" --state "$T/vtoken/state" --hid-socket "$T/vtoken/hid.sock" --control "$T/vtoken/ctl.sock" \
    >"$T/vtoken/log" 2>&1 </dev/null &
wait_for 10 "$VTOKEN" ctl "$T/vtoken/ctl.sock" touches || { fail "start skagent-vtoken" "$(tail -n 3 "$T/vtoken/log")"; finish; }
export SKAGENT_VTOKEN=$T/vtoken/hid.sock
# A sanitizer build's library needs the ASan runtime preloaded into ssh-keygen.
asan=$(ldd "$SK_LIB" 2>/dev/null | awk '/libasan/ { print $3 }')
for kt in ecdsa-sk ed25519-sk; do
    LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0 \
        t ssh-keygen -q -t "$kt" -w "$SK_LIB" -N '' -C soak-vtoken -f "$T/pool/vtoken-$kt" </dev/null ||
        { fail "ssh-keygen -t $kt on the virtual token"; finish; }
    echo internal >"$T/pool/vtoken-$kt.provider"
done
start_agent -P "$(dirname "$SK_DUMMY")/*" || { fail "start agent"; finish; }
note "agent pid $AGENT_PID, $SOAK_SECONDS s"
touches_before=$("$VTOKEN" ctl "$T/vtoken/ctl.sock" touches)
out=$(timeout $((SOAK_SECONDS + 120)) "$BIN/skagent-adversary" soak "$SSH_AUTH_SOCK" "$AGENT_PID" "$SOAK_SECONDS" "$T/pool" 2>"$T/soak.err"); rc=$?
grep -E 'VmRSS|failed|soak:' "$T/soak.err" | head -n 40 | sed 's/^/  /'
printf '%s\n' "$out" | sed 's/^/  /'
check_eq "soak: zero failed requests, RSS flat within 10 %, agent alive" "$rc" 0
check_match "soak: security-key signatures on the virtual token (provider internal)" "$out" ' sk-sign:internal=[1-9]'
if [ -n "${SOAK_SK_PROVIDER:-}" ]; then
    check_match "soak: security-key signatures on sk-dummy" "$out" " sk-sign:$(re "$(basename "$SK_DUMMY")")=[1-9]"
fi
internal_signs=$(printf '%s\n' "$out" | sed -n 's/.* sk-sign:internal=\([0-9]*\).*/\1/p')
check_eq "soak: the virtual token was touched once per signature" \
    "$(( $("$VTOKEN" ctl "$T/vtoken/ctl.sock" touches) - touches_before ))" "${internal_signs:-none}"
check "soak: the agent still serves" ssh-add -l
finish
