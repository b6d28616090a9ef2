#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs skagent-differential: OpenSSH 10.5's ssh-agent (built by tests/openssh/build_latest.sh)
# and skagent, driven with the same SEQUENCES message sequences from SEED.
#   tests/differential/run.sh [SEQUENCES [SEED]]
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
exec "$BUILD/bin/skagent-differential" --openssh "$openssh" --skagent "$BUILD/bin/skagent" \
    --sequences "$SEQUENCES" --seed "$SEED" --corpus "$ROOT/tests/fuzz/corpus/agent_dispatch" \
    --known "$HERE/known_differences.txt"
