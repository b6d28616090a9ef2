#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make install / uninstall into a DESTDIR: the tree (programs, helpers under libexec, systemd
# user units with ExecStart for the PREFIX, udev rules, man pages; modes), the installed units
# verify clean and the pages lint clean, the installed skagent runs (-V) and finds the
# installed helper through ../libexec/skagent/ (an sk-dummy key added with ssh-add -S signs
# with ssh-add -T; a copy of the agent without that directory cannot), PREFIX=/usr, and
# uninstall leaves no file behind.
#
# Runs as the invoking user even when root: `make install` may rebuild stale programs in
# $BUILD, which root owns in CI.
SKAGENT_TEST_AS_ROOT=${SKAGENT_TEST_AS_ROOT:-1}
. "$(dirname "$0")/lib.sh"
SK_PROVIDER=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so

mk() { timeout -k 10 900 make -C "$SKAGENT_ROOT" --no-print-directory BUILD="$BUILD" "$@"; }

# ------------------------------------------------------------------ PREFIX=/usr/local
D=$T/destdir
P=/usr/local
out=$(mk PREFIX=$P DESTDIR="$D" install 2>&1); rc=$?
check_eq "make install PREFIX=$P DESTDIR=... exits 0" "$rc" 0 || note "$(printf '%s\n' "$out" | tail -n 5)"

expected="755 $P/bin/skagent
755 $P/bin/skagent-vtoken
755 $P/libexec/skagent/skagent-sk-helper
755 $P/libexec/skagent/skagent-pkcs11-helper
644 $P/lib/systemd/user/skagent.socket
644 $P/lib/systemd/user/skagent.service
644 $P/lib/udev/rules.d/70-skagent-fido.rules
644 $P/share/man/man1/skagent.1
644 $P/share/man/man1/skagent-keygen.1
644 $P/share/man/man1/skagent-vtoken.1
644 $P/share/man/man5/skagent.conf.5"
tree=$(cd "$D" && find . -type f -printf '%m /%P\n' | sort)
while IFS= read -r want; do
    check_line "installed: $want" "$tree" "$want"
done <<<"$expected"
# Anything else must be a program in bin/ (more commands may be added), a library of ours in
# lib/skagent/ (libskagent-sk.so, the SecurityKeyProvider for OpenSSH) or one of our pages.
others=$(printf '%s\n' "$tree" | grep -vxF -e "$expected" |
         grep -vE "^755 $P/bin/skagent-[a-z0-9-]+\$|^644 $P/lib/skagent/lib[a-z0-9-]+\.so\$|^644 $P/share/man/man[15]/skagent")
check_eq "nothing installed outside those places" "$others" ""
check "no helper in bin/ (they live in libexec/skagent/)" test ! -e "$D$P/bin/skagent-sk-helper" -a ! -e "$D$P/bin/skagent-pkcs11-helper"

U=$D$P/lib/systemd/user
check_line "installed service runs $P/bin/skagent -D" "$(cat "$U/skagent.service" 2>/dev/null)" "ExecStart=$P/bin/skagent -D"
check_eq "installed service has no @placeholder@" "$(grep -c '@[a-z]*@' "$U/skagent.service" 2>/dev/null)" 0
check "installed socket is systemd/skagent.socket" cmp "$U/skagent.socket" "$SKAGENT_ROOT/systemd/skagent.socket"
check "installed rules are udev/70-skagent-fido.rules" cmp "$D$P/lib/udev/rules.d/70-skagent-fido.rules" "$SKAGENT_ROOT/udev/70-skagent-fido.rules"
# verify cannot look inside a DESTDIR (--root does not apply to user units): check the
# installed files with ExecStart pointing at the installed (DESTDIR) program instead.
mkdir -p "$T/units" "$T/run"
chmod 0700 "$T/run"
cp "$U/skagent.socket" "$T/units/"
sed "s|^ExecStart=$P/bin/|ExecStart=$D$P/bin/|" "$U/skagent.service" >"$T/units/skagent.service"
out=$(cd "$T/units" && XDG_RUNTIME_DIR=$T/run MANPATH=$D$P/share/man \
      t systemd-analyze verify --user --man=yes skagent.socket skagent.service 2>&1; echo "rc=$?")
check_eq "installed units verify clean (man:skagent(1) found in the installed pages)" "$out" "rc=0"
out=$(t man -M "$D$P/share/man" -w skagent.conf 2>&1)
check_eq "man finds the installed skagent.conf(5)" "$out" "$D$P/share/man/man5/skagent.conf.5"
for page in "$D$P"/share/man/man*/*; do
    out=$(mandoc -Tlint "$page" 2>&1 | grep -v -e 'referenced manual not found' -e 'outdated mandoc.db')
    check_eq "installed $(basename "$page") lints clean" "$out" ""
done

# ------------------------------------------------------------------ the installed agent
out=$(t "$D$P/bin/skagent" -V 2>&1); rc=$?
check_match "installed skagent -V prints its version" "$rc:$out" '^0:skagent [0-9]+\.[0-9]+'

mkdir -m 0700 "$T/sk"
if [ -r "$SK_PROVIDER" ]; then ok "sk-dummy provider is there (openssh-tests)"; else fail "sk-dummy provider is there (openssh-tests)" "$SK_PROVIDER"; fi
check "an sk-dummy key is made" env SSH_SK_PROVIDER="$SK_PROVIDER" ssh-keygen -q -t ed25519-sk -N '' -C sk-dummy-key -f "$T/sk/key"

# sk_sign_with AGENT: start AGENT, add the sk key with ssh-add -S, sign with ssh-add -T.
# Prints the helper command lines seen while it ran, then "sign=RC".
sk_sign_with() {
    local sock=$T/sk/sock.$RANDOM pid rc helpers
    env -u SKAGENT_SK_HELPER -u SKAGENT_PKCS11_HELPER "$1" -D -a "$sock" -P "$(dirname "$SK_PROVIDER")/*" \
        >"$T/sk/out" 2>"$T/sk/err" </dev/null &
    pid=$!
    wait_for 10 test -S "$sock" || { echo "no socket"; kill "$pid"; wait "$pid"; return 1; }
    SSH_AUTH_SOCK=$sock t ssh-add -q -S "$SK_PROVIDER" "$T/sk/key" </dev/null >/dev/null 2>&1
    SSH_AUTH_SOCK=$sock t ssh-add -T "$T/sk/key.pub" </dev/null >/dev/null 2>&1
    rc=$?
    helpers=$(for p in $(tagged_pids "" "$(dirname "$(dirname "$1")")"); do
                  tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null; echo; done | grep 'skagent-sk-helper')
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    printf '%s\nsign=%s\n' "$helpers" "$rc"
}
out=$(sk_sign_with "$D$P/bin/skagent")
check_line "installed agent signs with an sk-dummy key (ssh-add -S, -T)" "$out" "sign=0"
check_match "it runs the installed helper, bin/../libexec/skagent/skagent-sk-helper" "$out" \
    "^$(re "$D$P/bin/../libexec/skagent/skagent-sk-helper") "
# The check above can fail: the same program without ../libexec/skagent/ has no helper.
mkdir -p "$T/bare/bin"
cp "$D$P/bin/skagent" "$T/bare/bin/"
out=$(sk_sign_with "$T/bare/bin/skagent")
check_match "a copy without ../libexec/skagent/ cannot sign with it" "$out" "^sign=[1-9]"

# ------------------------------------------------------------------ PREFIX=/usr
D2=$T/destdir-usr
out=$(mk PREFIX=/usr DESTDIR="$D2" install 2>&1); rc=$?
check_eq "make install PREFIX=/usr exits 0" "$rc" 0 || note "$(printf '%s\n' "$out" | tail -n 5)"
check "PREFIX=/usr: rules in /usr/lib/udev/rules.d" test -f "$D2/usr/lib/udev/rules.d/70-skagent-fido.rules"
check "PREFIX=/usr: units in /usr/lib/systemd/user" test -f "$D2/usr/lib/systemd/user/skagent.socket"
check "PREFIX=/usr: helper in /usr/libexec/skagent" test -x "$D2/usr/libexec/skagent/skagent-sk-helper"
check_line "PREFIX=/usr: ExecStart=/usr/bin/skagent -D" "$(cat "$D2/usr/lib/systemd/user/skagent.service" 2>/dev/null)" \
    "ExecStart=/usr/bin/skagent -D"

# ------------------------------------------------------------------ uninstall
for d in "$D:$P" "$D2:/usr"; do
    dir=${d%%:*} prefix=${d#*:}
    out=$(mk PREFIX="$prefix" DESTDIR="$dir" uninstall 2>&1); rc=$?
    check_eq "make uninstall PREFIX=$prefix exits 0" "$rc" 0 || note "$(printf '%s\n' "$out" | tail -n 5)"
    check_eq "PREFIX=$prefix: no file left after uninstall" "$(find "$dir" ! -type d 2>/dev/null)" ""
    check "PREFIX=$prefix: libexec/skagent removed" test ! -e "$dir$prefix/libexec/skagent"
done

finish
