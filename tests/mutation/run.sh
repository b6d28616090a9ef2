#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Mutation check: plants each one-line bug of mutants.txt, one at a time, in a COPY of the
# tree (never in the checkout), rebuilds only what changed (one object, its library, the
# unit-test binary), runs the unit tests the line names, and reports which mutants survive.
#   tests/mutation/run.sh [FIRST [LAST]]     # mutants FIRST..LAST (1-based), default all
# Needs a built tree ($BUILD/obj, $BUILD/lib, $BUILD/bin/unit-tests) to start from; prints
# "KILLED", "SURVIVED" or "INVALID" (text not found once, or the mutant does not compile)
# per mutant, then "mutation score: K killed of N (S%)". Exits 1 when a mutant survived.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LIST=${MUTANTS:-$HERE/mutants.txt}
FIRST=${1:-1}
LAST=${2:-100000}
for need in "$BUILD/obj" "$BUILD/lib" "$BUILD/bin/unit-tests"; do
    [ -e "$need" ] || { echo "mutation: $need missing: build the unit tests first" >&2; exit 2; }
done
work=$(mktemp -d /tmp/skagent-mutation.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The copy keeps every mtime, so make there rebuilds only what a mutant touches.
tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . | tar -C "$work" -xf -
mkdir -p "$work/build"
cp -a "$BUILD/obj" "$BUILD/lib" "$BUILD/bin" "$work/build/"
build() { make -C "$work" -s BUILD=build build/bin/unit-tests >"$work/make.log" 2>&1; }
tests() { (cd "$work" && BUILD="$work/build" timeout 600 build/bin/unit-tests --gtest_filter="$1" >"$work/test.log" 2>&1); }

# Mutant lines: FILE ||| TEXT ||| REPLACEMENT ||| FILTER ||| AREA
mapfile -t lines < <(grep -v '^#' "$LIST" | grep -v '^[[:space:]]*$')
# The unmutated copy must build and pass every filter, or no mutant result means anything.
all_filters=$(printf '%s\n' "${lines[@]}" | awk -F' \\|\\|\\| ' '{print $4}' | tr ':' '\n' | sort -u | paste -sd:)
if ! build || ! tests "$all_filters"; then
    echo "mutation: the unmutated tree does not build or its tests fail:" >&2
    tail -n 20 "$work/make.log" "$work/test.log" >&2
    exit 2
fi
echo "baseline: unmutated copy passes $all_filters"
killed=0; survived=0; invalid=0; n=0; survivors=()
for line in "${lines[@]}"; do
    n=$((n + 1))
    [ "$n" -lt "$FIRST" ] || [ "$n" -gt "$LAST" ] && continue
    file=$(printf '%s' "$line" | awk -F' \\|\\|\\| ' '{print $1}')
    filter=$(printf '%s' "$line" | awk -F' \\|\\|\\| ' '{print $4}')
    area=$(printf '%s' "$line" | awk -F' \\|\\|\\| ' '{print $5}')
    cp -p "$work/$file" "$work/.orig"
    # What the build will replace, kept to put back (cheaper than building the original again).
    obj=build/obj/${file%.cc}.o
    rm -rf "$work/.keep" && mkdir -p "$work/.keep"
    cp -a "$work/$obj" "$work/.keep/obj" 2>/dev/null
    cp -a "$work/build/lib" "$work/.keep/lib"
    cp -a "$work/build/bin/unit-tests" "$work/.keep/unit-tests"
    if ! python3 - "$work/$file" "$line" <<'PY'
import sys
path, line = sys.argv[1], sys.argv[2]
parts = line.split(" ||| ")
old, new = parts[1], parts[2]
src = open(path).read()
if src.count(old) != 1:
    sys.exit(1)
open(path, "w").write(src.replace(old, new))
PY
    then
        echo "INVALID  #$n $area $file: text not found exactly once"
        invalid=$((invalid + 1)); continue
    fi
    if ! build; then
        echo "INVALID  #$n $area $file: does not compile"; tail -n 5 "$work/make.log"
        invalid=$((invalid + 1))
    elif tests "$filter"; then
        echo "SURVIVED #$n $area $file: $(printf '%s' "$line" | awk -F' \\|\\|\\| ' '{print $2 " -> " $3}')"
        survived=$((survived + 1)); survivors+=("#$n")
    else
        echo "KILLED   #$n $area $file ($(grep -c '^\[  FAILED  \]' "$work/test.log") failing test lines)"
        killed=$((killed + 1))
    fi
    # Put the line, its object, the libraries and the test binary back as they were.
    cp -p "$work/.orig" "$work/$file"
    [ -e "$work/.keep/obj" ] && cp -a "$work/.keep/obj" "$work/$obj"
    rm -rf "$work/build/lib" && cp -a "$work/.keep/lib" "$work/build/lib"
    cp -a "$work/.keep/unit-tests" "$work/build/bin/unit-tests"
done
total=$((killed + survived))
echo "mutation score: $killed killed of $total ($(( total ? 100 * killed / total : 0 ))%), $invalid invalid${survivors[*]:+; survivors: ${survivors[*]}}"
[ "$survived" -eq 0 ]
