#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the newest OpenSSH (a test peer, never part of skagent) once into the build directory
# and prints its source/build directory on stdout.
#
#   tests/openssh/build_latest.sh            # prints e.g. $BUILD/peers/openssh-<sha16>/src
#
# The tarball is $OPENSSH_LATEST_SRC, else ../shared/peers/openssh-portable-V_10_5_P1.tar.gz
# beside the repository (see shared/peers/README.md). The build is keyed by the tarball's
# SHA-256, so a new tarball builds anew and the same one is built once per build directory; a
# lock keeps two suites from building it at the same time. Exits 2, printing why on stderr,
# when the tarball is missing (the suites then report that they could not run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TARBALL=${OPENSSH_LATEST_SRC:-$ROOT/../shared/peers/openssh-portable-V_10_5_P1.tar.gz}

if [ ! -f "$TARBALL" ]; then
    echo "build_latest: no OpenSSH source tarball at $TARBALL" >&2
    echo "build_latest: put openssh-portable-V_10_5_P1.tar.gz in ../shared/peers or set OPENSSH_LATEST_SRC" >&2
    exit 2
fi
sum=$(sha256sum "$TARBALL" | cut -c1-16)
dest=$BUILD/peers/openssh-$sum
mkdir -p "$BUILD/peers"
exec 9>"$BUILD/peers/.openssh-latest.lock"
flock 9
if [ -f "$dest/.built" ]; then
    echo "$dest/src"
    exit 0
fi

rm -rf "$dest"
mkdir -p "$dest/unpack"
tar -xzf "$TARBALL" -C "$dest/unpack"
top=$(find "$dest/unpack" -mindepth 1 -maxdepth 1 -type d | head -n 1)
mv "$top" "$dest/src"
rmdir "$dest/unpack"
log=$dest/build.log
echo "build_latest: building OpenSSH from $(basename "$TARBALL") into $dest (log $log)" >&2
(
    cd "$dest/src"
    autoreconf -i
    ./configure --with-security-key-builtin --without-pam --without-selinux
    make -j"$(nproc 2>/dev/null || echo 2)"
    make regress-prep regress-binaries
) >"$log" 2>&1 || {
    echo "build_latest: OpenSSH build failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
}
touch "$dest/.built"
echo "$dest/src"
