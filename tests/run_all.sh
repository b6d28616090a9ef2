#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every test suite and sums their results.
#
#   tests/run_all.sh                      # unit, integration, openssh, openssh-latest
#   tests/run_all.sh integration openssh  # some suites
#   SKAGENT=/usr/bin/ssh-agent tests/run_all.sh integration openssh   # against OpenSSH's agent
#
# Suites: unit ($BUILD/bin/unit-tests, GoogleTest), integration (tests/integration/*.sh, one
# suite each), openssh (tests/openssh/run.sh: Debian 12's OpenSSH 9.2 regress tests),
# openssh-latest (tests/openssh/run.sh --latest: OpenSSH 10.5's, built once). Each prints its own
# "N passed, N failed"; a suite that crashes, times out or prints no count counts as one failure.
# Prints each suite's failures and count, then "N passed, N failed" as the last line; exits 1
# when anything failed. Full logs: $TEST_LOG_DIR (default $BUILD/test-logs).
#   SHOW_PASSES=1   also print every passing check
#   SUITE_TIMEOUT   seconds per suite (default 900)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}
TEST_LOG_DIR=${TEST_LOG_DIR:-$BUILD/test-logs}
mkdir -p "$TEST_LOG_DIR" || { echo "run_all: cannot create $TEST_LOG_DIR" >&2; exit 1; }
export SKAGENT BUILD

if [ $# -gt 0 ]; then SUITES=("$@"); else SUITES=(unit integration openssh openssh-latest); fi

total_pass=0
total_fail=0
summary=()

# record NAME PASSED FAILED NOTE
record() {
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
    local line
    line=$(printf '%-28s %s passed, %s failed%s' "$1:" "$2" "$3" "${4:+  ($4)}")
    summary+=("$line")
    echo "== $line"
}

# show LOG: the lines worth seeing from a suite's log.
show() {
    if [ -n "${SHOW_PASSES:-}" ]; then
        cat "$1"
    else
        grep -v -e '^PASS ' -e '^[0-9][0-9]* passed, [0-9][0-9]* failed$' "$1"
    fi
}

# run_counted NAME LOG CMD...: a suite whose last "N passed, N failed" line is its count.
run_counted() {
    local name=$1 log=$2; shift 2
    local start rc line p f note
    start=$(date +%s)
    echo "-- $name: $*"
    timeout -k 30 "$SUITE_TIMEOUT" "$@" </dev/null >"$log" 2>&1
    rc=$?
    show "$log" | sed 's/^/   /'
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    note="$(( $(date +%s) - start ))s"
    if [ -z "$line" ]; then
        p=0; f=1; note="$note; no count: crashed or timed out (exit $rc), log $log"
    else
        p=${line%% passed*}
        f=${line#*passed, }; f=${f%% failed*}
        if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
            f=1; note="$note; exit $rc with no failure counted, log $log"
        fi
        [ $rc -eq 124 ] || [ $rc -eq 137 ] && note="$note; timed out"
    fi
    record "$name" "$p" "$f" "$note"
}

run_unit() {
    local bin=$BUILD/bin/unit-tests log=$TEST_LOG_DIR/unit.log start rc p f note
    if [ ! -x "$bin" ]; then
        echo "   $bin missing (make $bin)" | tee "$log"
        record unit 0 1 "no unit-tests binary"
        return
    fi
    start=$(date +%s)
    echo "-- unit: $bin"
    local brief=1
    [ -n "${SHOW_PASSES:-}" ] && brief=0
    timeout -k 30 "$SUITE_TIMEOUT" "$bin" --gtest_brief=$brief --gtest_color=no </dev/null >"$log" 2>&1
    rc=$?
    # Each failure: from gtest's "file:line: Failure" to its "[  FAILED  ]" line.
    awk '/: Failure$/ { on = 1 } on || /^\[  FAILED  \]/ { print } /^\[  FAILED  \]/ { on = 0 }' "$log" |
        sed 's/^/   /' | head -n 300
    # "[==========] N tests from M test suites ran." and "[  PASSED  ] N tests." (brief mode
    # prints no "[  FAILED  ] N tests, listed below" summary): failed = ran - passed.
    local ran
    ran=$(sed -n 's/^\[==========\] \([0-9][0-9]*\) tests\{0,1\} from .* ran\..*/\1/p' "$log" | tail -n 1)
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) tests\{0,1\}\..*/\1/p' "$log" | tail -n 1)
    note="$(( $(date +%s) - start ))s"
    if [ -z "$ran" ]; then
        p=0; f=1; note="$note; no summary: crashed or timed out (exit $rc), log $log"
    else
        p=${p:-0}; f=$((ran - p))
        if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; note="$note; exit $rc, log $log"; fi
        [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && note="$note; WARNING: no unit tests ran"
    fi
    record unit "$p" "$f" "$note"
}

run_integration() {
    local s name
    # OpenSSH 10.5 (a peer of several suites, some of which run as an unprivileged user and
    # cannot build it) is built first, once per build directory; a suite that needs it and
    # does not find it fails, saying so.
    "$HERE/openssh/build_latest.sh" >/dev/null 2>"$TEST_LOG_DIR/openssh-latest-build.log" ||
        echo "   OpenSSH 10.5 could not be built: $TEST_LOG_DIR/openssh-latest-build.log"
    for s in "$HERE"/integration/*.sh; do
        name=$(basename "$s" .sh)
        [ "$name" = lib ] && continue
        run_counted "integration/$name" "$TEST_LOG_DIR/integration-$name.log" bash "$s"
    done
}

run_openssh() {
    run_counted openssh "$TEST_LOG_DIR/openssh.log" bash "$HERE/openssh/run.sh"
}

echo "agent under test: $SKAGENT"
for suite in "${SUITES[@]}"; do
    case $suite in
        unit) run_unit ;;
        integration) run_integration ;;
        integration/*) run_counted "$suite" "$TEST_LOG_DIR/integration-${suite#integration/}.log" \
                           bash "$HERE/$suite.sh" ;;
        openssh) run_openssh ;;
        openssh-latest) run_counted openssh-latest "$TEST_LOG_DIR/openssh-latest.log" \
                            bash "$HERE/openssh/run.sh" --latest ;;
        *) echo "run_all: unknown suite '$suite' (unit, integration, integration/NAME, openssh, openssh-latest)" >&2
           record "$suite" 0 1 "unknown suite" ;;
    esac
done

echo
echo "Summary (agent: $SKAGENT; logs in $TEST_LOG_DIR):"
printf '  %s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
