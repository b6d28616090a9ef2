#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# skagent-keygen against the real OpenSSH tools and skagent-vtoken:
#  - software keys (ed25519, ecdsa 256/384/521, rsa 2048/3072 (default)/4096), plain and
#    encrypted: OpenSSH's ssh-keygen reads them, ssh -i logs in with them (encrypted ones with
#    the passphrase), ssh-add loads them into OpenSSH's agent and skagent;
#    -l, -lv and -y print byte for byte what ssh-keygen prints, on our files and on ssh-keygen's;
#  - security keys on a virtual token (built-in middleware, $SKAGENT_VTOKEN): ed25519-sk and
#    ecdsa-sk, resident, verify-required, no-touch-required, user, challenge (checked in the
#    attestation signature), attestation; the files work with ssh -i, OpenSSH's agent and
#    skagent; sk files made by ssh-keygen (-w libskagent-sk.so, and -w sk-dummy.so) are read by
#    -l/-y; -K names and fills files as ssh-keygen -K does (a verify-required resident key too),
#    compared field by field from the same token state; --list-devices with and without a PIN;
#  - refusals: existing files (no terminal: never overwritten; on a terminal: asked), an
#    application without "ssh:", an existing resident credential, wrong and blocked PINs (-K
#    too), resident keys on a token that cannot store them, no token;
#  - man/skagent-keygen.1 is mandoc -Tlint clean.
# Secrets come from tests/askpass-test.sh (SSH_ASKPASS_REQUIRE=force); "no terminal" runs use
# setsid (no controlling terminal), "on a terminal" runs use script(1) with the answer typed.
. "$(dirname "$0")/lib.sh"

BIN=$(dirname "$SKAGENT")
KG=$BIN/skagent-keygen
[ -x "$KG" ] || KG=$BUILD/bin/skagent-keygen
VTOKEN=$BIN/skagent-vtoken
[ -x "$VTOKEN" ] || VTOKEN=$BUILD/bin/skagent-vtoken
SK_LIB=${SK_LIB:-$BUILD/lib/libskagent-sk.so}
preload_asan_for "$SK_LIB"
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
FIELDS="perl $SKAGENT_ROOT/tests/keygen/key_fields.pl"
K=$T/keys
PIN=135790
mkdir -p "$K"

if [ ! -x "$KG" ]; then
    fail "skagent-keygen is built" "$KG missing (make)"
    finish
fi

# kg ARGS...: skagent-keygen with no controlling terminal and stdin closed.
kg() { t setsid -w "$KG" "$@" </dev/null; }
# kg_tty ANSWER ARGS...: skagent-keygen on a terminal (script(1)) where ANSWER is typed.
kg_tty() {
    local answer=$1 cmd a; shift
    cmd=$(printf '%q' "$KG")
    for a in "$@"; do cmd="$cmd '$a'"; done
    printf '%s\n' "$answer" | t script -qec "$cmd" /dev/null
}
answers() { echo "$1" >"$ASKPASS_CONTROL"; }
# same_output NAME ARGS...: skagent-keygen ARGS and ssh-keygen ARGS print the same bytes.
same_output() {
    local name=$1 ours theirs; shift
    ours=$(kg "$@" 2>&1; echo "rc=$?")
    theirs=$(t ssh-keygen "$@" 2>&1 </dev/null; echo "rc=$?")
    check_eq "$name" "$ours" "$theirs"
}
fields() { $FIELDS "$@" 2>&1; }
# field_shape FILE: the field names of a private key file (no values), to compare key layouts.
field_shape() { fields "$1" | awk '{ print $1, ($1 == "public" || $1 == "private") ? $2 : "" }'; }
answers '!cancel'

# ------------------------------------------------------------------ software keys
SPECS="ed25519:-t:ed25519 ecdsa256:-t:ecdsa:-b:256 ecdsa384:-t:ecdsa:-b:384 ecdsa521:-t:ecdsa:-b:521 rsa:-t:rsa:-b:2048"
for spec in $SPECS; do
    name=${spec%%:*}
    # shellcheck disable=SC2046
    set -- $(echo "${spec#*:}" | tr ':' ' ')
    f=$K/sw-$name
    check "$name: generate (-N '')" kg -q "$@" -N '' -C "comment $name" -f "$f"
    check_eq "$name: private key 0600, public key 0644" "$(stat -c %a "$f" "$f.pub" | tr '\n' ' ')" "600 644 "
    check_eq "$name: ssh-keygen -y reads it" "$(t ssh-keygen -y -f "$f" 2>&1)" "$(cat "$f.pub")"
    check_match "$name: .pub carries the comment" "$(cat "$f.pub")" " comment $name\$"
    check_line "$name: unencrypted" "$(fields "$f")" "cipher none"
    check_line "$name: check integers agree" "$(fields "$f")" "checkint equal"
    check_match "$name: padding 1, 2, 3..." "$(fields "$f")" "^padding ok "
    # The same type from ssh-keygen: the same fields in the same order.
    t ssh-keygen -q "$@" -N '' -C "comment $name" -f "$K/ossh-$name" </dev/null
    check_eq "$name: same file layout as ssh-keygen's" "$(field_shape "$f")" "$(field_shape "$K/ossh-$name")"
    for file in "$f" "$f.pub" "$K/ossh-$name" "$K/ossh-$name.pub"; do
        b=$(basename "$file")
        same_output "$name: -l $b as ssh-keygen" -l -f "$file"
        same_output "$name: -lv $b (randomart) as ssh-keygen" -lv -f "$file"
        same_output "$name: -l -E md5 $b as ssh-keygen" -l -E md5 -f "$file"
    done
    same_output "$name: -y as ssh-keygen (ours)" -y -f "$f"
    same_output "$name: -y as ssh-keygen (ssh-keygen's)" -y -f "$K/ossh-$name"

    # Encrypted: bcrypt-pbkdf + aes256-ctr.
    e=$K/swe-$name
    check "$name: generate encrypted (-N, -a 4)" kg -q "$@" -N "pass $name" -a 4 -C "enc $name" -f "$e"
    check_line "$name: aes256-ctr" "$(fields "$e")" "cipher aes256-ctr"
    check_line "$name: bcrypt, 4 rounds" "$(fields "$e" | grep -e '^kdf' -e '^rounds' | tr '\n' ' ')" "kdf bcrypt rounds 4 "
    check_eq "$name: ssh-keygen -y -P reads it" "$(t ssh-keygen -y -P "pass $name" -f "$e" 2>&1)" "$(cat "$e.pub")"
    answers "pass $name"
    check_eq "$name: -y asks for the passphrase (askpass)" "$(kg -y -f "$e" 2>&1)" "$(cat "$e.pub")"
    t ssh-keygen -q "$@" -N "pass $name" -C "oenc $name" -f "$K/ossh-enc-$name" </dev/null
    check_eq "$name: -y on ssh-keygen's encrypted key" "$(kg -y -f "$K/ossh-enc-$name" 2>&1)" \
        "$(t ssh-keygen -y -P "pass $name" -f "$K/ossh-enc-$name" 2>&1)"
    check_eq "$name: -y -P" "$(kg -y -P "pass $name" -f "$e" 2>&1)" "$(cat "$e.pub")"
    answers "wrong"
    out=$(kg -y -f "$e" 2>&1); rc=$?
    check_eq "$name: -y, wrong passphrase: exit 1" "$rc" 1
    check_match "$name: -y, wrong passphrase: says so" "$out" "incorrect passphrase"
    # -l on an encrypted key without its .pub: no passphrase asked, "no comment".
    mv "$e.pub" "$e.pub.away"
    answers '!cancel'
    same_output "$name: -l on an encrypted key without .pub as ssh-keygen" -l -f "$e"
    mv "$e.pub.away" "$e.pub"
done
answers '!cancel'

# RSA's default size, and a larger one, made for real.
check "rsa: generated with the default size" kg -q -t rsa -N '' -f "$K/sw-rsa-default"
check_match "rsa: the default size is 3072 bits" "$(kg -l -f "$K/sw-rsa-default" 2>&1)" "^3072 SHA256:[^ ]+ .* \(RSA\)\$"
check "rsa -b 4096: generated" kg -q -t rsa -b 4096 -N '' -f "$K/sw-rsa-4096"
check_match "rsa -b 4096: 4096 bits" "$(kg -l -f "$K/sw-rsa-4096" 2>&1)" "^4096 SHA256:[^ ]+ .* \(RSA\)\$"
for n in rsa-default rsa-4096; do
    same_output "$n: -l as ssh-keygen" -l -f "$K/sw-$n"
    check_eq "$n: ssh-keygen -y reads it" "$(t ssh-keygen -y -f "$K/sw-$n" 2>&1)" "$(cat "$K/sw-$n.pub")"
done

# authorized_keys and known_hosts forms, and a file that holds no key.
# (A key line without a comment comes first: after a line with a host or options prefix,
# OpenSSH 9.2 prints a stale pointer as the comment of such a line; we print "no comment".)
{
    echo "# comment line"
    cut -d' ' -f1,2 "$K/sw-rsa.pub"
    echo "command=\"echo hi there\",no-pty $(cat "$K/sw-ed25519.pub")"
    echo "host.example,10.1.2.3 $(cut -d' ' -f1,2 "$K/sw-ecdsa256.pub")"
    echo "  $(cat "$K/sw-ecdsa384.pub")   "
} >"$T/mixed_keys"
same_output "-l on authorized_keys/known_hosts lines as ssh-keygen" -l -f "$T/mixed_keys"
echo "nothing here" >"$T/nokey"
out=$(kg -l -f "$T/nokey" 2>&1); rc=$?
check_eq "-l on a file without keys: exit 1" "$rc" 1
check_match "-l on a file without keys: message" "$out" "is not a public key file"
chmod 0644 "$K/sw-ed25519"
out=$(kg -y -f "$K/sw-ed25519" 2>&1); rc=$?
check_eq "-y refuses a private key others can read" "$rc" 1
check_match "-y: unprotected private key warning" "$out" "UNPROTECTED PRIVATE KEY FILE"
chmod 0600 "$K/sw-ed25519"

# Default file: asked for on stdin (empty = ~/.ssh/id_<type>), ~/.ssh made 0700.
mkdir -p "$T/home"
out=$(printf '\n' | HOME=$T/home t setsid -w "$KG" -t ed25519 -N '' 2>&1); rc=$?
check_eq "default path: exit 0" "$rc" 0
check_match "default path: asks for the file" "$out" "Enter file in which to save the key \\($(re "$T/home/.ssh/id_ed25519")\\)"
check_match "default path: made ~/.ssh" "$out" "Created directory '$(re "$T/home/.ssh")'"
check "default path: ~/.ssh/id_ed25519 written" test -f "$T/home/.ssh/id_ed25519.pub"
check_eq "default path: ~/.ssh is 0700" "$(stat -c %a "$T/home/.ssh")" 700
check_match "default type is ed25519" "$(cat "$T/home/.ssh/id_ed25519.pub")" '^ssh-ed25519 '
check_match "default comment is user@host" "$(cat "$T/home/.ssh/id_ed25519.pub")" " $(re "$ME")@"

# ------------------------------------------------------------------ file refusals
before=$(cat "$K/sw-ed25519" "$K/sw-ed25519.pub" | md5sum)
out=$(kg -q -t ed25519 -N '' -f "$K/sw-ed25519" 2>&1); rc=$?
check_eq "existing file, no terminal: exit 1" "$rc" 1
check_match "existing file, no terminal: says why" "$out" "already exists.*no terminal"
check_eq "existing file, no terminal: untouched" "$(cat "$K/sw-ed25519" "$K/sw-ed25519.pub" | md5sum)" "$before"
kg_tty n -q -t ed25519 -N '' -f "$K/sw-ed25519" >"$T/tty.out" 2>&1
check_match "existing file, on a terminal: asked" "$(cat "$T/tty.out")" "Overwrite \\(y/n\\)\\?"
check_eq "existing file, answered n: untouched" "$(cat "$K/sw-ed25519" "$K/sw-ed25519.pub" | md5sum)" "$before"
kg_tty y -q -t ed25519 -N '' -f "$K/sw-ed25519" >"$T/tty.out" 2>&1
check_rc "existing file, answered y: replaced" 1 sh -c \
    "test \"\$(cat '$K/sw-ed25519' '$K/sw-ed25519.pub' | md5sum)\" = '$before'"
check_eq "replaced key still read by ssh-keygen" "$(t ssh-keygen -y -f "$K/sw-ed25519" 2>&1)" "$(cat "$K/sw-ed25519.pub")"
check_rc "rsa -b 1024 refused" 1 kg -q -t rsa -b 1024 -N '' -f "$K/small"
check_rc "ecdsa -b 300 refused" 1 kg -q -t ecdsa -b 300 -N '' -f "$K/bad-ec"
check_rc "-O on a software key refused" 1 kg -q -t ed25519 -O resident -N '' -f "$K/bad-o"
check_rc "unknown flag refused" 1 kg -Z
check "nothing written by the refusals" sh -c "! ls '$K' | grep -q -e small -e bad-"

# ------------------------------------------------------------------ logins and agents (software)
start_sshd || { fail "start sshd"; finish; }
for spec in $SPECS; do authorize_key "$K/sw-${spec%%:*}.pub"; authorize_key "$K/swe-${spec%%:*}.pub"; done
for spec in $SPECS; do
    name=${spec%%:*}
    check "$name: ssh -i logs in" sshx -o IdentitiesOnly=yes -i "$K/sw-$name" true
    answers "pass $name"
    check "$name: ssh -i logs in with the encrypted key (passphrase from askpass)" \
        sshx -o BatchMode=no -o IdentitiesOnly=yes -i "$K/swe-$name" true
done
answers '!cancel'
start_agent || { fail "start skagent"; finish; }
for spec in $SPECS; do
    name=${spec%%:*}
    check "$name: ssh-add into skagent" ssh-add -q "$K/sw-$name"
    answers "pass $name"
    check "$name: ssh-add (encrypted) into skagent" ssh-add -q "$K/swe-$name"
done
answers '!cancel'
check_eq "skagent holds all ten" "$(t ssh-add -l | grep -c .)" 10
check "ssh logs in through skagent" sshx true
stop_agent
OA=$T/openssh-agent
mkdir -m 0700 "$OA"
ssh-agent -D -a "$OA/sock" >/dev/null 2>&1 </dev/null &
OA_PID=$!
wait_for 10 test -S "$OA/sock"
for spec in $SPECS; do
    name=${spec%%:*}
    check "$name: ssh-add into OpenSSH's ssh-agent" env SSH_AUTH_SOCK="$OA/sock" ssh-add -q "$K/sw-$name"
done
check "ssh logs in through OpenSSH's agent" env SSH_AUTH_SOCK="$OA/sock" ssh -F "$SSH_CONFIG" -n sut true
kill "$OA_PID" 2>/dev/null; wait "$OA_PID" 2>/dev/null

# ------------------------------------------------------------------ sk-dummy (OpenSSH's test provider)
if [ -r "$SK_DUMMY" ]; then
    for type in ed25519-sk ecdsa-sk; do
        f=$K/dummy-$type
        check "$type: ssh-keygen -w sk-dummy makes a key" t ssh-keygen -q -t "$type" -w "$SK_DUMMY" -N '' -C "d $type" -f "$f"
        check "$type: ssh-keygen -w sk-dummy, encrypted" t ssh-keygen -q -t "$type" -w "$SK_DUMMY" -N pw -C "de $type" -f "$f-enc"
        same_output "$type: -l on ssh-keygen's sk key" -l -f "$f"
        same_output "$type: -lv on ssh-keygen's sk key" -lv -f "$f"
        same_output "$type: -y on ssh-keygen's sk key" -y -f "$f"
        same_output "$type: -l on ssh-keygen's encrypted sk key" -l -f "$f-enc"
        check_eq "$type: -y on ssh-keygen's encrypted sk key" "$(kg -y -P pw -f "$f-enc" 2>&1)" \
            "$(t ssh-keygen -y -P pw -f "$f-enc" 2>&1)"
        o=$K/ours-dummy-$type
        check "$type: skagent-keygen -w sk-dummy makes a key" kg -q -t "$type" -w "$SK_DUMMY" -N '' -C "o $type" -f "$o"
        check_eq "$type: ssh-keygen -y reads it" "$(t ssh-keygen -y -f "$o" 2>&1)" "$(cat "$o.pub")"
        check_eq "$type: same file layout as ssh-keygen's" "$(field_shape "$o")" "$(field_shape "$f")"
        authorize_key "$o.pub"
        check "$type: ssh -i logs in (SecurityKeyProvider=sk-dummy)" \
            sshx -o SecurityKeyProvider="$SK_DUMMY" -o IdentitiesOnly=yes -i "$o" true
    done
    answers "$PIN"
    out=$(kg -K -w "$SK_DUMMY" -N '' 2>&1); rc=$?
    answers '!cancel'
    check_eq "-K with sk-dummy (no resident keys): exit 1" "$rc" 1
    check_match "-K with sk-dummy: says why" "$out" "not supported"
else
    note "sk-dummy.so not installed (openssh-tests): its checks skipped"
fi

# ------------------------------------------------------------------ -w a library that is no provider
# No sk_* exports, and a constructor that leaves a marker: refused by the export check before
# dlopen, as the sk helper refuses it (issue 19).
CTOR=$BIN/skagent-test-pkcs11-ctor-marker.so
if [ -f "$CTOR" ]; then
    out=$(SKAGENT_TEST_CTOR_MARKER=$T/ctor-ran kg -q -t ed25519-sk -w "$CTOR" -N '' -f "$T/ctor-key" 2>&1); rc=$?
    check "-w a library that is no provider: refused (exit $rc)" test "$rc" -ne 0
    check_match "-w a library that is no provider: for its exports" "$out" "does not export sk_api_version"
    check "-w a library that is no provider: its constructor never ran" test ! -e "$T/ctor-ran"
    check "-w a library that is no provider: no key written" test ! -e "$T/ctor-key"
else
    fail "-w a library that is no provider" "$CTOR missing (make)"
fi

# ------------------------------------------------------------------ the virtual token
if [ ! -x "$VTOKEN" ] || [ ! -r "$SK_LIB" ]; then
    fail "security key prerequisites" "need $VTOKEN and $SK_LIB (make all)"
    finish
fi
# start_vtoken DIR ARGS...: a token in DIR (hid.sock, ctl.sock) with PIN $PIN.
start_vtoken() {
    local d=$1; shift
    mkdir -p "$d"
    "$VTOKEN" --state "$d/state" --hid-socket "$d/hid.sock" --control "$d/ctl.sock" --pin "$PIN" \
        --exit-with-parent "$@" >"$d/log" 2>&1 </dev/null &
    wait_for 10 "$VTOKEN" ctl "$d/ctl.sock" touches
}
VT=$T/vt
start_vtoken "$VT" || { fail "start skagent-vtoken" "$(tail -n 3 "$VT/log" | tr '\n' ' ')"; finish; }
export SKAGENT_VTOKEN=$VT/hid.sock
vt() { "$VTOKEN" ctl "$VT/ctl.sock" "$@"; }
status_of() { vt status | sed -n "s/^$1=//p"; }
touches() { vt touches; }

out=$(kg --list-devices 2>&1)
check_match "--list-devices: the token, virtual, PIN set, 64 slots free" "$out" \
    "^vtoken:$(re "$VT/hid.sock") +virtual +set +64 free +skagent-vtoken\$"
check_match "--list-devices: header" "$out" "^PATH +TRANSPORT +PIN +RESIDENT +MODEL\$"
# A second token that has no PIN.
VT5=$T/vt5
mkdir -p "$VT5"
"$VTOKEN" --state "$VT5/state" --hid-socket "$VT5/hid.sock" --control "$VT5/ctl.sock" --exit-with-parent \
    >"$VT5/log" 2>&1 </dev/null &
if wait_for 10 "$VTOKEN" ctl "$VT5/ctl.sock" touches; then
    out=$(SKAGENT_VTOKEN=$VT/hid.sock,$VT5/hid.sock kg --list-devices 2>&1)
    check_match "--list-devices: a token without a PIN says not set" "$out" \
        "^vtoken:$(re "$VT5/hid.sock") +virtual +not set +[0-9]+ free +skagent-vtoken\$"
    check_match "--list-devices: beside it, the token with a PIN" "$out" "^vtoken:$(re "$VT/hid.sock") +virtual +set "
    check_eq "--list-devices: two tokens, one header" "$(printf '%s\n' "$out" | grep -c .)" 3
    "$VTOKEN" ctl "$VT5/ctl.sock" quit >/dev/null 2>&1
else
    fail "start a token without a PIN" "$(tail -n 3 "$VT5/log" | tr '\n' ' ')"
fi

# gen NAME TYPE ARGS...: an sk key $K/NAME made with the built-in middleware.
gen() { local n=$1 type=$2; shift 2; kg -t "$type" -N '' -C "kg $n" -f "$K/$n" "$@"; }
answers '!cancel'    # plain keys must not ask for a PIN
before=$(touches)
out=$(gen ed ed25519-sk 2>&1); rc=$?
check_eq "ed25519-sk: generated" "$rc" 0
check_match "ed25519-sk: says to touch the key" "$out" "^Touch your security key\\.\\.\\.\$"
check_eq "ed25519-sk: one touch" "$(( $(touches) - before ))" 1
check "ecdsa-sk: generated" gen ec ecdsa-sk
check "ed25519-sk no-touch-required: generated" gen ed-nt ed25519-sk -O no-touch-required
head -c 48 /dev/urandom >"$T/challenge"
check "ecdsa-sk with challenge and attestation: generated" gen ec-att ecdsa-sk \
    -O challenge="$T/challenge" -O write-attestation="$K/ec-att.attest"
check_match "attestation file: ssh-sk-attest-v01" "$(head -c 21 "$K/ec-att.attest" | tail -c 17)" '^ssh-sk-attest-v01$'
check_eq "attestation file: 0600" "$(stat -c %a "$K/ec-att.attest")" 600
# The -O challenge reached the token: the attestation signature covers authData || SHA-256(challenge).
mkdir -p "$T/att"
check "attestation file: split into certificate, signature, authData" \
    perl "$SKAGENT_ROOT/tests/keygen/attestation_parts.pl" "$K/ec-att.attest" "$T/att" "$K/ec-att.pub"
# The signer: the attestation certificate's key, or with self attestation (no certificate,
# as skagent-vtoken does) the new credential's own key.
if [ -s "$T/att/cert.der" ]; then
    openssl x509 -inform DER -in "$T/att/cert.der" -pubkey -noout >"$T/att/pub.pem" 2>/dev/null
else
    openssl pkey -pubin -inform DER -in "$T/att/key.der" -out "$T/att/pub.pem" 2>/dev/null
fi
{ cat "$T/att/authdata"; openssl dgst -sha256 -binary "$T/challenge"; } >"$T/att/signed"
check "attestation: the signature covers authData and SHA-256 of the -O challenge" \
    openssl dgst -sha256 -verify "$T/att/pub.pem" -signature "$T/att/sig.der" "$T/att/signed"
{ cat "$T/att/authdata"; head -c 48 /dev/zero | openssl dgst -sha256 -binary; } >"$T/att/other"
check_rc "attestation: with another challenge it does not verify" 1 \
    openssl dgst -sha256 -verify "$T/att/pub.pem" -signature "$T/att/sig.der" "$T/att/other"
: >"$ASKPASS_LOG"
answers "$PIN"
check "ed25519-sk resident with user: generated" gen ed-rk ed25519-sk -O resident -O application=ssh:kg-it -O user=alice
check_match "resident: the PIN was asked through askpass" "$(cat "$ASKPASS_LOG")" "Enter PIN for authenticator"
check "ecdsa-sk resident: generated" gen ec-rk ecdsa-sk -O resident -O application=ssh:kg-ec
check "ecdsa-sk verify-required: generated" gen ec-uv ecdsa-sk -O verify-required -O application=ssh:kg-uv
check "ecdsa-sk resident verify-required: generated" gen ec-rkuv ecdsa-sk -O resident -O verify-required \
    -O application=ssh:kg-rkuv
check_eq "vtoken holds the three resident keys" "$(status_of resident_credentials)" 3
check "-O device= names the token (not in \$SKAGENT_VTOKEN)" env SKAGENT_VTOKEN= \
    setsid -w "$KG" -q -t ecdsa-sk -N '' -f "$K/ec-dev" -O device="vtoken:$VT/hid.sock"
check_eq "-O device=: ssh-keygen -y reads it" "$(t ssh-keygen -y -f "$K/ec-dev" 2>&1)" "$(cat "$K/ec-dev.pub")"
check_line "resident key flags 0x21" "$(fields "$K/ed-rk")" "private flags 0x21"
check_line "verify-required key flags 0x05" "$(fields "$K/ec-uv")" "private flags 0x05"
check_line "resident verify-required key flags 0x25" "$(fields "$K/ec-rkuv")" "private flags 0x25"
check_line "no-touch-required key flags 0x00" "$(fields "$K/ed-nt")" "private flags 0x00"
check_line "application stored" "$(fields "$K/ed-rk")" "private application ssh:kg-it"
for n in ed ec ed-nt ec-att ed-rk ec-rk ec-uv ec-rkuv; do
    check_eq "$n: ssh-keygen -y reads it" "$(t ssh-keygen -y -f "$K/$n" 2>&1)" "$(cat "$K/$n.pub")"
    same_output "$n: -l as ssh-keygen" -l -f "$K/$n"
    same_output "$n: -y as ssh-keygen" -y -f "$K/$n"
done
answers "$PIN"
check "encrypted sk key (-N)" gen ed-enc ed25519-sk -N "sk pass"
check_line "encrypted sk key: aes256-ctr" "$(fields "$K/ed-enc")" "cipher aes256-ctr"
check_eq "encrypted sk key: ssh-keygen -y -P reads it" "$(t ssh-keygen -y -P "sk pass" -f "$K/ed-enc" 2>&1)" "$(cat "$K/ed-enc.pub")"
answers "sk pass"
check_eq "encrypted sk key: -y asks the passphrase" "$(kg -y -f "$K/ed-enc" 2>&1)" "$(cat "$K/ed-enc.pub")"
answers '!cancel'
# The PIN typed on a terminal (no askpass): asked without echo. The PIN is typed only once the
# prompt is on the screen (typed-ahead input is discarded, as readpassphrase(3) does).
mkfifo "$T/pin.fifo"
(
    exec 3>"$T/pin.fifo"
    wait_for 20 grep -q "Enter PIN for authenticator" "$T/pin.typescript"
    printf '%s\n' "$PIN" >&3
    sleep 3
) &
typer=$!
t script -qfec "env -u SSH_ASKPASS_REQUIRE -u SSH_ASKPASS -u DISPLAY '$KG' -t ed25519-sk -N '' -f '$K/ed-tty' -O resident -O application=ssh:kg-tty" \
    "$T/pin.typescript" <"$T/pin.fifo" >/dev/null 2>&1
wait "$typer" 2>/dev/null
check "PIN on the terminal: key made" test -f "$K/ed-tty.pub"
check_match "PIN on the terminal: asked" "$(cat "$T/pin.typescript")" "Enter PIN for authenticator"
check_rc "PIN on the terminal: not echoed" 1 grep -q "$PIN" "$T/pin.typescript"
# ssh-keygen's own sk keys through libskagent-sk.so, read by -l/-y.
check "ssh-keygen -w libskagent-sk.so: ed25519-sk" t ssh-keygen -q -t ed25519-sk -w "$SK_LIB" -N '' -C ossh-ed -f "$K/ossh-ed" </dev/null
check "ssh-keygen -w libskagent-sk.so: ecdsa-sk" t ssh-keygen -q -t ecdsa-sk -w "$SK_LIB" -N '' -C ossh-ec -f "$K/ossh-ec" </dev/null
for n in ossh-ed ossh-ec; do
    same_output "$n: -l as ssh-keygen" -l -f "$K/$n"
    same_output "$n: -lv as ssh-keygen" -lv -f "$K/$n"
    same_output "$n: -y as ssh-keygen" -y -f "$K/$n"
done
check_eq "sk files: same layout as ssh-keygen's (ed25519-sk)" "$(field_shape "$K/ed")" "$(field_shape "$K/ossh-ed")"
check_eq "sk files: same layout as ssh-keygen's (ecdsa-sk)" "$(field_shape "$K/ec")" "$(field_shape "$K/ossh-ec")"

# ssh -i, OpenSSH's agent and skagent with the sk files.
for n in ed ec ec-att ed-rk ec-rk ed-enc; do authorize_key "$K/$n.pub"; done
echo "no-touch-required $(cat "$K/ed-nt.pub")" >>"$SSHD_DIR/authorized_keys"
echo "verify-required $(cat "$K/ec-uv.pub")" >>"$SSHD_DIR/authorized_keys"
login_i() { sshx -o SecurityKeyProvider="$SK_LIB" -o IdentitiesOnly=yes -i "$K/$1" true; }
answers '!cancel'
for n in ed ec ec-att ed-rk ec-rk ed-nt; do
    before=$(touches)
    check "$n: ssh -i logs in" login_i "$n"
done
answers "$PIN"
check "ec-uv: ssh -i logs in with the PIN" login_i ec-uv
answers '!cancel'
LIB_DIR=$(dirname "$(readlink -f "$SK_LIB")")
# Debian's ssh-agent is setgid, so the loader drops LD_PRELOAD for it and the ssh-sk-helper it
# starts: a sanitizer build's library (preload_asan_for) needs a plain copy of the same binary.
OA_BIN=/usr/bin/ssh-agent
[ -n "${LD_PRELOAD:-}" ] && { cp /usr/bin/ssh-agent "$OA/ssh-agent" && OA_BIN=$OA/ssh-agent; }
"$OA_BIN" -D -a "$OA/sock2" -P "$LIB_DIR/*" >/dev/null 2>&1 </dev/null &
OA_PID=$!
wait_for 10 test -S "$OA/sock2"
check "ssh-add -S into OpenSSH's agent: ed25519-sk" env SSH_AUTH_SOCK="$OA/sock2" ssh-add -q -S "$SK_LIB" "$K/ed"
check "ssh-add -S into OpenSSH's agent: ecdsa-sk resident" env SSH_AUTH_SOCK="$OA/sock2" ssh-add -q -S "$SK_LIB" "$K/ec-rk"
check "ssh logs in through OpenSSH's agent with them" env SSH_AUTH_SOCK="$OA/sock2" ssh -F "$SSH_CONFIG" -n sut true
kill "$OA_PID" 2>/dev/null; wait "$OA_PID" 2>/dev/null
start_agent -P "$LIB_DIR/*" || { fail "start skagent"; finish; }
case $(basename "$SKAGENT") in
    ssh-agent*) note "provider \"internal\" checks skipped: $SKAGENT has no built-in middleware" ;;
    *)
        check "ssh-add into skagent (internal): ed25519-sk" ssh-add -q "$K/ed"
        check "ssh-add into skagent (internal): ecdsa-sk resident" ssh-add -q "$K/ec-rk"
        check "ssh logs in through skagent with them" sshx true
        check "ssh-add -D" ssh-add -D ;;
esac
check "ssh-add -S into skagent: ecdsa-sk" ssh-add -q -S "$SK_LIB" "$K/ec"
check "ssh logs in through skagent (-S library)" sshx true
stop_agent

# ------------------------------------------------------------------ -K
answers "$PIN"
check "ssh-keygen makes a resident key too (user bob)" t ssh-keygen -q -t ed25519-sk -w "$SK_LIB" -N '' \
    -O resident -O application=ssh://host.example -O user=bob -f "$K/ossh-rk" </dev/null
mkdir -p "$T/dl-ours" "$T/dl-theirs"
answers "$PIN"
out=$(cd "$T/dl-ours" && t setsid -w "$KG" -K -N '' 2>&1 </dev/null); rc=$?
check_eq "-K: exit 0" "$rc" 0
check_line "-K: reports each key (ed25519, application, user)" "$out" "Saved ED25519-SK key ssh:kg-it to id_ed25519_sk_rk_kg-it_alice"
check_line "-K: reports each key (ecdsa)" "$out" "Saved ECDSA-SK key ssh:kg-ec to id_ecdsa_sk_rk_kg-ec"
check_line "-K: reports each key (ssh:// and user)" "$out" "Saved ED25519-SK key ssh://host.example to id_ed25519_sk_rk_host.example_bob"
check_line "-K: reports each key (verify-required)" "$out" "Saved ECDSA-SK key ssh:kg-rkuv to id_ecdsa_sk_rk_kg-rkuv"
(cd "$T/dl-theirs" && t ssh-keygen -q -K -w "$SK_LIB" -N '' </dev/null) >"$T/dl-theirs.out" 2>&1
check_eq "-K: the same file names as ssh-keygen -K" "$(ls "$T/dl-ours")" "$(ls "$T/dl-theirs")"
check_eq "-K: five keys, ten files" "$(ls "$T/dl-ours" | grep -c .)" 10
check_line "-K: the verify-required key has flags 0x25" "$(fields "$T/dl-ours/id_ecdsa_sk_rk_kg-rkuv")" "private flags 0x25"
check_line "ssh-keygen -K: flags 0x25 too" "$(fields "$T/dl-theirs/id_ecdsa_sk_rk_kg-rkuv")" "private flags 0x25"
for f in $(cd "$T/dl-theirs" && ls); do
    case $f in
        *.pub)
            check_eq "-K $f: byte-identical to ssh-keygen's" "$(cat "$T/dl-ours/$f")" "$(cat "$T/dl-theirs/$f")" ;;
        *)
            check_eq "-K $f: every field as in ssh-keygen's" "$(fields "$T/dl-ours/$f")" "$(fields "$T/dl-theirs/$f")"
            check_eq "-K $f: mode 0600" "$(stat -c %a "$T/dl-ours/$f")" 600 ;;
    esac
done
check_eq "-K: the downloaded key is the generated one" "$(cut -d' ' -f1,2 "$T/dl-ours/id_ed25519_sk_rk_kg-it_alice.pub")" \
    "$(cut -d' ' -f1,2 "$K/ed-rk.pub")"
answers '!cancel'
check "-K: downloaded key logs in" login_i ../dl-ours/id_ed25519_sk_rk_kg-it_alice
# Again into the same directory: nothing overwritten without asking.
answers "$PIN"
before=$(cat "$T"/dl-ours/* | md5sum)
out=$(cd "$T/dl-ours" && t setsid -w "$KG" -K -N '' 2>&1 </dev/null); rc=$?
check_eq "-K again, no terminal: exit 1" "$rc" 1
check_match "-K again, no terminal: says why" "$out" "already exists.*no terminal"
check_eq "-K again, no terminal: files untouched" "$(cat "$T"/dl-ours/* | md5sum)" "$before"
out=$(cd "$T/dl-ours" && kg_tty n -K -N '' 2>&1)
check_match "-K again, on a terminal: asked" "$out" "Overwrite \\(y/n\\)\\?"
check_eq "-K again, answered n: files untouched" "$(cat "$T"/dl-ours/* | md5sum)" "$before"
(cd "$T/dl-ours" && printf 'y\ny\ny\ny\ny\n' | t script -qec "'$KG' -K -N ''" /dev/null) >/dev/null 2>&1
check_eq "-K again, answered y: the same keys" "$(cat "$T"/dl-ours/*.pub | md5sum)" "$(cat "$T"/dl-theirs/*.pub | md5sum)"
# With a passphrase: encrypted, read back by ssh-keygen.
mkdir -p "$T/dl-enc"
answers "$PIN"
(cd "$T/dl-enc" && t setsid -w "$KG" -K -N "dl pass" -a 2 </dev/null) >/dev/null 2>&1
check_line "-K -N: encrypted" "$(fields "$T/dl-enc/id_ecdsa_sk_rk_kg-ec")" "cipher aes256-ctr"
check_eq "-K -N: ssh-keygen -y -P reads it" "$(t ssh-keygen -y -P "dl pass" -f "$T/dl-enc/id_ecdsa_sk_rk_kg-ec" 2>&1)" \
    "$(cat "$T/dl-enc/id_ecdsa_sk_rk_kg-ec.pub")"
# A wrong PIN: nothing downloaded, and the tries left are told.
mkdir -p "$T/dl-wrong"
answers "000000"
out=$(cd "$T/dl-wrong" && t setsid -w "$KG" -K -N '' 2>&1 </dev/null); rc=$?
check_eq "-K, wrong PIN: exit 1" "$rc" 1
check_match "-K, wrong PIN: says how many tries are left" "$out" "wrong PIN: [0-9]+ tries left"
check_eq "-K, wrong PIN: no file written" "$(ls -A "$T/dl-wrong" | wc -l)" 0
vt power-cycle >/dev/null

# ------------------------------------------------------------------ security key refusals
before=$(touches)
out=$(gen bad-app ed25519-sk -O application=web:x 2>&1); rc=$?
check_eq "application without ssh: refused" "$rc" 1
check_match "application without ssh:: message" "$out" 'FIDO application string must begin with "ssh:"'
check_eq "application without ssh:: the token was not used" "$(touches)" "$before"
check_rc "unknown -O refused" 1 gen bad-opt ed25519-sk -O bogus
answers "$PIN"
out=$(gen dup ed25519-sk -O resident -O application=ssh:kg-it -O user=alice 2>&1); rc=$?
check_eq "existing resident key, no terminal: refused" "$rc" 1
check_match "existing resident key: ssh-keygen's question" "$out" "A resident key scoped to 'ssh:kg-it' with user id 'alice' already exists\\."
check_match "existing resident key, no terminal: says why" "$out" "no terminal"
check "existing resident key: no file written" test ! -e "$K/dup"
kg_tty n -t ed25519-sk -N '' -f "$K/dup" -O resident -O application=ssh:kg-it -O user=alice >"$T/dup.out" 2>&1
check_match "existing resident key, on a terminal: asked" "$(cat "$T/dup.out")" "Overwrite key in token \\(y/n\\)\\?"
check "existing resident key, answered n: no file" test ! -e "$K/dup"
kg_tty y -t ed25519-sk -N '' -f "$K/dup" -O resident -O application=ssh:kg-it -O user=alice >"$T/dup.out" 2>&1
check "existing resident key, answered y: replaced" test -f "$K/dup.pub"
check_eq "existing resident key, answered y: still 5 resident keys" "$(status_of resident_credentials)" 5
check_rc "the replaced key is a new one" 1 sh -c "test \"\$(cut -d' ' -f2 '$K/dup.pub')\" = \"\$(cut -d' ' -f2 '$K/ed-rk.pub')\""
answers "000000"
out=$(gen wrong-pin ed25519-sk -O resident -O application=ssh:kg-wrong 2>&1); rc=$?
check_eq "wrong PIN: refused" "$rc" 1
check_match "wrong PIN: says how many tries are left" "$out" "wrong PIN: [0-9]+ tries left"
check_match "three wrong PINs: the token wants to be reinserted" "$out" "reinsert"
vt power-cycle >/dev/null
answers "$PIN"
check "after reinserting, the right PIN works" gen after-pin ed25519-sk -O resident -O application=ssh:kg-after
# A PIN blocked for good: a second token, 8 wrong PINs (3 per insertion).
VT2=$T/vt2
if start_vtoken "$VT2"; then
    answers "000000"
    for _ in 1 2 3; do
        SKAGENT_VTOKEN=$VT2/hid.sock kg -t ed25519-sk -N '' -f "$K/blocked" -O resident >/dev/null 2>&1
        "$VTOKEN" ctl "$VT2/ctl.sock" power-cycle >/dev/null
    done
    answers "$PIN"
    out=$(SKAGENT_VTOKEN=$VT2/hid.sock kg -t ed25519-sk -N '' -f "$K/blocked" -O resident 2>&1); rc=$?
    check_eq "blocked PIN: refused" "$rc" 1
    check_match "blocked PIN: says it is blocked" "$out" "[Bb]locked"
    "$VTOKEN" ctl "$VT2/ctl.sock" quit >/dev/null 2>&1
else
    fail "start a second skagent-vtoken"
fi
# A token with no room left for resident keys.
VT3=$T/vt3
if start_vtoken "$VT3" --max-resident 0; then
    answers "$PIN"
    out=$(SKAGENT_VTOKEN=$VT3/hid.sock kg -t ed25519-sk -N '' -f "$K/full" -O resident 2>&1); rc=$?
    check_eq "resident key on a full token: refused" "$rc" 1
    check_match "resident key on a full token: says it is full" "$out" \
        "the security key has no room for another resident key: delete one first"
    check "resident key on a full token: no file" test ! -e "$K/full"
    "$VTOKEN" ctl "$VT3/ctl.sock" quit >/dev/null 2>&1
else
    fail "start a third skagent-vtoken"
fi
# A token that cannot hold resident keys at all (getInfo option "rk" false).
VT4=$T/vt4
if start_vtoken "$VT4" --no-rk; then
    answers "$PIN"
    out=$(SKAGENT_VTOKEN=$VT4/hid.sock kg -t ed25519-sk -N '' -f "$K/nork" -O resident 2>&1); rc=$?
    check_eq "resident key on a token without rk: refused" "$rc" 1
    check_match "resident key on a token without rk: names the option" "$out" \
        "the security key vtoken:$(re "$VT4/hid.sock") cannot store resident keys \\(no \"rk\" option\\)"
    check "resident key on a token without rk: no file" test ! -e "$K/nork"
    check_eq "resident key on a token without rk: nothing stored" \
        "$("$VTOKEN" ctl "$VT4/ctl.sock" status | sed -n 's/^resident_credentials=//p')" 0
    "$VTOKEN" ctl "$VT4/ctl.sock" quit >/dev/null 2>&1
else
    fail "start a fourth skagent-vtoken"
fi
answers "$PIN"
out=$(SKAGENT_VTOKEN=$T/no-such-token.sock kg -t ed25519-sk -N '' -f "$K/notoken" -O device=vtoken:$T/no-such-token.sock 2>&1); rc=$?
check_eq "no token: refused" "$rc" 1
check_match "no token: says so" "$out" "no security key found at vtoken:$(re "$T/no-such-token.sock")"
check "no token: no file" test ! -e "$K/notoken"
out=$(cd "$T" && SKAGENT_VTOKEN=$T/no-such-token.sock t setsid -w "$KG" -K -N '' -O device=vtoken:$T/no-such-token.sock 2>&1 </dev/null); rc=$?
check_eq "-K, no token: refused" "$rc" 1
check_match "-K, no token: says so" "$out" "no security key found at vtoken:$(re "$T/no-such-token.sock")"

# ------------------------------------------------------------------ the manual page
if command -v mandoc >/dev/null; then
    check_eq "man/skagent-keygen.1: mandoc -Tlint clean" \
        "$(mandoc -Tlint -W warning "$SKAGENT_ROOT/man/skagent-keygen.1" 2>&1)" ""
else
    fail "mandoc installed (tests/deps.sh)"
fi

finish
