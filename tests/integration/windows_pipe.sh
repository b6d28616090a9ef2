#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Windows named-pipe transport: `make windows` cross-compiles platform/*_windows.cc and
# tests/windows/pipe_transport_test.cc with Debian's mingw-w64 (x86_64-w64-mingw32-g++-posix)
# into $BUILD/windows/, and the test program runs under Wine: agent messages between a pipe
# server and client processes, the client's pid and SID, the pipe's DACL, a refused second
# instance, a client that leaves mid-message, an oversized frame, bounded waits. Each of its
# checks is counted here. Missing packages (tests/deps.sh: g++-mingw-w64-x86-64-posix, wine,
# wine64) fail the test.
#
# Runs as the invoking user even when root (it builds into $BUILD, which root owns in CI).
# Wine gets its own prefix and HOME in the test directory and is shut down at the end.
SKAGENT_TEST_AS_ROOT=${SKAGENT_TEST_AS_ROOT:-1}
. "$(dirname "$0")/lib.sh"
WIN_CXX=${WIN_CXX:-x86_64-w64-mingw32-g++-posix}
EXE=$BUILD/windows/skagent-pipe-test.exe
WINE_BOOT_TIMEOUT=${WINE_BOOT_TIMEOUT:-240}   # a new prefix takes 15-60 s
WINE_RUN_TIMEOUT=${WINE_RUN_TIMEOUT:-180}

have() { command -v "$1" >/dev/null; }
check "$WIN_CXX is installed (g++-mingw-w64-x86-64-posix)" have "$WIN_CXX" || { finish; }
check "wine is installed (wine, wine64)" have wine || { finish; }

out=$(timeout -k 10 900 make -C "$SKAGENT_ROOT" --no-print-directory BUILD="$BUILD" WIN_CXX="$WIN_CXX" windows 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "make windows builds the transport and its test"; else
    fail "make windows builds the transport and its test" "$(printf '%s\n' "$out" | grep -E 'error|Error' | head -n 5 | tr '\n' '|')"
    finish
fi
check_eq "$EXE is a Windows (PE) program" "$(head -c 2 "$EXE" 2>/dev/null)" "MZ"

export WINEPREFIX=$T/wine WINEDEBUG=-all WINEARCH=win64
# No desktop menu entries, no Mono/Gecko installers: a bare prefix for console programs.
export WINEDLLOVERRIDES="winemenubuilder.exe=d;mscoree=d;mshtml=d"
mkdir -p "$T/home"
wine_env() { HOME=$T/home DISPLAY= "$@"; }
wine_stop() { wine_env timeout -k 5 30 wineserver -k >/dev/null 2>&1; wine_env timeout -k 5 30 wineserver -w >/dev/null 2>&1; }
trap 'wine_stop; lib_cleanup' EXIT

out=$(wine_env timeout -k 10 "$WINE_BOOT_TIMEOUT" wineboot --init 2>&1); rc=$?
check_eq "wineboot prepares a prefix within ${WINE_BOOT_TIMEOUT}s" "$rc" 0 || note "$(printf '%s' "$out" | tail -n 5)"

start=$(date +%s)
out=$(wine_env timeout -k 10 "$WINE_RUN_TIMEOUT" wine "$EXE" 2>"$T/stderr" </dev/null); rc=$?
note "the test program ran for $(( $(date +%s) - start ))s"
n_pass=0 n_fail=0
while IFS= read -r line; do
    line=${line%$'\r'}
    case $line in
        "PASS "*) ok "windows: ${line#PASS }"; n_pass=$((n_pass + 1)) ;;
        "FAIL "*) rest=${line#FAIL }; fail "windows: ${rest%%: *}" "${rest#*: }"; n_fail=$((n_fail + 1)) ;;
    esac
done <<<"$out"
summary=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
check_eq "the test program's own count matches its lines" "$summary" "$n_pass passed, $n_fail failed"
check_eq "the test program exits 0 (no timeout, no crash)" "$rc" 0 || note "stderr: $(tail -n 5 "$T/stderr" | tr '\n' '|')"
[ "$n_pass" -ge 40 ] && ok "the test program ran all its checks ($n_pass)" || fail "the test program ran all its checks" "only $n_pass passed"

finish
