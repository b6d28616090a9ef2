#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# OpenSSH interop of the FIDO2 middleware, against skagent-vtoken (a virtual token reached as
# $SKAGENT_VTOKEN): OpenSSH's ssh-keygen -w libskagent-sk.so makes ed25519-sk and ecdsa-sk keys
# (plain, no-touch-required, resident, verify-required with a PIN) whose files OpenSSH's ssh -i
# uses to log in to a loopback sshd; ssh-keygen -K downloads the resident keys; ssh-add loads
# keys into the agent (provider "internal" and by library path with -S, and ssh-add -K) and ssh
# logs in through the agent (a verify-required key with the PIN the agent asks for). The token
# counts touches: one per login, none for no-touch-required.
. "$(dirname "$0")/lib.sh"

SK_LIB=${SK_LIB:-$BUILD/lib/libskagent-sk.so}
VTOKEN=$(dirname "$SKAGENT")/skagent-vtoken
[ -x "$VTOKEN" ] || VTOKEN=$BUILD/bin/skagent-vtoken
K=$T/keys
PIN=246810
mkdir -p "$K" "$T/dl"

if [ ! -r "$SK_LIB" ] || [ ! -x "$VTOKEN" ]; then
    fail "prerequisites" "need $SK_LIB and $VTOKEN (make all)"
    finish
fi
preload_asan_for "$SK_LIB"

# ------------------------------------------------------------------ the library
exports=$(nm -D --defined-only "$SK_LIB" | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')
check_eq "libskagent-sk.so exports exactly the sk-api functions" "$exports" \
    "sk_api_version sk_enroll sk_load_resident_keys sk_sign "

# ------------------------------------------------------------------ the virtual token
VT=$T/vtoken
mkdir -p "$VT"
"$VTOKEN" --state "$VT/state" --hid-socket "$VT/hid.sock" --control "$VT/ctl.sock" --pin "$PIN" \
    >"$VT/log" 2>&1 </dev/null &
if ! wait_for 10 "$VTOKEN" ctl "$VT/ctl.sock" touches; then
    fail "start skagent-vtoken" "$(tail -n 3 "$VT/log" | tr '\n' ' ')"
    finish
fi
export SKAGENT_VTOKEN=$VT/hid.sock
vt() { "$VTOKEN" ctl "$VT/ctl.sock" "$@"; }
touches() { vt touches; }
pin_answers() { echo "$1" >"$ASKPASS_CONTROL"; }

# expect_touches NAME N CMD...: CMD succeeds and the token was touched N times meanwhile.
expect_touches() {
    local name=$1 want=$2 before after; shift 2
    before=$(touches)
    if check "$name" "$@"; then
        after=$(touches)
        check_eq "$name: $want touch(es)" "$((after - before))" "$want"
    fi
}

# ------------------------------------------------------------------ ssh-keygen -w
keygen() { # keygen FILE TYPE [OPTIONS...]
    local f=$1 type=$2; shift 2
    t ssh-keygen -q -t "$type" -w "$SK_LIB" -N '' -C "fido-$(basename "$f")" -f "$K/$f" "$@" </dev/null
}
pin_answers '!cancel'   # a PIN prompt for a plain key would be a bug
expect_touches "ssh-keygen -w: ed25519-sk" 1 keygen ed ed25519-sk
expect_touches "ssh-keygen -w: ecdsa-sk" 1 keygen ec ecdsa-sk
expect_touches "ssh-keygen -w: ed25519-sk no-touch-required" 1 keygen ed-nt ed25519-sk -O no-touch-required
: >"$ASKPASS_LOG"
pin_answers "$PIN"
expect_touches "ssh-keygen -w: ed25519-sk resident" 1 keygen ed-rk ed25519-sk -O resident -O application=ssh:fido-it
check_match "resident: ssh-keygen asked for the PIN" "$(cat "$ASKPASS_LOG")" "PIN"
expect_touches "ssh-keygen -w: ecdsa-sk resident" 1 keygen ec-rk ecdsa-sk -O resident -O application=ssh:fido-ec
expect_touches "ssh-keygen -w: ecdsa-sk verify-required" 1 keygen ec-uv ecdsa-sk -O verify-required
pin_answers "000000"
out=$(keygen ed-bad ed25519-sk -O resident -O application=ssh:bad 2>&1); rc=$?
check_eq "ssh-keygen -w: wrong PIN fails" "$rc" 255
check_match "ssh-keygen -w: a wrong PIN says how many tries are left" "$out" "wrong PIN: [0-9]+ tries left"
vt power-cycle >/dev/null
pin_answers "$PIN"
# The same application and user again: ssh-keygen asks whether to overwrite; "no" (stdin) keeps it.
out=$(echo n | t ssh-keygen -q -t ed25519-sk -w "$SK_LIB" -N '' -f "$K/ed-rk2" -O resident -O application=ssh:fido-it 2>&1)
check_match "ssh-keygen -w: an existing resident key is noticed" "$out" "already exists"
check_eq "vtoken: resident credentials" "$(vt status | sed -n 's/^resident_credentials=//p')" 2
for f in ed ec ed-nt ed-rk ec-rk ec-uv; do
    check "key file $f is an sk key" sh -c "grep -q '^sk-' '$K/$f.pub'"
done

# ------------------------------------------------------------------ ssh -i with the key files
start_sshd || { fail "start sshd"; finish; }
for f in ed ec ed-rk ec-rk; do authorize_key "$K/$f.pub"; done
echo "no-touch-required $(cat "$K/ed-nt.pub")" >>"$SSHD_DIR/authorized_keys"
echo "verify-required $(cat "$K/ec-uv.pub")" >>"$SSHD_DIR/authorized_keys"
login_i() { sshx -o SecurityKeyProvider="$SK_LIB" -o IdentitiesOnly=yes -i "$K/$1" true; }
pin_answers '!cancel'
for f in ed ec ed-rk ec-rk; do expect_touches "ssh -i $f: login" 1 login_i "$f"; done
expect_touches "ssh -i ed-nt: login without a touch" 0 login_i ed-nt
pin_answers "$PIN"
: >"$ASKPASS_LOG"
expect_touches "ssh -i ec-uv: verify-required login with the PIN" 1 login_i ec-uv
check_match "ssh -i ec-uv: ssh asked for the PIN" "$(cat "$ASKPASS_LOG")" "PIN"
vt touch refuse >/dev/null
check_rc "ssh -i ed: a refused touch means no login" 255 login_i ed
vt touch immediate >/dev/null

# ------------------------------------------------------------------ ssh-keygen -K
(cd "$T/dl" && t ssh-keygen -q -K -w "$SK_LIB" -N '' </dev/null) >"$T/dl.out" 2>&1
check "ssh-keygen -K: downloads the resident keys" test -f "$T/dl/id_ed25519_sk_rk_fido-it"
check "ssh-keygen -K: both of them" test -f "$T/dl/id_ecdsa_sk_rk_fido-ec"
check_eq "ssh-keygen -K: same ed25519 public key" "$(cut -d' ' -f1,2 "$T/dl/id_ed25519_sk_rk_fido-it.pub" 2>&1)" \
    "$(cut -d' ' -f1,2 "$K/ed-rk.pub")"
check_eq "ssh-keygen -K: same ecdsa public key" "$(cut -d' ' -f1,2 "$T/dl/id_ecdsa_sk_rk_fido-ec.pub" 2>&1)" \
    "$(cut -d' ' -f1,2 "$K/ec-rk.pub")"
pin_answers '!cancel'
expect_touches "ssh -i downloaded resident key: login" 1 login_i ../dl/id_ed25519_sk_rk_fido-it
pin_answers "111111"
(cd "$T/dl" && t ssh-keygen -q -K -w "$SK_LIB" -N '' </dev/null) >"$T/dl-bad.out" 2>&1
check_match "ssh-keygen -K: a wrong PIN says how many tries are left" "$(cat "$T/dl-bad.out")" "tries left"
pin_answers "$PIN"

# ------------------------------------------------------------------ through the agent
LIB_DIR=$(dirname "$(readlink -f "$SK_LIB")")
start_agent -P "$LIB_DIR/*" || { fail "start agent"; finish; }
internal=1
case $(basename "$SKAGENT") in ssh-agent*) internal= ;; esac
login_agent() { sshx true; }
if [ -n "$internal" ]; then
    check "ssh-add (provider internal): ed25519-sk" ssh-add "$K/ed"
    expect_touches "agent, internal, ed25519-sk: login" 1 login_agent
    expect_touches "agent, internal, ed25519-sk: second login" 1 login_agent
    check "ssh-add -D" ssh-add -D
    check "ssh-add (provider internal): ecdsa-sk" ssh-add "$K/ec"
    expect_touches "agent, internal, ecdsa-sk: login" 1 login_agent
    check "ssh-add -D" ssh-add -D
    check "ssh-add (provider internal): downloaded resident key" ssh-add "$T/dl/id_ed25519_sk_rk_fido-it"
    expect_touches "agent, internal, resident key: login" 1 login_agent
    vt touch refuse >/dev/null
    check_rc "agent, internal: a refused touch means no login" 255 login_agent
    vt touch immediate >/dev/null
    check "ssh-add -D" ssh-add -D
    # verify-required: the agent asks for the PIN (SSH_ASKPASS) and the middleware uses it;
    # sshd's "verify-required" accepts only a signature with user verification.
    pin_answers "$PIN"
    check "ssh-add (provider internal): ecdsa-sk verify-required" ssh-add "$K/ec-uv"
    : >"$ASKPASS_LOG"
    expect_touches "agent, internal, verify-required: login with the PIN" 1 login_agent
    check_match "agent, internal, verify-required: the agent asked for the PIN" "$(cat "$ASKPASS_LOG")" "PIN"
    check "ssh-add -D" ssh-add -D
else
    note "provider \"internal\" checks skipped: $SKAGENT's internal middleware cannot see the virtual token"
fi
check "ssh-add -S library: ecdsa-sk" ssh-add -S "$SK_LIB" "$K/ec"
expect_touches "agent, -S library, ecdsa-sk: login" 1 login_agent
check "ssh-add -D" ssh-add -D
check "ssh-add -S library: ed25519-sk" ssh-add -S "$SK_LIB" "$K/ed"
expect_touches "agent, -S library, ed25519-sk: login" 1 login_agent
check "ssh-add -D" ssh-add -D
: >"$ASKPASS_LOG"
out=$(t ssh-add -K -S "$SK_LIB" 2>&1 </dev/null); rc=$?
check_eq "ssh-add -K -S library: exit status" "$rc" 0
check_match "ssh-add -K: resident keys added" "$out" "Resident identity added"
check_eq "ssh-add -K: two keys in the agent" "$(t ssh-add -l | grep -c 'ECDSA-SK\|ED25519-SK')" 2
expect_touches "agent, ssh-add -K keys: login" 1 login_agent
check "ssh-add -D" ssh-add -D
stop_agent

finish
