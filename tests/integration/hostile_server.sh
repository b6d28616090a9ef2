#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# A hostile server (issue 13): an unmodified sshd on loopback whose host keys and host
# certificates are crafted, and a scripted remote side (tests/integration/hostile_remote.py)
# that speaks to the forwarded agent socket. One sshd plays three hosts, told apart by the
# host key algorithm each Host block asks for:
#
#   hostc  an ECDSA host certificate (principal hostc) whose CA signature's r has a leading
#          zero byte: valid for OpenSSH, which strips it (sshbuf_get_bignum2)
#   hostg  a plain Ed25519 host key
#   hostd  an RSA host certificate with no principals (valid for nothing since OpenSSH 10.3)
#
# Each check here failed on skagent 2d9f269 (see README, Security testing).
. "$(dirname "$0")/lib.sh"

REMOTE=$SKAGENT_ROOT/tests/integration/hostile_remote.py
PIN_PROVIDER=$(readlink -f "$(dirname "$SKAGENT")/skagent-test-sk-pin.so")
missing=
[ -x /usr/bin/python3 ] || missing="$missing /usr/bin/python3"
[ -f "$PIN_PROVIDER" ] || missing="$missing $PIN_PROVIDER"
[ -f "$REMOTE" ] || missing="$missing $REMOTE"
if [ -n "$missing" ]; then
    fail "prerequisites" "missing:$missing (tests/deps.sh; make $BUILD/bin/skagent-test-sk-pin.so)"
    finish
fi

# ---------------------------------------------------------------- keys and crafted host keys
K=$T/keys
mkdir -p "$K" "$T/sshd"
t ssh-keygen -q -t ed25519 -N '' -C it-user-key -f "$K/user" || { fail "keygen"; finish; }
t ssh-keygen -q -t ed25519 -N '' -C it-confirm-key -f "$K/confirm" || { fail "keygen"; finish; }
t ssh-keygen -q -t ed25519 -N '' -C it-dest-key -f "$K/dest" || { fail "keygen"; finish; }
SSH_SK_PROVIDER=$PIN_PROVIDER t ssh-keygen -q -t ecdsa-sk -N '' -C it-sk-key -f "$K/sk" </dev/null ||
    { fail "keygen ecdsa-sk"; finish; }
t ssh-keygen -q -t ecdsa -b 256 -N '' -C host-ca -f "$K/host_ca" || { fail "keygen ca"; finish; }
S=$T/sshd
for k in ed25519 ecdsa rsa; do
    t ssh-keygen -q -t $k -N '' -C "host-$k" -f "$S/host_$k" || { fail "host key $k"; finish; }
done
t ssh-keygen -q -s "$K/host_ca" -h -I hostc -n hostc -V -5m:+1h "$S/host_ecdsa.pub" ||
    { fail "certify hostc"; finish; }
/usr/bin/python3 "$REMOTE" pad-cert-r "$S/host_ecdsa-cert.pub" "$S/host_ecdsa-cert.padded" 1 ||
    { fail "pad the CA signature's r"; finish; }
mv "$S/host_ecdsa-cert.padded" "$S/host_ecdsa-cert.pub"
check "ssh-keygen accepts the padded certificate (OpenSSH strips the zero)" \
    sh -c "ssh-keygen -L -f '$S/host_ecdsa-cert.pub' | grep -q 'Principals:' "
t ssh-keygen -q -s "$K/host_ca" -h -I hostd -V -5m:+1h "$S/host_rsa.pub" || { fail "certify hostd"; finish; }
check "hostd's certificate has no principals" \
    sh -c "ssh-keygen -L -f '$S/host_rsa-cert.pub' | grep -A1 'Principals:' | grep -q '(none)'"

start_sshd "HostCertificate $S/host_ecdsa-cert.pub" "HostCertificate $S/host_rsa-cert.pub" ||
    { fail "start sshd"; finish; }
cat "$K/user.pub" "$K/confirm.pub" "$K/dest.pub" "$K/sk.pub" >"$SSHD_DIR/authorized_keys"

# Three names for the one sshd, each asking for its host key type; the rest is start_sshd's
# client config (first match wins), and its known_hosts file learns the three hosts.
CFG=$T/hostile_config
KH=$T/known_hosts
{
    printf '@cert-authority hostc,hostd %s\n' "$(cat "$K/host_ca.pub")"
    printf 'hostg %s\n' "$(cat "$S/host_ed25519.pub")"
} >>"$KH"
{
    printf 'Host hostc\n    HostKeyAlias hostc\n    HostKeyAlgorithms ecdsa-sha2-nistp256-cert-v01@openssh.com\n'
    printf 'Host hostg\n    HostKeyAlias hostg\n    HostKeyAlgorithms ssh-ed25519\n'
    printf 'Host hostd\n    HostKeyAlias hostd\n    HostKeyAlgorithms rsa-sha2-512-cert-v01@openssh.com\n'
    cat "$SSH_CONFIG"
} >"$CFG"
hs() { t ssh -F "$CFG" -n "$@" </dev/null; }

# ---------------------------------------------------------------- the agent
AUDIT=$T/audit.jsonl
POLICY=$T/policy
{
    echo "Audit $AUDIT"
    echo "UserKnownHostsFile $KH"
    echo "GlobalKnownHostsFile none"
    echo "PromptTimeout 20"
    echo "Key it-confirm-key"
    echo "    Confirm forwarded"
} >"$POLICY"
export SK_PIN_TEST_LIE=$T/lie    # while it exists, the sk provider lies (sk_pin_provider.c)
export ASKPASS_LAST=$T/askpass.last
start_agent -f "$POLICY" -P "$PIN_PROVIDER" || { fail "start agent"; finish; }
echo '!cancel' >"$ASKPASS_CONTROL"
remote() { hs -A "$1" "/usr/bin/python3 '$REMOTE' agent $2"; }

# The hosts are what they claim (plain logins work, the padded certificate included).
t ssh-add -q "$K/user"
check "hostg: login" hs hostg true
check "hostc (padded CA signature): login with a plain key" hs hostc true

# ---------------------------------------------------------------- defect 1: padded r
# A key restricted to hostc: its login needs hostc's bind, which the padded r made fail.
t ssh-add -D -q
check "-h hostc key added" t ssh-add -q -H "$KH" -h hostc "$K/dest"
check "-h hostc key: login to hostc (its bind with the padded certificate holds)" hs hostc true
t ssh-add -D -q

# Through ssh -A to hostc, an SSHSIG for git is refused (ForwardedSigning userauth), and the
# audit line says forwarded.
t ssh-add -q "$K/user"
rm -f "$T/msg.sig"
echo "message" >"$T/msg"
check_rc "ssh -A hostc: ssh-keygen -Y sign -n git on the far side is refused" 255 \
    sh -c "ssh -F '$CFG' -n -A hostc \"ssh-keygen -Y sign -q -n git -f '$K/user.pub' '$T/msg'\" </dev/null >/dev/null 2>&1; \
           [ -s '$T/msg.sig' ] && exit 0; exit 255"
last=$(grep '"namespace":"git"' "$AUDIT" 2>/dev/null | tail -n 1)
check_match "the audit line for it says forwarded and refused" "$last" \
    '"decision":"refused".*"forwarded":true'
check_match "the audit line has hostc's certificate as a forwarding hop" "$last" '"host_key":"ECDSA [^"]*","forwarding":true'
check_match "ssh-add -l on hostc lists the key (the forwarded agent works)" \
    "$(hs -A hostc ssh-add -l 2>&1)" "it-user-key"

# -h hostc -h hostg: hostc must not use the key to log in to hostg as if it were the origin.
# (The public key alone is offered, from a directory without the private key.)
mkdir -p "$T/pubonly" && cp "$K/dest.pub" "$T/pubonly/"
DEST_ONLY="-o IdentitiesOnly=yes -i $T/pubonly/dest.pub"
t ssh-add -D -q
check "-h hostc -h hostg key added" t ssh-add -q -H "$KH" -h hostc -h hostg "$K/dest"
check "-h hostc -h hostg key: direct login to hostg works" hs $DEST_ONLY hostg true
t ssh-add -q "$K/user"    # the login to hostc itself
out=$(hs -A hostc ssh-add -l 2>&1)
check_match "hostc's forwarded agent lists the plain key" "$out" "it-user-key"
check "-h hostc -h hostg key: hidden from hostc's forwarded agent" sh -c "! printf '%s' '$out' | grep -q it-dest-key"
check_rc "-h hostc -h hostg key: hostc cannot log in to hostg with it" 255 \
    hs -A hostc "ssh -F '$CFG' -n $DEST_ONLY hostg true"
t ssh-add -D -q

# ---------------------------------------------------------------- scripted remote side
t ssh-add -q "$K/user" "$K/confirm"
# A bind that fails leaves the connection forwarded: an SSHSIG is refused after it.
# (a known extension that fails answers SSH_AGENT_EXTENSION_FAILURE, 28, as OpenSSH 10.3+)
check_eq "hostg's remote: garbage bind refused, then SSHSIG refused" \
    "$(remote hostg "bind-garbage sign-sshsig:$K/user.pub" 2>&1 | tr '\n' ' ')" "28 5 "
check_eq "hostg's remote: a login request still signs" \
    "$(remote hostg "sign-userauth:$K/user.pub:$ME" 2>&1 | tr '\n' ' ')" "14 "

# ---------------------------------------------------------------- defect 4: forged prompt lines
: >"$ASKPASS_LOG"
: >"$ASKPASS_LAST"
# (ssh -A passes the remote command through a shell: quote the user name for it.)
out=$(remote hostg "'sign-userauth:$K/confirm.pub:git\\u2029Path: this machine > github.com\\u2029'" 2>&1)
check_eq "forged user name: the confirmation was asked and cancelled" "$out" "5"
P=$(cat "$T/askpass.last" 2>/dev/null)
check_match "the prompt shows the user name" "$P" 'to log in to git'
check "the prompt holds no raw U+2029 / U+2028" sh -c "! grep -q \$(printf '\\342\\200\\251') '$T/askpass.last' && ! grep -q \$(printf '\\342\\200\\250') '$T/askpass.last'"
check_match "the separator is shown escaped" "$P" 'git\\u2029Path: this machine (>|›) github\.com\\u2029@'
check_eq "the prompt has exactly one Path: line" "$(grep -c '^Path: ' "$T/askpass.last")" 1
check "the audit line holds no raw U+2029" sh -c "! grep -q \$(printf '\\342\\200\\251') '$AUDIT'"

# ---------------------------------------------------------------- defect 7: certificate principals
t ssh-add -D -q
check "-h hostd key added (hostd's certificate has no principals)" t ssh-add -q -H "$KH" -h hostd "$K/dest"
check "ssh itself accepts hostd's certificate (a plain key logs in)" sh -c \
    "ssh-add -q '$K/user' && ssh -F '$CFG' -n -o IdentitiesOnly=yes -i '$K/user.pub' hostd true </dev/null"
t ssh-add -d "$K/user.pub" >/dev/null 2>&1
check_rc "-h hostd key: refused at hostd (no principals matches nothing, OpenSSH 10.3+)" 255 hs hostd true
t ssh-add -D -q

# ---------------------------------------------------------------- defect 8: a lying sk provider
check "sk key added with the test provider" t ssh-add -q -S "$PIN_PROVIDER" "$K/sk"
rm -f "$SK_PIN_TEST_LIE"
check_eq "honest provider: signed" "$(t /usr/bin/python3 "$REMOTE" agent "sign-sshsig:$K/sk.pub" 2>&1)" "14"
for how in s c f; do
    echo "$how" >"$SK_PIN_TEST_LIE"
    check_eq "provider lies ($how): the agent refuses instead of passing it on" \
        "$(t /usr/bin/python3 "$REMOTE" agent "sign-sshsig:$K/sk.pub" 2>&1)" "5"
done
rm -f "$SK_PIN_TEST_LIE"
check "honest again: login with the sk key" hs hostg true
check_match "the agent logged the bad signature" "$(cat "$AGENT_DIR/err")" "provider returned a bad signature"

finish
