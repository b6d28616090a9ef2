#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The hostile-client figures of README "Security", each against a fresh agent (about 60 s):
#   BUILD=$PWD/build tests/adversary/figures.sh [flood|pipeline|unlock]...   (default: all)
# flood: 4,096 connections from 8 processes, each holding all but the last byte of a 256 KiB
# frame and reopened when the agent closes it (30 s), the agent's RSS before and at its peak,
# and, 8 s into it, a normal client's 401 list/sign requests (skagent-adversary latency).
# pipeline: 1,000,000 five-byte frames on one connection. unlock: 15 wrong unlocks at once.
# The same commands as tests/integration/adversarial.sh, which checks their bounds; this only
# prints. Run it alone (under the CPU lock on a shared machine): the figures are timings.
set -u
BUILD=${BUILD:-build}
BIN=$(cd "$BUILD/bin" && pwd) || exit 1
ADV=$BIN/skagent-adversary
if [ ! -x "$ADV" ] || [ ! -x "$BIN/skagent" ]; then
    echo "make $BUILD/bin/skagent $ADV first" >&2
    exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/skagent-figures.XXXXXX") || exit 1
AGENT=
cleanup() {
    [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -C figures -f "$T/key" || exit 1

# start_agent: a fresh agent on $T/aN/sock holding the key; sets AGENT and SSH_AUTH_SOCK.
n=0
start_agent() {
    [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
    n=$((n + 1))
    mkdir -m 0700 "$T/a$n"
    "$BIN/skagent" -D -a "$T/a$n/sock" >"$T/a$n/out" 2>"$T/a$n/err" </dev/null &
    AGENT=$!
    for _ in $(seq 100); do [ -S "$T/a$n/sock" ] && break; sleep 0.1; done
    export SSH_AUTH_SOCK=$T/a$n/sock
    ssh-add -q "$T/key" </dev/null
}
status_kb() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$AGENT/status"; }

figure_flood() {
    start_agent || return 1
    local before flood out
    before=$(status_kb VmRSS)
    "$ADV" flood "$SSH_AUTH_SOCK" 4096 262144 8 30 >"$T/flood.out" 2>&1 &
    flood=$!
    sleep 8
    out=$("$ADV" latency "$SSH_AUTH_SOCK" 200 10000 2>&1)
    wait "$flood"
    cat "$T/flood.out"
    echo "agent RSS ${before} kB before, peak (VmHWM) $(status_kb VmHWM) kB"
    echo "normal client during the flood: $out"
}
figure_pipeline() {
    start_agent || return 1
    timeout 300 "$ADV" pipeline "$SSH_AUTH_SOCK" 1000000 2>&1
}
figure_unlock() {
    start_agent || return 1
    timeout 120 "$ADV" unlock-parallel "$SSH_AUTH_SOCK" 15 2>&1
}

[ $# -gt 0 ] || set -- flood pipeline unlock
for f in "$@"; do
    case $f in
        flood | pipeline | unlock) "figure_$f" ;;
        *) echo "unknown figure: $f" >&2; exit 2 ;;
    esac
done
