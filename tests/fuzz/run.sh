#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs each libFuzzer harness for FUZZ_SECONDS (default 60) on its seed corpus
# tests/fuzz/corpus/NAME/ (plus what earlier runs found, in $BUILD/fuzz/corpus/NAME/), and
# prints per harness: executions, executions per second, corpus size, crashes (and, for the
# persistent harnesses, requests per input). A crash, leak, timeout or failed property leaves
# its input in $BUILD/fuzz/artifacts/ (turn it into a unit test: see tests/fuzz/README.md)
# and makes the run exit 1.
#
#   tests/fuzz/run.sh [NAME...]       (make fuzz runs every harness)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../../build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
out=$BUILD/fuzz
mkdir -p "$out/artifacts" "$out/logs"
if [ $# -eq 0 ]; then
    set -- $(cd "$HERE" && ls *_fuzz.cc | sed 's/_fuzz\.cc$//')
fi

# Larger inputs where the format needs them (whole ssh-add sessions, RSA key files, a
# libfido2 session's CTAPHID reports).
max_len() {
    case $1 in
        agent_dispatch|agent_stream|private_key_file|private_key) echo 65536 ;;
        vtoken_request) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

# libFuzzer options for one harness. The persistent harnesses keep state between inputs (one
# agent and its keys, signature caches), so an input often ends with more allocations than
# frees; libFuzzer's leak check after each such input runs it again and then scans the whole
# heap (up to 1,000 times), which cost agent_stream and bind_sign most of their time. Their
# leaks are still reported when the run ends (LeakSanitizer at exit).
fuzz_extra() {
    case $1 in
        agent_stream|bind_sign) echo -detect_leaks=0 ;;
    esac
}

# ASan options for one harness. token_answers: libcbor 0.8 (under libfido2) allocates the
# element array of a CBOR array or map for the count its header claims before reading any
# element; a token claiming 2^31 elements asks for 16 GiB, which glibc's malloc refuses or
# leaves untouched, but whose shadow ASan would write (GiBs of RSS). Such allocations fail here
# as they would there.
asan_extra() {
    case $1 in
        token_answers) echo :max_allocation_size_mb=1024 ;;
    esac
}

crashes_total=0
rows=()
for name in "$@"; do
    bin=$out/$name
    [ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz-build)" >&2; crashes_total=$((crashes_total + 1)); continue; }
    work=$out/corpus/$name
    seeds=$HERE/corpus/$name
    mkdir -p "$work" "$seeds"
    log=$out/logs/$name.log
    before=$(ls "$out/artifacts" | grep -c "^$name-" || true)
    echo "-- $name: ${FUZZ_SECONDS}s ($(ls "$seeds" | wc -l) seeds)"
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}$(asan_extra "$name") \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2560 -max_len="$(max_len "$name")" \
            -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" $(fuzz_extra "$name") "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    per_input=$(sed -n 's/^stat::requests_per_input: *\([0-9.]*\).*/\1/p' "$log" | tail -n 1)
    after=$(ls "$out/artifacts" | grep -c "^$name-" || true)
    found=$((after - before))
    if [ $rc -ne 0 ] && [ $found -eq 0 ]; then found=1; fi
    crashes_total=$((crashes_total + found))
    corpus=$(ls "$work" | wc -l)
    row=$(printf '%-24s %12s execs %8s/s  corpus %5s  crashes %s' "$name" "${execs:-?}" "${speed:-?}" "$corpus" "$found")
    # The persistent harnesses also say how many requests an input made on average.
    [ -n "$per_input" ] && row="$row  requests/input $per_input"
    rows+=("$row")
    echo "   $row"
    if [ $found -ne 0 ]; then
        grep -E 'ERROR: |SUMMARY: |FUZZ_CHECK|runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/   /'
    fi
done
echo
echo "Fuzzing summary (${FUZZ_SECONDS}s per harness; logs in $out/logs):"
printf '  %s\n' "${rows[@]}"
echo "crashes found: $crashes_total"
[ "$crashes_total" -eq 0 ]
