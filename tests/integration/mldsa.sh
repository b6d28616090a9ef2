#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ML-DSA-44+Ed25519 keys (ssh-mldsa44-ed25519@openssh.com) against OpenSSH 10.5's own tools
# (built by tests/openssh/build_latest.sh): key files both ways, the agent's add (plain,
# constrained, with a certificate), list, SSHSIG signing and remove with 10.5's ssh-add and
# ssh-keygen; $MLDSA_SIGNATURES (10000) signatures made by skagent's signer over random
# messages verified by 10.5's `ssh-keygen -Y verify`; 1000 made by 10.5 verified by skagent
# (and each, with one bit flipped, refused); signing under valgrind memcheck with the secrets
# marked undefined (tests/mldsa/mldsa_tool.cc).
HERE=$(cd "$(dirname "$0")" && pwd)
# Find (or build) OpenSSH 10.5 before lib.sh switches to the test user, who cannot write the
# build directory; the directory is passed on as the argument.
if [ $# -eq 0 ] && [ "$(id -u)" = 0 ]; then
    set -- "$(BUILD=${BUILD:-$HERE/../../build} "$HERE/../openssh/build_latest.sh" 2>/dev/null)"
fi
. "$HERE/lib.sh"
OSSH=${1:-$(BUILD=$BUILD "$LIB_DIR/../openssh/build_latest.sh" 2>/dev/null)}
if [ -z "$OSSH" ] || [ ! -x "$OSSH/ssh-keygen" ] || [ ! -x "$OSSH/ssh-add" ]; then
    fail "could not run: no OpenSSH 10.5 build (tests/openssh/build_latest.sh; see README)"
    finish
fi
BIN=$(dirname "$SKAGENT")
KEYGEN=$OSSH/ssh-keygen
ADD=$OSSH/ssh-add
TOOL=$BIN/skagent-test-mldsa
N=${MLDSA_SIGNATURES:-10000}
KT=ssh-mldsa44-ed25519@openssh.com
head -c 3000 /dev/urandom >"$T/data"

# ---- key files, both ways
check "skagent-keygen -t mldsa44-ed25519" t "$BIN/skagent-keygen" -q -t mldsa44-ed25519 -N '' -C sk -f "$T/sk"
check_eq "OpenSSH 10.5 reads skagent's key file" "$(t "$KEYGEN" -y -f "$T/sk" | cut -d' ' -f1,2)" \
    "$(cut -d' ' -f1,2 "$T/sk.pub")"
check_match "and its type is $KT" "$(cat "$T/sk.pub")" "^$(re "$KT") "
check_eq "same fingerprint and size in both" "$(t "$KEYGEN" -l -f "$T/sk")" "$(t "$BIN/skagent-keygen" -l -f "$T/sk")"
check "encrypted: skagent-keygen -N" t "$BIN/skagent-keygen" -q -t mldsa44-ed25519 -N 'pass phrase' -f "$T/sk_enc"
check_eq "OpenSSH 10.5 decrypts it" "$(t "$KEYGEN" -y -P 'pass phrase' -f "$T/sk_enc" | cut -d' ' -f1,2)" \
    "$(cut -d' ' -f1,2 "$T/sk_enc.pub")"
check "OpenSSH 10.5 ssh-keygen -t mldsa44-ed25519" t "$KEYGEN" -q -t mldsa44-ed25519 -N '' -C os -f "$T/os"
check_eq "skagent-keygen reads OpenSSH's key file" "$(t "$BIN/skagent-keygen" -y -f "$T/os" | cut -d' ' -f1,2)" \
    "$(cut -d' ' -f1,2 "$T/os.pub")"
t "$KEYGEN" -q -t ed25519 -N '' -f "$T/ca"
check "certificate for the key" t "$KEYGEN" -q -s "$T/ca" -I os-cert -n "$ME" "$T/os.pub"

# ---- the agent
start_agent || { fail "start agent"; finish; }
check "ssh-add (10.5) adds skagent's key" t "$ADD" -q "$T/sk"
check "ssh-add (10.5) adds OpenSSH's key and its certificate" t "$ADD" -q "$T/os"
out=$(t "$ADD" -l 2>&1)
check_match "listed: skagent's key" "$out" "^256 $(re "$(t "$KEYGEN" -lf "$T/sk.pub" | awk '{print $2}')") sk \(MLDSA44-ED25519\)\$"
check_match "listed: the certificate" "$out" "\(MLDSA44-ED25519-CERT\)\$"
check_eq "three identities" "$(printf '%s\n' "$out" | wc -l)" 3
mv "$T/os" "$T/os.private"   # from here on the private key exists only in the agent
printf '%s %s\n' signer "$(cat "$T/os.pub")" >"$T/allowed"
printf '%s cert-authority %s\n' "$ME" "$(cat "$T/ca.pub")" >"$T/allowed_ca"
rm -f "$T/data.sig"
check "ssh-keygen -Y sign through the agent" t "$KEYGEN" -q -Y sign -f "$T/os.pub" -n file "$T/data"
check "ssh-keygen (10.5) -Y verify accepts it" sh -c "'$KEYGEN' -Y verify -f '$T/allowed' -I signer -n file -s '$T/data.sig' <'$T/data'"
check_rc "other data does not verify" 255 sh -c "'$KEYGEN' -Y verify -f '$T/allowed' -I signer -n file -s '$T/data.sig' </dev/null"
rm -f "$T/data.sig"
check "signing with the certificate through the agent" t "$KEYGEN" -q -Y sign -f "$T/os-cert.pub" -n file "$T/data"
check "certificate signature verifies via cert-authority" \
    sh -c "'$KEYGEN' -Y verify -f '$T/allowed_ca' -I '$ME' -n file -s '$T/data.sig' <'$T/data'"
check "ssh-add -d removes the key" t "$ADD" -q -d "$T/os.pub"
rm -f "$T/data.sig"
check_rc "removed: signing fails" 255 t "$KEYGEN" -q -Y sign -f "$T/os.pub" -n file "$T/data"
mv "$T/os.private" "$T/os"
check "constrained add (lifetime 2 s)" t "$ADD" -q -t 2 "$T/os"
check_match "listed with the constraint's key" "$(t "$ADD" -l)" "os \(MLDSA44-ED25519\)\$"
sleep 3
check_eq "expired after its lifetime" "$(t "$ADD" -l | grep -c ' os ')" 0
check "ssh-add -D" t "$ADD" -q -D
stop_agent

# ---- bulk: skagent signs, OpenSSH 10.5 verifies
mkdir "$T/bulk"
printf '%s %s\n' signer "$(cat "$T/sk.pub")" >"$T/allowed_sk"
TEST_TIMEOUT=600 check "skagent signs $N random messages" t "$TOOL" sshsig-sign "$T/sk" file "$T/bulk" "$N"
# shellcheck disable=SC2016
good=$(cd "$T/bulk" && find . -name 'm*.sig' -printf '%f\n' | timeout 900 xargs -P 2 -n 50 sh -c '
    allowed=$1; shift
    for s; do "$0" -Y verify -f "$allowed" -I signer -n file -s "$s" <"${s%.sig}" >/dev/null 2>&1 && echo ok; done
    ' "$KEYGEN" "$T/allowed_sk" 2>/dev/null | wc -l)
check_eq "OpenSSH 10.5 ssh-keygen -Y verify accepts all $N" "$good" "$N"

# ---- OpenSSH 10.5 signs, skagent verifies
mkdir "$T/from_openssh"
for i in $(seq 1 1000); do head -c $((RANDOM % 2000)) /dev/urandom >"$T/from_openssh/m$i"; done
TEST_TIMEOUT=300 check "ssh-keygen (10.5) -Y sign 1000 messages" \
    t "$KEYGEN" -q -Y sign -f "$T/os" -n file $(seq -f "$T/from_openssh/m%g" 1 1000)
out=$(cd "$T/from_openssh" && t "$TOOL" sshsig-verify "$T/os.pub" file $(seq -f 'm%g' 1 1000) 2>&1)
check_line "skagent verifies all 1000 and refuses each with a flipped bit" "$out" "1000 verified, 1000 refused-corrupt"

# ---- constant time under valgrind memcheck
if command -v valgrind >/dev/null; then
    out=$(TEST_TIMEOUT=300 t valgrind --error-exitcode=99 "$TOOL" ct-control 2>&1); rc=$?
    check_match "memcheck reports a branch on an undefined secret (control)" "$out" "Conditional jump or move depends on uninitialised value"
    out=$(TEST_TIMEOUT=600 t valgrind --error-exitcode=99 "$TOOL" ct-sign 20 2>&1); rc=$?
    check_eq "signing: no branch or index on the secret seeds or randomness (memcheck)" \
        "$rc:$(printf '%s\n' "$out" | grep -c -e 'uninitialised value' -e 'Use of uninitialised')" "0:0"
else
    fail "valgrind is not installed (tests/deps.sh lists it)"
fi
finish
