#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Logging in with the real ssh client to a throwaway sshd (127.0.0.1, random port) with keys
# held only by the agent: every plain key type and its certificate (TrustedUserCAKeys), RSA
# with each SHA-2 algorithm, IdentitiesOnly with -i key.pub, a locked agent, confirmation, and
# agent forwarding (-A) with ssh-add -l, -T and a second login on the far side.
. "$(dirname "$0")/lib.sh"
make_keys || { fail "make keys"; finish; }
K=$T/keys
start_agent || { fail "start agent"; finish; }
start_sshd || { fail "start sshd"; finish; }
trust_user_ca "$USER_CA.pub"
LOG=$SSHD_DIR/sshd.log
AK=$SSHD_DIR/authorized_keys

# login NAME WANT-LOG-ERE [ssh args...]: runs `echo hello-from-sut` on sut and checks both the
# output and sshd's "Accepted publickey" line.
login() {
    local name=$1 want=$2; shift 2
    : >"$LOG"
    local out rc
    out=$(sshx "$@" sut echo hello-from-sut 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ "$out" = hello-from-sut ]; then ok "$name: login"; else
        fail "$name: login" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; return 1; fi
    check_match "$name: sshd accepted the expected key" "$(grep 'Accepted publickey' "$LOG" | tr -d '\r')" "$want"
}

check_rc "no keys in the agent: login refused" 255 sshx sut true
# The client's algorithms without the certificate ones.
NOCERT_ALGS=$(t ssh -G -F "$SSH_CONFIG" sut | sed -n 's/^pubkeyacceptedalgorithms //p' | tr ',' '\n' |
    grep -v -- '-cert-' | paste -sd, -)

for kt in $(key_types); do
    tag=$(list_tag "$kt")
    fp=$(re "$(fingerprint "$K/$kt.pub")")
    t ssh-add -qD
    check "$kt: added to the agent" ssh-add -q "$K/$kt"

    # plain key: in authorized_keys; certificates not offered (the CA would accept them)
    cp "$K/$kt.pub" "$AK"
    login "$kt key" "ssh2: $tag $fp\$" -o PubkeyAcceptedAlgorithms="$NOCERT_ALGS"

    # certificate: nothing in authorized_keys, the CA is trusted
    : >"$AK"
    login "$kt certificate" "ssh2: $tag-CERT $fp ID cert-$kt \(serial [0-9]+\) CA ED25519 "
done

# RSA: the agent must make rsa-sha2-256 and rsa-sha2-512 signatures on request (sshd refuses
# SHA-1 ssh-rsa by default).
t ssh-add -qD
t ssh-add -q "$K/ssh-rsa"
cp "$K/ssh-rsa.pub" "$AK"
for alg in rsa-sha2-256 rsa-sha2-512; do
    login "RSA $alg" "ssh2: RSA " -o PubkeyAcceptedAlgorithms=$alg
    check_match "RSA $alg: sshd saw a $alg signature" "$(grep -E 'userauth_pubkey|Postponed|pkalg' "$LOG")" "$alg"
done
: >"$AK"
for alg in rsa-sha2-256-cert-v01@openssh.com rsa-sha2-512-cert-v01@openssh.com; do
    login "RSA certificate $alg" "ssh2: RSA-CERT " -o PubkeyAcceptedAlgorithms=$alg
done

# ------------------------------------------------------------------ IdentitiesOnly with -i key.pub
t ssh-add -qD
t ssh-add -q "$K/ssh-ed25519" "$K/ecdsa-sha2-nistp256"
mkdir -p "$T/pubonly"
cp "$K/ssh-ed25519.pub" "$K/ecdsa-sha2-nistp256.pub" "$T/pubonly/"   # no private keys next to them
cp "$K/ecdsa-sha2-nistp256.pub" "$AK"                                 # only the ECDSA key is authorized
check_rc "IdentitiesOnly -i ed25519.pub (not authorized): refused although the agent has the ECDSA key" \
    255 sshx -o IdentitiesOnly=yes -o CertificateFile=none -i "$T/pubonly/ssh-ed25519.pub" sut true
login "IdentitiesOnly -i ecdsa.pub" "ssh2: ECDSA $(re "$(fingerprint "$K/ecdsa-sha2-nistp256.pub")")" \
    -o IdentitiesOnly=yes -i "$T/pubonly/ecdsa-sha2-nistp256.pub"

# ------------------------------------------------------------------ locked agent, confirmation
echo 'login-lock' >"$ASKPASS_CONTROL"
check "lock the agent" ssh-add -x
check_rc "locked agent: login refused" 255 sshx sut true
check "unlock the agent" ssh-add -X
login "unlocked agent" "ssh2: "

t ssh-add -qD
cp "$K/ssh-ed25519.pub" "$AK"
t ssh-add -q -c "$K/ssh-ed25519"
: >"$ASKPASS_LOG"
echo yes >"$ASKPASS_CONTROL"
login "confirmed key, askpass says yes" "ssh2: ED25519 "
check_match "confirmed key: the agent asked (SSH_ASKPASS_PROMPT=confirm)" "$(cat "$ASKPASS_LOG")" "^confirm\|"
echo '!cancel' >"$ASKPASS_CONTROL"
check_rc "confirmed key, askpass cancels: login refused" 255 sshx sut true
t ssh-add -qD

# ------------------------------------------------------------------ agent forwarding
t ssh-add -q "$K/ssh-ed25519" "$K/ssh-rsa"
cat "$K/ssh-ed25519.pub" "$K/ssh-rsa.pub" >"$AK"
want=$(t ssh-add -l)
out=$(sshx -A sut 'ssh-add -l' 2>&1); rc=$?
check_eq "-A: far side ssh-add -l exit status" "$rc" 0
check_eq "-A: far side lists the same keys" "$out" "$want"
out=$(sshx -A sut 'ssh-add -L' 2>&1)
check_eq "-A: far side ssh-add -L" "$out" "$(t ssh-add -L)"
if "$SKAGENT" -V 2>&1 | grep -q '^skagent'; then
    # skagent signs only logins on forwarded connections unless its policy says otherwise
    # (ForwardedSigning userauth, skagent.conf(5)); ssh-add -T signs random data.
    check_rc "-A: far side's ssh-add -T refused (ForwardedSigning userauth)" 1 \
        sshx -A sut "ssh-add -T '$K/ssh-ed25519.pub'"
else
    check "-A: far side signs (ssh-add -T)" sshx -A sut "ssh-add -T '$K/ssh-ed25519.pub' && ssh-add -T '$K/ssh-rsa.pub'"
fi
check_rc "no -A: far side has no agent" 2 sshx -a sut 'ssh-add -l'
out=$(sshx -A sut "ssh -F '$SSH_CONFIG' -n sut echo second-hop" 2>&1); rc=$?
check_eq "-A: second login from the far side through the forwarded agent" "$out" "second-hop"
check_rc "-A: far side adds a key to the local agent" 0 \
    sshx -A sut "ssh-add -q '$K/ecdsa-sha2-nistp384'"
check_match "-A: key added from the far side is in the local agent" "$(t ssh-add -l)" "key-ecdsa-sha2-nistp384 \(ECDSA\)"
check "-A: far side can remove it again" sshx -A sut "ssh-add -d '$K/ecdsa-sha2-nistp384.pub'"
check_rc "-A: far side locks are local locks" 0 sshx -A sut \
    "SSH_ASKPASS='$SSH_ASKPASS' SSH_ASKPASS_REQUIRE=force DISPLAY=:1 ASKPASS_ANSWER=fwd-lock ssh-add -x"
check_rc "-A: local agent is locked" 1 ssh-add -l
echo fwd-lock >"$ASKPASS_CONTROL"
check "-A: unlock locally" ssh-add -X

# keys restricted to sut (-h sut) are usable for the login but hidden from the far side
t ssh-add -qD
check "-h sut key added" ssh-add -q -H "$T/known_hosts" -h sut "$K/ssh-ed25519"
login "-h sut key" "ssh2: ED25519 "
out=$(sshx -A sut 'ssh-add -l' 2>&1); rc=$?
check_eq "-h sut key: hidden from the forwarded agent (ssh-add -l exits 1)" "$rc" 1

finish
