#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Differential test against OpenSSH's own agent (tests/differential/): a fixed, short set of
# generated and mutated message sequences (seed 1) through OpenSSH 10.5's ssh-agent and
# skagent; every difference must be a deliberate one of tests/differential/known_differences.txt.
# Fails, saying it could not run, when OpenSSH 10.5 cannot be built (no tarball).
# `make differential` runs the long version (100,000 sequences).
SKAGENT_TEST_AS_ROOT=${SKAGENT_TEST_AS_ROOT:-1}  # both agents run as the same user; no sshd
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/integration/lib.sh"
SEQUENCES=${DIFF_CHECK_SEQUENCES:-1500}
if [ ! -x "$BUILD/bin/skagent-differential" ]; then
    fail "could not run" "no $BUILD/bin/skagent-differential (make $BUILD/bin/skagent-differential)"
    finish
fi
out=$(timeout -k 5 150 env BUILD="$BUILD" "$HERE/differential/run.sh" "$SEQUENCES" 1 2>&1); rc=$?
printf '%s\n' "$out" | grep -v '^SSH_AUTH_SOCK=\|^echo Agent pid' | tail -n 40
case $rc in
    0) ok "$SEQUENCES sequences: every difference from OpenSSH 10.5's agent is a deliberate one" ;;
    1) fail "$SEQUENCES sequences" "a difference that is not in known_differences.txt (reproduction above)" ;;
    2) fail "could not run" "OpenSSH 10.5 could not be built or started (tests/openssh/build_latest.sh)" ;;
    *) fail "could not run" "skagent-differential exited with status $rc" ;;
esac
check_match "summary line" "$out" "^differential: $SEQUENCES sequences"
finish
