#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package (debian/, debhelper 13): `dpkg-buildpackage -us -uc -b` builds
# skagent_*.deb from a clean copy of the tree (the project's files as git lists them, in a
# temp dir, so that nothing is written beside the checkout), lintian finds no error and no
# warning, and the package, unpacked into a throw-away root with dpkg-deb -x, holds the
# programs in /usr/bin, the helpers in /usr/libexec/skagent, the SecurityKeyProvider library
# in /usr/lib/skagent, the systemd user units in /usr/lib/systemd/user (ExecStart naming
# /usr/bin/skagent), the udev rules in /usr/lib/udev/rules.d and the man pages in
# /usr/share/man (compressed). The unpacked agent runs, serves ssh-add, and signs with a
# security key through the unpacked helper (found relative to the agent's executable).
#
# The build compiles the whole project once (a few minutes on two cores; parallel=2).
SKAGENT_TEST_AS_ROOT=${SKAGENT_TEST_AS_ROOT:-1}
. "$(dirname "$0")/lib.sh"
TEST_TIMEOUT=60
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so

missing=
for p in /usr/bin/dpkg-buildpackage /usr/bin/dh /usr/bin/fakeroot /usr/bin/lintian /usr/bin/git "$SK_DUMMY"; do
    [ -e "$p" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
    fail "prerequisites" "missing:$missing (tests/deps.sh)"
    finish
fi

VERSION=$(dpkg-parsechangelog -l "$SKAGENT_ROOT/debian/changelog" -S Version 2>/dev/null)
check_match "debian/changelog has a version" "$VERSION" '^[0-9][0-9.]*$' || finish
SRC=$T/build/skagent-$VERSION
mkdir -p "$SRC"
# The tree as git knows it (tracked and new, not ignored files: no build/ directory).
(cd "$SKAGENT_ROOT" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$SKAGENT_ROOT" && tar --null -T - -cf -) | tar -xf - -C "$SRC" ||
    { fail "copy the tree"; finish; }
check "the copy has no build directory" test ! -e "$SRC/build"
stamp=$T/before-build
touch "$stamp"

start=$(date +%s)
# (BUILD, which names the tree under test, must not reach the package's Makefile.)
(cd "$SRC" && env -u BUILD DEB_BUILD_OPTIONS="parallel=2 nocheck" timeout -k 10 1500 dpkg-buildpackage -us -uc -b) \
    >"$T/build.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage -us -uc -b exits 0 ($(( $(date +%s) - start )) s)" "$rc" 0 ||
    { note "$(tail -n 25 "$T/build.log")"; finish; }
check_match "the Makefile built in parallel" "$(cat "$T/build.log")" "make -j2"
check "the package was built in its own tree" test -x "$SRC/build/bin/skagent"
check_eq "nothing of the build under test was touched" \
    "$(find "$BUILD" -maxdepth 2 -newer "$stamp" -path "$BUILD/bin/*" 2>/dev/null | wc -l)" 0
ARCH=$(dpkg --print-architecture)
DEB=$T/build/skagent_${VERSION}_$ARCH.deb
check "skagent_${VERSION}_$ARCH.deb was built" test -s "$DEB" || finish

# ---------------------------------------------------------------- lintian
lint=$(lintian --fail-on error,warning --display-level ">=warning" "$DEB" "$T/build/skagent_${VERSION}_$ARCH.changes" 2>&1)
rc=$?
note "lintian: ${lint:-(nothing at warning level or above)}"
check_eq "lintian: no error, no warning" "$rc" 0
lint_all=$(lintian -I "$DEB" 2>&1)
note "lintian -I (information tags too): ${lint_all:-(nothing)}"

# ---------------------------------------------------------------- the files
R=$T/root
check "dpkg-deb -x" dpkg-deb -x "$DEB" "$R"
tree=$(cd "$R" && find . -type f -printf '%m /%P\n' | sort)
for want in "755 /usr/bin/skagent" "755 /usr/bin/skagent-keygen" "755 /usr/bin/skagent-vtoken" \
            "755 /usr/libexec/skagent/skagent-sk-helper" "755 /usr/libexec/skagent/skagent-pkcs11-helper" \
            "644 /usr/lib/skagent/libskagent-sk.so" \
            "644 /usr/lib/systemd/user/skagent.service" "644 /usr/lib/systemd/user/skagent.socket" \
            "644 /usr/lib/udev/rules.d/70-skagent-fido.rules" \
            "644 /usr/share/man/man1/skagent.1.gz" "644 /usr/share/man/man1/skagent-keygen.1.gz" \
            "644 /usr/share/man/man1/skagent-vtoken.1.gz" "644 /usr/share/man/man5/skagent.conf.5.gz" \
            "644 /usr/share/doc/skagent/copyright" "644 /usr/share/doc/skagent/changelog.gz"; do
    check_line "packaged: $want" "$tree" "$want"
done
check_eq "nothing under /usr/local or /etc" "$(printf '%s\n' "$tree" | grep -cE ' /(usr/local|etc)/')" 0
check_match "the service starts /usr/bin/skagent" "$(cat "$R/usr/lib/systemd/user/skagent.service")" \
    '^ExecStart=/usr/bin/skagent -D$'
check_eq "the control file: version" "$(dpkg-deb -f "$DEB" Version)" "$VERSION"
check_match "the control file: shared-library dependencies" "$(dpkg-deb -f "$DEB" Depends)" "libc6 .*libfido2-1 .*libssl3"
check "the man page is readable" sh -c "zcat '$R/usr/share/man/man1/skagent.1.gz' | grep -q '^\.Dt SKAGENT 1'"

# ---------------------------------------------------------------- the unpacked agent works
check_match "the unpacked skagent runs (-V)" "$("$R/usr/bin/skagent" -V 2>&1)" '^skagent '
SKAGENT=$R/usr/bin/skagent start_agent -P "$SK_DUMMY" || { fail "start the unpacked agent"; finish; }
t ssh-keygen -q -t ed25519 -N '' -C deb-key -f "$T/key" || fail "keygen"
check "ssh-add adds a key to the unpacked agent" t ssh-add -q "$T/key"
check_match "ssh-add -l lists it" "$(t ssh-add -l 2>&1)" "deb-key \(ED25519\)"
check "ssh-add -T: it signs" t ssh-add -T "$T/key.pub"
SSH_SK_PROVIDER=$SK_DUMMY t ssh-keygen -q -t ed25519-sk -N '' -C deb-sk -f "$T/sk" </dev/null || fail "keygen sk"
check "a security key through the packaged helper (/usr/libexec/skagent)" t ssh-add -q -S "$SK_DUMMY" "$T/sk"
check "ssh-add -T with the security key" t ssh-add -T "$T/sk.pub"
stop_agent
finish
