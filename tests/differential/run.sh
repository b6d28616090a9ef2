#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs skagent-differential: OpenSSH 10.5's ssh-agent (built by tests/openssh/build_latest.sh)
# and skagent, driven with the same SEQUENCES message sequences from SEED.
#   [DIFF_JOBS=J] tests/differential/run.sh [SEQUENCES [SEED]]
# DIFF_JOBS=J (default 1) splits the sequences over J harnesses, each with its own pair of
# agents and seed SEED+1000*k (k = 0..J-1): one harness keeps about one core busy (the three
# processes take turns), so J = the number of cores runs J times as many per second.
# Exits 2 (saying so) when OpenSSH could not be built, 1 on a difference not in
# known_differences.txt, 0 otherwise.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SEQUENCES=${1:-1000}
SEED=${2:-1}
if ! openssh=$(BUILD=$BUILD "$ROOT/tests/openssh/build_latest.sh"); then
    echo "differential: could not run: OpenSSH 10.5 could not be built (see above)" >&2
    exit 2
fi
run() {  # SEQUENCES SEED
    "$BUILD/bin/skagent-differential" --openssh "$openssh" --skagent "$BUILD/bin/skagent" \
        --sequences "$1" --seed "$2" --corpus "$ROOT/tests/fuzz/corpus/agent_dispatch" \
        --known "$HERE/known_differences.txt"
}
JOBS=${DIFF_JOBS:-1}
if [ "$JOBS" -le 1 ]; then
    run "$SEQUENCES" "$SEED"
    exit $?
fi
out=$(mktemp -d /tmp/skagent-diff-jobs.XXXXXX)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
pids=()
for ((k = 0; k < JOBS; k++)); do
    n=$((SEQUENCES / JOBS + (k < SEQUENCES % JOBS ? 1 : 0)))
    run "$n" $((SEED + 1000 * k)) >"$out/$k" 2>&1 &
    pids+=($!)
done
rc=0
for ((k = 0; k < JOBS; k++)); do
    wait "${pids[$k]}" || { s=$?; [ "$rc" -eq 1 ] || rc=$s; }
    grep -v '^SSH_AUTH_SOCK=\|^echo Agent pid' "$out/$k"
done
# One total over the harnesses' summary lines.
cat "$out"/* | awk -v wall=$(($(date +%s) - start)) -v jobs="$JOBS" '
    /^differential: [0-9]+ sequences/ { n += $2; same += $9; diff += $11 }
    /^  NEW x/ { fresh++ }
    END { printf "differential total: %d sequences in %d s with %d harnesses (%.0f/s): %d identical, %d with a difference, %d new kinds\n", n, wall, jobs, wall ? n / wall : n, same, diff, fresh }'
exit $rc
