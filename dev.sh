#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# skagent developer entry point (Debian 12).
#
#   ./dev.sh agent [AGENT-ARGS...]  install build deps, make, run build/bin/skagent in the
#                                   foreground (-D) on a socket in a fresh temp dir
#   ./dev.sh test [SUITE...]        install build+test deps, make, make check
#                                   (with SUITEs: tests/run_all.sh SUITE...; suites are unit,
#                                   integration, integration/NAME, openssh)
#   ./dev.sh deps [build] [test]    only install the packages (tests/deps.sh lists them)
#
# Packages are installed with apt-get when running as root; otherwise the exact apt-get line
# is printed and dev.sh exits 1. Nothing is installed when everything is already there.
# BUILD (default build) is the build directory; SKAGENT overrides the agent the tests use.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
. tests/deps.sh
export BUILD=${BUILD:-build}
JOBS=$(nproc 2>/dev/null || echo 2)

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
    agent)
        install_deps build
        make -j"$JOBS" BUILD="$BUILD"
        dir=$(mktemp -d /tmp/skagent-dev.XXXXXX)
        chmod 0700 "$dir"
        trap 'rm -rf "$dir"' EXIT
        sock=$dir/agent.sock
        cat <<EOF
skagent runs in the foreground on $sock (Ctrl-C stops it).
In another shell:
    export SSH_AUTH_SOCK=$sock
    ssh-add -l
EOF
        # Not exec: the trap removes the temp dir when the agent ends.
        "$ROOT/$BUILD/bin/skagent" -D -a "$sock" "$@" || true
        ;;
    test)
        install_deps build test
        make -j"$JOBS" BUILD="$BUILD"
        if [ $# -eq 0 ]; then
            make -j"$JOBS" BUILD="$BUILD" check
        else
            make -j"$JOBS" BUILD="$BUILD" "$BUILD/bin/unit-tests"
            BUILD="$(cd "$BUILD" && pwd)" tests/run_all.sh "$@"
        fi
        ;;
    deps)
        [ $# -gt 0 ] || set -- build test
        install_deps "$@"
        ;;
    -h|--help|help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
