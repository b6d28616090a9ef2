#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# PKCS#11 tokens through the agent, on SoftHSM2 tokens made here (own SOFTHSM2_CONF, keys made
# with pkcs11-tool): ssh-add -s / -e with the PIN from SSH_ASKPASS, -l / -L / -T with RSA 2048,
# ECDSA P-256, P-384 and P-521 token keys, logins to a loopback sshd with each, a wrong PIN,
# lifetime and confirmation constraints (the helper stops once its keys expire), a second add, an
# allowlisted symlink to a module outside the allowlist, a forwarded ssh-add -s (refused unless
# -O allow-remote-pkcs11), a token pulled out and put back, and two broken modules (one crashes,
# one hangs; in C_Sign, then in C_Login) that must cost only their own helper while every other
# key signs, and a blocked PIN.
. "$(dirname "$0")/lib.sh"

SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
PIN=1234
BIN=$(cd "$(dirname "$SKAGENT")" && pwd -P)
CRASH=$BIN/skagent-test-pkcs11-crash.so
HANG=$BIN/skagent-test-pkcs11-hang.so
IS_SKAGENT=; [ "$(basename "$SKAGENT")" = skagent ] && IS_SKAGENT=1

if [ ! -f "$SOFTHSM" ] || ! command -v softhsm2-util >/dev/null || ! command -v pkcs11-tool >/dev/null; then
    fail "SoftHSM2 and OpenSC are test dependencies" "install softhsm2 and opensc (tests/deps.sh)"
    finish
fi

# ------------------------------------------------------------------ tokens
# mkconf DIR: a SoftHSM2 configuration with its own token directory; prints its path.
mkconf() {
    mkdir -p "$1/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$1/tokens" >"$1/softhsm2.conf"
    echo "$1/softhsm2.conf"
}
# token CONF LABEL: a fresh token with the PIN.
token() {
    SOFTHSM2_CONF=$1 t softhsm2-util --init-token --free --label "$2" --pin "$PIN" --so-pin 12345678 >/dev/null
}
# keypair CONF LABEL TYPE ID KEYLABEL
keypair() {
    SOFTHSM2_CONF=$1 t pkcs11-tool --module "$SOFTHSM" --token-label "$2" --login --pin "$PIN" \
        --keypairgen --key-type "$3" --id "$4" --label "$5" >/dev/null 2>&1
}
make_main_token() {
    token "$CONF" main && keypair "$CONF" main rsa:2048 01 tok-rsa &&
        keypair "$CONF" main EC:prime256v1 02 tok-p256 && keypair "$CONF" main EC:secp384r1 03 tok-p384 &&
        keypair "$CONF" main EC:secp521r1 04 tok-p521
}
TOKEN_LABELS="tok-rsa tok-p256 tok-p384 tok-p521"
CONF=$(mkconf "$T/softhsm")
# The broken modules' tokens sit beneath the main token directory: the PKCS#11 helper may write
# only the token directory of its SOFTHSM2_CONF (pkcs11/module_store.h), and the wrappers switch
# configuration inside the sandbox. SoftHSM2 skips a directory that holds no token.
BROKEN_CONF=$(mkconf "$T/softhsm/tokens/broken")
make_main_token || { fail "make SoftHSM2 token"; finish; }
{ token "$BROKEN_CONF" broken && keypair "$BROKEN_CONF" broken EC:prime256v1 01 doomed; } ||
    { fail "make the broken modules' token"; finish; }
# The agent (and so its helpers) find the tokens through these.
export SOFTHSM2_CONF=$CONF SKAGENT_TEST_BROKEN_SOFTHSM2_CONF=$BROKEN_CONF

make_keys || { fail "make keys"; finish; }
# A software key without its certificate beside it (ssh-add would add that too).
mkdir -p "$T/soft" && cp "$T/keys/ssh-ed25519" "$T/keys/ssh-ed25519.pub" "$T/soft/"
K=$T/soft
start_agent -P "/usr/lib*/*,/usr/local/lib*/*,$BIN/*" || { fail "start agent"; finish; }
ERR=$AGENT_DIR/err

# helpers: pids of the agent's pkcs11 helpers (its children running skagent-pkcs11-helper)
helpers() { pgrep -P "$AGENT_PID" -f 'skagent-pkcs11-helper' 2>/dev/null; }
# answer TEXT: what SSH_ASKPASS answers next (the PIN for ssh-add -s, yes/!cancel to confirm)
answer() { echo "$1" >"$ASKPASS_CONTROL"; }

# hang RCFILE ARGS...: ssh-add ARGS in the background, its exit status to RCFILE once it ends,
# and a second for the agent to start waiting on the module; hang_ended waits for that ssh-add
# and sets $elapsed, the seconds since hang began.
hang() {
    local rc=$1; shift
    hang_start=$(date +%s)
    ( t ssh-add "$@" >/dev/null 2>&1; echo $? >"$rc" ) &
    hung=$!
    sleep 1
}
hang_ended() {
    wait "$hung"
    elapsed=$(( $(date +%s) - hang_start ))
}

# ------------------------------------------------------------------ add, list, sign, remove
answer "$PIN"
: >"$ASKPASS_LOG"
out=$(t ssh-add -s "$SOFTHSM" 2>&1); rc=$?
check_eq "ssh-add -s: exit status" "$rc" 0
check_line "ssh-add -s: card added" "$out" "Card added: $SOFTHSM"
check_match "ssh-add asked for the PIN through SSH_ASKPASS" "$(cat "$ASKPASS_LOG")" "PKCS#11"
list=$(t ssh-add -l 2>&1)
check_match "-l: RSA 2048 token key, labelled" "$list" "^2048 SHA256:[^ ]+ tok-rsa \(RSA\)\$"
check_match "-l: ECDSA P-256 token key" "$list" "^256 SHA256:[^ ]+ tok-p256 \(ECDSA\)\$"
check_match "-l: ECDSA P-384 token key" "$list" "^384 SHA256:[^ ]+ tok-p384 \(ECDSA\)\$"
check_match "-l: ECDSA P-521 token key" "$list" "^521 SHA256:[^ ]+ tok-p521 \(ECDSA\)\$"
check_eq "-l: four keys" "$(printf '%s\n' "$list" | wc -l)" 4
t ssh-add -L >"$T/token.pub"
for label in $TOKEN_LABELS; do
    grep " $label\$" "$T/token.pub" >"$T/$label.pub"
    check "-T signs with $label" ssh-add -T "$T/$label.pub"
done
[ -n "$IS_SKAGENT" ] && check_eq "one helper for the module" "$(helpers | wc -l)" 1

out=$(t ssh-add -s "$SOFTHSM" 2>&1); rc=$?
check_eq "a second ssh-add -s of the same module fails" "$rc" 1

out=$(t ssh-add -e "$SOFTHSM" 2>&1); rc=$?
check_eq "ssh-add -e: exit status" "$rc" 0
check_line "ssh-add -e: card removed" "$out" "Card removed: $SOFTHSM"
check_rc "-e: the agent holds no keys" 1 ssh-add -l
check_rc "-e: a removed token key no longer signs" 1 ssh-add -T "$T/tok-rsa.pub"
if [ -n "$IS_SKAGENT" ]; then
    wait_for 5 sh -c "[ -z \"\$(pgrep -P $AGENT_PID -f skagent-pkcs11-helper)\" ]"
    check_eq "-e: the helper is gone" "$(helpers | wc -l)" 0
fi
check_rc "ssh-add -e of a module not loaded fails" 1 ssh-add -e "$SOFTHSM"

# ------------------------------------------------------------------ wrong PIN
answer 0000
check_rc "wrong PIN: ssh-add -s fails" 1 ssh-add -s "$SOFTHSM"
check_rc "wrong PIN: no keys" 1 ssh-add -l
[ -n "$IS_SKAGENT" ] && check_match "wrong PIN: the agent logs why" "$(cat "$ERR")" "CKR_PIN_INCORRECT"
answer "$PIN"
check "right PIN after a wrong one" ssh-add -s "$SOFTHSM"
check_eq "right PIN: four keys" "$(t ssh-add -l | wc -l)" 4

# ------------------------------------------------------------------ logins with token keys
start_sshd || { fail "start sshd"; finish; }
LOG=$SSHD_DIR/sshd.log
AK=$SSHD_DIR/authorized_keys
# login NAME PUBFILE TAG [ssh args...]: log in with only PUBFILE's key authorized.
login() {
    local name=$1 pub=$2 tag=$3; shift 3
    cp "$pub" "$AK"
    : >"$LOG"
    local out rc
    out=$(sshx "$@" sut echo hello-from-sut 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ "$out" = hello-from-sut ]; then ok "$name: login"; else
        fail "$name: login" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; return 1; fi
    check_match "$name: sshd accepted the token key" "$(grep 'Accepted publickey' "$LOG" | tr -d '\r')" \
        "ssh2: $tag $(re "$(fingerprint "$pub")")\$"
}
login "RSA token key" "$T/tok-rsa.pub" RSA
for alg in rsa-sha2-256 rsa-sha2-512; do
    login "RSA token key, $alg" "$T/tok-rsa.pub" RSA -o PubkeyAcceptedAlgorithms=$alg
done
login "ECDSA P-256 token key" "$T/tok-p256.pub" ECDSA
login "ECDSA P-384 token key" "$T/tok-p384.pub" ECDSA
login "ECDSA P-521 token key" "$T/tok-p521.pub" ECDSA
t ssh-add -q -e "$SOFTHSM"

# ------------------------------------------------------------------ constraints on every token key
answer "$PIN"
check "ssh-add -c -s (confirm)" ssh-add -c -s "$SOFTHSM"
answer '!cancel'
check_rc "confirm: refused by the person, RSA token key does not sign" 1 ssh-add -T "$T/tok-rsa.pub"
check_rc "confirm: refused by the person, ECDSA token key does not sign" 1 ssh-add -T "$T/tok-p384.pub"
answer yes
check "confirm: allowed, the token key signs" ssh-add -T "$T/tok-p256.pub"
t ssh-add -q -e "$SOFTHSM"
answer "$PIN"
check "ssh-add -t 2 -s (lifetime)" ssh-add -t 2 -s "$SOFTHSM"
check_eq "lifetime: four keys now" "$(t ssh-add -l | wc -l)" 4
sleep 3
check_rc "lifetime: every token key expired" 1 ssh-add -l
if [ -n "$IS_SKAGENT" ]; then
    # Nothing left to sign with: the helper logs out of the token and exits.
    wait_for 3 sh -c "[ -z \"\$(pgrep -P $AGENT_PID -f skagent-pkcs11-helper)\" ]"
    check_eq "lifetime: no helper stays logged in" "$(helpers | wc -l)" 0
fi
# OpenSSH 9.2's agent keeps a module loaded after its keys are gone and refuses to add it
# again until ssh-add -e; skagent starts it afresh.
[ -n "$IS_SKAGENT" ] || t ssh-add -q -e "$SOFTHSM"
check "lifetime: the module can be added again" ssh-add -s "$SOFTHSM"
t ssh-add -qD
check_rc "-D removes token keys too" 1 ssh-add -l
[ -n "$IS_SKAGENT" ] || t ssh-add -q -e "$SOFTHSM"
check "after -D the module can be added again" ssh-add -s "$SOFTHSM"
t ssh-add -q -e "$SOFTHSM"

# ------------------------------------------------------------------ forwarded connections
t ssh-add -q "$K/ssh-ed25519"
cp "$K/ssh-ed25519.pub" "$AK"
remote_add() { # on the far side of ssh -A, with the PIN from ASKPASS_ANSWER
    sshx -A sut "SSH_ASKPASS='$SSH_ASKPASS' SSH_ASKPASS_REQUIRE=force DISPLAY=:1 ASKPASS_ANSWER=$PIN ssh-add -s '$SOFTHSM'"
}
check_rc "forwarded ssh-add -s is refused" 1 remote_add
check_eq "forwarded ssh-add -s: nothing was added" "$(t ssh-add -l | wc -l)" 1
[ -n "$IS_SKAGENT" ] && check_match "forwarded ssh-add -s: the agent logs the refusal" "$(cat "$ERR")" \
    "refusing PKCS#11 add .*forwarded connection"
stop_agent
start_agent -O allow-remote-pkcs11 || { fail "start agent with -O allow-remote-pkcs11"; finish; }
ERR=$AGENT_DIR/err
t ssh-add -q "$K/ssh-ed25519"
check "-O allow-remote-pkcs11: forwarded ssh-add -s works" remote_add
check_eq "-O allow-remote-pkcs11: the token keys are here" "$(t ssh-add -l | wc -l)" 5
stop_agent

# ------------------------------------------------------------------ the allowlist, after realpath
# allowed/evil.so is a symlink to a module outside the allowed directory.
mkdir -p "$T/p11/allowed"
ln -s "$(readlink -f "$SOFTHSM")" "$T/p11/allowed/evil.so"
start_agent -P "$T/p11/allowed/*" || { fail "start agent with -P $T/p11/allowed/*"; finish; }
ERR=$AGENT_DIR/err
answer "$PIN"
check_rc "symlink out of the allowlist: ssh-add -s fails" 1 ssh-add -s "$T/p11/allowed/evil.so"
check_rc "symlink out of the allowlist: no keys" 1 ssh-add -l
if [ -n "$IS_SKAGENT" ]; then
    check_eq "symlink out of the allowlist: no helper was started" "$(helpers | wc -l)" 0
    check_match "symlink out of the allowlist: the agent logs the refusal" "$(cat "$ERR")" \
        "refusing PKCS#11 add.*$(re "$(readlink -f "$SOFTHSM")")"
fi
cp "$(readlink -f "$SOFTHSM")" "$T/p11/allowed/real.so"
check "the same module inside the allowlist: ssh-add -s works" ssh-add -s "$T/p11/allowed/real.so"
stop_agent

# ------------------------------------------------------------------ a token pulled out
start_agent -P "/usr/lib*/*,/usr/local/lib*/*,$BIN/*" || { fail "start agent"; finish; }
ERR=$AGENT_DIR/err
t ssh-add -q "$K/ssh-ed25519"
answer "$PIN"
check "pulled token: added" ssh-add -s "$SOFTHSM"
SOFTHSM2_CONF=$CONF t softhsm2-util --delete-token --token main >/dev/null
check_rc "pulled token: the token key no longer signs" 1 ssh-add -T "$T/tok-p256.pub"
if [ -n "$IS_SKAGENT" ]; then
    check_eq "pulled token: its keys vanished, the software key stays" "$(t ssh-add -l | wc -l)" 1
fi
check "pulled token: the software key still signs" ssh-add -T "$K/ssh-ed25519.pub"
make_main_token || fail "make the token again"
[ -n "$IS_SKAGENT" ] || t ssh-add -q -e "$SOFTHSM"
check "token put back: ssh-add -s works again" ssh-add -s "$SOFTHSM"
t ssh-add -L | grep ' tok-' >"$T/token.pub"
for label in $TOKEN_LABELS; do grep " $label\$" "$T/token.pub" >"$T/$label.pub"; done
check "token put back: its new key signs" ssh-add -T "$T/tok-p384.pub"
if [ -n "$IS_SKAGENT" ]; then
    # Pulled while nobody signs: the helper's periodic check notices.
    SOFTHSM2_CONF=$CONF t softhsm2-util --delete-token --token main >/dev/null
    wait_for 12 sh -c "[ \"\$(ssh-add -l | wc -l)\" = 1 ]"
    check_eq "pulled while idle: its keys vanish within seconds" "$(t ssh-add -l | wc -l)" 1
    make_main_token || fail "make the token again"
    check "token put back again: ssh-add -s works" ssh-add -s "$SOFTHSM"
    t ssh-add -L | grep ' tok-' >"$T/token.pub"
    for label in $TOKEN_LABELS; do grep " $label\$" "$T/token.pub" >"$T/$label.pub"; done
fi

# ------------------------------------------------------------------ broken modules
if [ -z "$IS_SKAGENT" ]; then
    note "broken-module checks skipped: $SKAGENT is not skagent"
    finish
fi
[ -f "$CRASH" ] && [ -f "$HANG" ] || { fail "broken test modules" "missing $CRASH or $HANG (make)"; finish; }
# Other keys: a software key and the SoftHSM2 token keys.
check_eq "before the broken modules: software + token keys" "$(t ssh-add -l | wc -l)" 5

# A module that crashes (SIGSEGV) in C_Sign.
check "crashing module: added" ssh-add -s "$CRASH"
t ssh-add -L | grep ' doomed$' >"$T/doomed.pub"
check_eq "crashing module: its key is listed" "$(wc -l <"$T/doomed.pub")" 1
start=$(date +%s)
check_rc "crashing module: its signature fails" 1 ssh-add -T "$T/doomed.pub"
check "crashing module: the failure came quickly" test $(( $(date +%s) - start )) -le 5
check "crashing module: the agent is alive" is_alive "$AGENT_PID"
# (Under AddressSanitizer the helper reports the SEGV itself and exits instead.)
check_match "crashing module: the agent logs the crash" "$(cat "$ERR")" \
    "pkcs11 helper for .*crash.* crashed \(signal 11|AddressSanitizer: SEGV"
check_eq "crashing module: its key is gone, the others stay" "$(t ssh-add -l | wc -l)" 5
check "crashing module: the software key still signs" ssh-add -T "$K/ssh-ed25519.pub"
check "crashing module: the RSA token key still signs" ssh-add -T "$T/tok-rsa.pub"
login "after the crash, ECDSA token key" "$T/tok-p256.pub" ECDSA

# A module that hangs in C_Sign: the agent keeps serving while it waits, then kills the helper.
check "hanging module: added" ssh-add -s "$HANG"
check_eq "hanging module: its key is listed" "$(t ssh-add -l | grep -c ' doomed ')" 1
hang "$T/hang.rc" -T "$T/doomed.pub"
check "while a signature hangs: the software key signs" ssh-add -T "$K/ssh-ed25519.pub"
check "while a signature hangs: the P-384 token key signs" ssh-add -T "$T/tok-p384.pub"
check "while a signature hangs: ssh-add -l answers" ssh-add -l
hang_ended
check_eq "hanging module: its signature fails" "$(cat "$T/hang.rc")" 1
check "hanging module: it failed after the 10 s timeout, not later ($elapsed s)" test "$elapsed" -le 14
check_match "hanging module: the agent logs the kill" "$(cat "$ERR")" "no answer in 10 s; helper killed"
check_eq "hanging module: its key is gone, the others stay" "$(t ssh-add -l | wc -l)" 5
check "after the hang: the software key signs" ssh-add -T "$K/ssh-ed25519.pub"
login "after the hang, RSA token key" "$T/tok-rsa.pub" RSA
check_eq "after the hang: one helper left (SoftHSM2)" "$(helpers | wc -l)" 1
check "ssh-add -e of the working module" ssh-add -e "$SOFTHSM"
check_eq "after the broken signatures: the software key alone" "$(t ssh-add -l | wc -l)" 1
stop_agent

# The same modules broken in C_Login, with a 3 s load timeout: ssh-add -s fails, nothing else does.
SKAGENT_TEST_BROKEN_CALL=login SKAGENT_PKCS11_LOAD_TIMEOUT=3 start_agent -P "/usr/lib*/*,$BIN/*" ||
    { fail "start agent"; finish; }
ERR=$AGENT_DIR/err
t ssh-add -q "$K/ssh-ed25519"
answer "$PIN"
check "broken log-in: the working module is added" ssh-add -s "$SOFTHSM"
start=$(date +%s)
check_rc "crash in C_Login: ssh-add -s fails" 1 ssh-add -s "$CRASH"
check "crash in C_Login: the failure came quickly" test $(( $(date +%s) - start )) -le 2
hang "$T/hang-login.rc" -s "$HANG"
check "while a log-in hangs: the software key signs" ssh-add -T "$K/ssh-ed25519.pub"
check "while a log-in hangs: the P-521 token key signs" ssh-add -T "$T/tok-p521.pub"
hang_ended
check_eq "hang in C_Login: ssh-add -s fails" "$(cat "$T/hang-login.rc")" 1
check "hang in C_Login: it failed after the 3 s load timeout ($elapsed s)" test "$elapsed" -ge 3 -a "$elapsed" -le 6
check_match "hang in C_Login: the agent logs the kill" "$(cat "$ERR")" "no answer in 3 s; helper killed"
check_eq "broken log-ins: the software and token keys stay" "$(t ssh-add -l | wc -l)" 5
check "after the broken log-ins: the RSA token key signs" ssh-add -T "$T/tok-rsa.pub"
check_eq "after the broken log-ins: one helper left (SoftHSM2)" "$(helpers | wc -l)" 1
stop_agent

# A blocked PIN (SoftHSM2 never blocks one, so the wrapper answers C_Login as a blocked card does).
SKAGENT_TEST_BROKEN_CALL=login-pin-locked start_agent -P "/usr/lib*/*,$BIN/*" || { fail "start agent"; finish; }
ERR=$AGENT_DIR/err
answer "$PIN"
check_rc "blocked PIN: ssh-add -s fails" 1 ssh-add -s "$CRASH"
check_rc "blocked PIN: no keys" 1 ssh-add -l
check_match "blocked PIN: the agent logs why" "$(cat "$ERR")" "CKR_PIN_LOCKED"
check_eq "blocked PIN: no helper stays" "$(helpers | wc -l)" 0

finish
