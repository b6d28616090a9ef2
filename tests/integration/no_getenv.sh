#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Configuration is passed in, never read from the environment deep in the code: in the
# sources, getenv (and setenv, putenv...) appears only in a program's main and in the one
# documented exception, fido/sk_api.cc (libskagent-sk.so has no main: it reads its variables at
# its sk_* entry points and passes them down). No test changes its own process's environment;
# tests construct options instead (the few exceptions below say why). The checker is shown to
# catch a planted file of each kind. Runs as the calling user (it only reads the tree).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "PASS no_getenv: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL no_getenv: $1${2:+: $2}"; }

READS='\b(secure_getenv|getenv|setenv|unsetenv|putenv|clearenv)[[:space:]]*\('
WRITES='\b(setenv|unsetenv|putenv|clearenv)[[:space:]]*\('

# May read the environment: the mains, and the provider library's entry points.
reader_allowed() {
    case $1 in
        agent/main.cc|fido/sk_helper_main.cc|pkcs11/pkcs11_helper_main.cc|keygen/main.cc|vtoken/vtoken_main.cc) return 0 ;;
        fido/sk_api.cc) return 0 ;;
    esac
    return 1
}

# Test files that may change an environment, and why:
#  - tests/vtoken/pcsc_harness.h, tests/fido/pcsc_middleware_test.cc: libpcsclite reads
#    $PCSCLITE_CSOCK_NAME itself, in the test process; each of those tests runs in a process
#    of its own (run_isolated), so no other test sees it.
#  - tests/pkcs11/broken_module.cc: a PKCS#11 module loaded by skagent-pkcs11-helper, pointing
#    the SoftHSM2 it wraps at its own configuration inside that helper process.
writer_allowed() {
    case $1 in
        tests/vtoken/pcsc_harness.h|tests/fido/pcsc_middleware_test.cc|tests/pkcs11/broken_module.cc) return 0 ;;
    esac
    return 1
}

# files DIR: the C and C++ files under DIR (git's list when DIR is a checkout).
files() {
    (
        cd "$1" || exit 1
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then git ls-files; else find . -type f ! -path './build*' ! -path './.git/*' | sed 's|^\./||'; fi
    ) | grep -E '\.(cc|h|c)$'
}

# calls FILE PATTERN: the lines of FILE that call one of PATTERN's functions (comments skipped).
calls() {
    grep -nE "$2" "$1" | grep -vE '^[0-9]+:[[:space:]]*(//|\*|/\*)'
}

# offenders DIR: "path:line: text" for each call that is not allowed.
offenders() {
    local f
    files "$1" | while IFS= read -r f; do
        [ -f "$1/$f" ] || continue
        case $f in
            tests/*) writer_allowed "$f" || calls "$1/$f" "$WRITES" | sed "s|^|$f:|" ;;
            *) reader_allowed "$f" || calls "$1/$f" "$READS" | sed "s|^|$f:|" ;;
        esac
    done
}

found=$(offenders "$ROOT")
if [ -z "$found" ]; then
    ok "no getenv outside the mains and sk_api.cc, and no test changes its environment"
else
    fail "no getenv outside the mains and sk_api.cc, and no test changes its environment" "$(echo "$found" | tr '\n' ' ')"
fi

# The checker itself: a tree with allowed uses and one bad file of each kind.
T=$(mktemp -d /tmp/skagent-no-getenv.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/agent/prompts" "$T/fido" "$T/tests/agent"
printf '// SPDX-License-Identifier: BSD-2-Clause\nint main() { return getenv("HOME") != 0; }\n' >"$T/agent/main.cc"
printf 'int f() { return getenv("SKAGENT_VTOKEN") != 0; }\n' >"$T/fido/sk_api.cc"
printf '// getenv("DISPLAY") in a comment is no call\nbool shown() { return std::getenv("DISPLAY"); }\n' >"$T/agent/prompts/bad.cc"
printf 'const char* b = getenv("BUILD");  // reading is fine in a test\nvoid t() { setenv("SSH_ASKPASS", "x", 1); }\n' >"$T/tests/agent/bad_test.cc"
got=$(offenders "$T" | sort | tr '\n' ' ')
want='agent/prompts/bad.cc:2:bool shown() { return std::getenv("DISPLAY"); } tests/agent/bad_test.cc:2:void t() { setenv("SSH_ASKPASS", "x", 1); } '
if [ "$got" = "$want" ]; then
    ok "the check finds a getenv in library code and a test that sets a variable"
else
    fail "the check finds a getenv in library code and a test that sets a variable" "got: $got"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
