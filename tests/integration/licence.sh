#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The licence: LICENSE is the BSD 2-Clause text, and every source, script, build and manual
# file carries an SPDX-License-Identifier line near its top (data such as fuzz corpora,
# test vectors, pictures and Debian's packaging metadata excepted). The checker is shown to
# catch a file without one. Runs as the calling user (it only reads the tree).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "PASS licence: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL licence: $1${2:+: $2}"; }

# needs_spdx PATH: whether a file of this kind must carry the line.
needs_spdx() {
    case $1 in
        */corpus/*|*/testdata/*|debian/changelog|debian/control|debian/copyright|debian/source/*) return 1 ;;
        *.cc|*.h|*.c|*.sh|*.py|*.pl|*.1|*.5|*.map|*.in|*.socket|*.rules|*.md|Makefile|*/Makefile|.ci/run|debian/rules) return 0 ;;
    esac
    return 1
}

# missing_spdx DIR: the files under DIR (git's list when DIR is a checkout) without the line.
missing_spdx() {
    local f
    (
        cd "$1" || exit 1
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then git ls-files; else find . -type f ! -path './build*' ! -path './.git/*' | sed 's|^\./||'; fi
    ) | while IFS= read -r f; do
        needs_spdx "$f" || continue
        [ -f "$1/$f" ] || continue
        head -n 5 "$1/$f" | grep -q 'SPDX-License-Identifier: BSD-2-Clause' || echo "$f"
    done
}

if grep -q '^BSD 2-Clause License' "$ROOT/LICENSE" 2>/dev/null &&
   grep -q 'Redistributions in binary form must reproduce' "$ROOT/LICENSE"; then
    ok "LICENSE holds the BSD 2-Clause text"
else
    fail "LICENSE holds the BSD 2-Clause text"
fi

missing=$(missing_spdx "$ROOT")
if [ -z "$missing" ]; then
    ok "every source, script, build and manual file has an SPDX line"
else
    fail "every source, script, build and manual file has an SPDX line" "$(echo "$missing" | tr '\n' ' ')"
fi

# The checker itself: a copy of a few files, one of them without the line, is caught.
T=$(mktemp -d /tmp/skagent-licence.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/agent"
printf '// SPDX-License-Identifier: BSD-2-Clause\nint a;\n' >"$T/agent/good.cc"
printf '// no licence line\nint b;\n' >"$T/agent/bad.cc"
if [ "$(missing_spdx "$T")" = agent/bad.cc ]; then
    ok "the check finds a file without the line"
else
    fail "the check finds a file without the line" "got: $(missing_spdx "$T" | tr '\n' ' ')"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
