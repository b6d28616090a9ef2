#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The C and C++ sources follow .clang-format: clang-format (Debian 12's 14) changes nothing in
# any tracked .cc/.h/.c file. The check is shown to catch a badly formatted file. Reads only.
# To fix: clang-format -i $(git ls-files '*.cc' '*.h' '*.c')
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "PASS format: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL format: $1${2:+: $2}"; }
FMT=$(command -v clang-format-14 || command -v clang-format)
if [ -z "$FMT" ]; then
    fail "clang-format is installed" "tests/deps.sh installs clang-format"
    echo "$PASSED passed, $FAILED failed"; exit 1
fi

# unformatted DIR FILE...: the files clang-format would change, with DIR's .clang-format.
unformatted() {
    local dir=$1 f; shift
    for f in "$@"; do
        (cd "$dir" && "$FMT" --dry-run -Werror "$f" >/dev/null 2>&1) || echo "$f"
    done
}

cd "$ROOT" || exit 1
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c' 2>/dev/null || find . -name '*.cc' -o -name '*.h' -o -name '*.c')
bad=$(unformatted "$ROOT" "${files[@]}")
if [ ${#files[@]} -gt 100 ] && [ -z "$bad" ]; then
    ok "${#files[@]} source files follow .clang-format"
else
    fail "${#files[@]} source files follow .clang-format" "$(echo "$bad" | head -20 | tr '\n' ' ')"
fi

T=$(mktemp -d /tmp/skagent-format.XXXXXX)
trap 'rm -rf "$T"' EXIT
cp "$ROOT/.clang-format" "$T/"
printf '// SPDX-License-Identifier: BSD-2-Clause\nint f(int a) { return a; }\n' >"$T/good.cc"
printf '// SPDX-License-Identifier: BSD-2-Clause\nint   f( int a ){return a;}\n' >"$T/bad.cc"
if [ "$(unformatted "$T" good.cc bad.cc)" = bad.cc ]; then
    ok "the check finds a badly formatted file"
else
    fail "the check finds a badly formatted file" "got: $(unformatted "$T" good.cc bad.cc | tr '\n' ' ')"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
