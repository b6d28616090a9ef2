#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# skagent-keygen's token commands (--list-resident, --delete-resident, --set-pin, --token-info,
# --reset-token) on skagent-vtoken, over its CTAPHID socket and as a card through pcscd+vpcd,
# checked against an independent peer: Yubico's python-fido2 (fido2.pcsc.CtapPcscDevice,
# tests/integration/token_peer.py) talking to the same token through the same pcscd.
#  - both see the same resident credentials (application, user, credProtect, and the SSH
#    fingerprint python computes itself from the COSE key) before and after skagent's delete;
#  - both see the same PIN state (retries, minimum length, free slots) before and after
#    skagent's PIN change and after wrong PINs;
#  - skagent sees what python-fido2 changed: a resident credential it made (listed, deleted,
#    downloaded with -K), a PIN it changed;
#  - refusals: several matches, no terminal, a reset outside the token's power-up window.
# A missing python-fido2, pyscard, pcscd or vpcd driver is a failure, not a skip.
. "$(dirname "$0")/lib.sh"

KG=$(tool skagent-keygen)
VTOKEN=$(tool skagent-vtoken)
PEER="/usr/bin/python3 $SKAGENT_ROOT/tests/integration/token_peer.py"
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
PIN=135790
PIN2=24681357
PIN3=97531864

for need in "$KG" "$VTOKEN" /usr/sbin/pcscd /usr/bin/systemd-socket-activate "$VPCD_DRIVER"; do
    [ -e "$need" ] || { fail "prerequisite $need" "missing (make all; tests/deps.sh)"; finish; }
done
if ! out=$(/usr/bin/python3 -c 'import fido2.pcsc, smartcard; print(fido2.__version__)' 2>&1); then
    fail "python-fido2 and pyscard are installed" "$out (tests/deps.sh: python3-fido2 python3-pyscard)"
    finish
fi
note "python-fido2 $out"

# A port P with P and P+1 free on 127.0.0.1 (vpcd polls both).
PORT=$(/usr/bin/python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randrange(20000, 60000)
    try:
        for q in (p, p + 1):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass
PY
)
VT=$T/vt
mkdir -p "$VT"
"$VTOKEN" --state "$VT/state" --hid-socket "$VT/hid.sock" --control "$VT/ctl.sock" --vpcd "127.0.0.1:$PORT" \
    --pin "$PIN" --min-pin-length 6 --reset-window 4000 --exit-with-parent >"$VT/log" 2>&1 </dev/null &
wait_for 10 "$VTOKEN" ctl "$VT/ctl.sock" touches || { fail "start skagent-vtoken" "$(tail -n 3 "$VT/log")"; finish; }
vt() { "$VTOKEN" ctl "$VT/ctl.sock" "$@"; }

# pcscd on a private socket, started by socket activation (as tests/vtoken/pcsc_harness.h).
cat >"$T/reader.conf" <<CONF
FRIENDLYNAME "skagent vtoken"
DEVICENAME 127.0.0.1:$PORT
LIBPATH $VPCD_DRIVER
CHANNELID $PORT
CONF
export PCSCLITE_CSOCK_NAME=$T/pcscd.comm
systemd-socket-activate -l "$PCSCLITE_CSOCK_NAME" /usr/sbin/pcscd -f -c "$T/reader.conf" >"$T/pcscd.log" 2>&1 &
wait_for 10 test -S "$PCSCLITE_CSOCK_NAME" || { fail "start pcscd" "$(tail -n 3 "$T/pcscd.log")"; finish; }
export TOKEN_PEER_READER="skagent vtoken"

# Only the card: no $SKAGENT_VTOKEN, so the PC/SC reader is the one token skagent finds.
unset SKAGENT_VTOKEN
wait_for 20 sh -c "\"$KG\" --list-devices 2>/dev/null | grep -q '^pcsc:'"
out=$(t "$KG" --list-devices 2>&1)
check_match "--list-devices: the card on the vpcd reader" "$out" "^pcsc:skagent vtoken.* +pcsc +set +64 free"
CARD=$(printf '%s\n' "$out" | sed -E -n 's/^(pcsc:.*[^ ]) +pcsc +.*/\1/p' | head -n 1)
HID=vtoken:$VT/hid.sock
note "card $CARD"

# kg ARGS...: skagent-keygen without a terminal (PINs from the askpass queue).
kg() { t setsid -w "$KG" "$@" </dev/null; }
# kg_tty ANSWER ARGS...: on a terminal (script(1)) where ANSWER is typed.
kg_tty() {
    local answer=$1 cmd a; shift
    cmd=$(printf '%q' "$KG")
    for a in "$@"; do cmd="$cmd $(printf '%q' "$a")"; done
    printf '%s\n' "$answer" | t script -qec "$cmd" /dev/null
}
pins() { printf '%s\n' "$@" >"$T/askpass.queue"; }
export ASKPASS_QUEUE=$T/askpass.queue
peer() { t $PEER "$@" 2>&1; }
# skagent's list as the peer prints it: "cred APP USER CREDPROTECT FINGERPRINT", sorted.
as_peer_lines() {
    sed -n 's/^[A-Z0-9-]*  \(SHA256:[^ ]*\)  \([^ ]*\)  user \("[^"]*"\)  credProtect \([0-9]\).*/cred \2 \3 \4 \1/p' | sort
}
creds() { grep '^cred ' | grep -v '^cred [^s]' | sort; }  # the peer's lines for ssh: applications
creds_all() { grep '^cred ' | sort; }

# ------------------------------------------------------------------ credentials from both sides
export SKAGENT_VTOKEN=$VT/hid.sock
for u in alice bob; do
    pins "$PIN"
    check "skagent-keygen makes ssh:work user $u (HID)" \
        kg -q -t ed25519-sk -O resident -O application=ssh:work -O user=$u -O device="$HID" -N '' -f "$T/k_$u"
done
pins "$PIN"
check "skagent-keygen makes an ecdsa-sk ssh:home key (HID)" \
    kg -q -t ecdsa-sk -O resident -O application=ssh:home -O device="$HID" -N '' -f "$T/k_home"
unset SKAGENT_VTOKEN
made=$(peer make-resident "$PIN" ssh:peer carol eddsa 1)
check_match "python-fido2 makes ssh:peer user carol (credProtect 1) over PC/SC" "$made" '^made ssh:peer "carol" SHA256:'
CAROL=${made##* }
made_web=$(peer make-resident "$PIN" example.org dave es256 2)
check_match "python-fido2 makes a web credential example.org" "$made_web" '^made example.org'

peer_state=$(peer state "$PIN")
check_eq "python-fido2 sees five credentials" "$(printf '%s\n' "$peer_state" | creds_all | wc -l)" 5
pins "$PIN"
asked=$(grep -c 'Enter PIN' "$ASKPASS_LOG")
out=$(kg --list-resident 2>&1)
check_match "skagent --list-resident over PC/SC: four SSH keys and the room left" "$out" \
    "^$(re "$CARD"): 4 resident SSH keys, room for 59 more\$"
check_eq "skagent and python-fido2 list the same SSH credentials (PC/SC)" \
    "$(printf '%s\n' "$out" | as_peer_lines)" "$(printf '%s\n' "$peer_state" | creds)"
check_eq "the PIN was asked once" "$(grep -c 'Enter PIN' "$ASKPASS_LOG")" $((asked + 1))
check "skagent does not list the web credential" sh -c "! printf '%s' '$out' | grep -q example.org"
check_line "skagent's line for python's key has python's fingerprint" "$(printf '%s\n' "$out" | as_peer_lines)" \
    "cred ssh:peer \"carol\" 1 $CAROL"
check_match "skagent prints the public key line" "$out" "^    sk-ssh-ed25519@openssh.com AAAA[A-Za-z0-9+/=]+\$"
check_line "the public key line is the one in k_alice.pub" "$(printf '%s\n' "$out" | sed 's/^    //')" \
    "$(cut -d' ' -f1,2 "$T/k_alice.pub")"
pins "$PIN"
out_hid=$(SKAGENT_VTOKEN=$VT/hid.sock kg --list-resident -O device="$HID" 2>&1)
check_eq "the same list over the HID socket" "$(printf '%s\n' "$out_hid" | as_peer_lines)" \
    "$(printf '%s\n' "$out" | as_peer_lines)"
pins "$PIN"
out=$(SKAGENT_VTOKEN=$VT/hid.sock kg --list-resident 2>&1)
check_match "two paths to one token: skagent names both and asks no PIN" "$out" \
    "2 security keys are connected .*name the one to use with -O device=PATH"

# ------------------------------------------------------------------ info
info=$(kg --token-info 2>&1)
check_line "info: transport pcsc" "$info" "Transport:            pcsc (the key names: nfc, usb)"
check_line "info: options" "$info" "Options:              rk=yes uv=unsupported clientPin=set credMgmt=yes"
check_line "info: PIN retries as python-fido2 reads them" "$info" \
    "PIN:                  set, $(printf '%s\n' "$peer_state" | sed -n 's/^pin_retries=//p') tries left"
check_line "info: minimum PIN length as python-fido2 reads it" "$info" \
    "Minimum PIN length:   $(printf '%s\n' "$peer_state" | sed -n 's/^min_pin_length=//p')"
check_line "info: free slots as python-fido2 reads them" "$info" \
    "Resident slots free:  $(printf '%s\n' "$peer_state" | sed -n 's/^remaining=//p')"

# ------------------------------------------------------------------ delete
pins "$PIN"
out=$(kg_tty y --delete-resident ssh:work 2>&1)
check_match "delete by application: two match, nothing deleted" "$out" "2 resident keys on .* match ssh:work; nothing deleted"
check_eq "python-fido2 still sees five" "$(peer state "$PIN" | creds_all | wc -l)" 5
pins "$PIN"
out=$(kg --delete-resident "$CAROL" 2>&1)
check_match "delete without a terminal: refused" "$out" "not deleted: no terminal"
pins "$PIN"
out=$(kg_tty n --delete-resident "$CAROL" 2>&1)
check_match "delete answered n: the key is shown" "$out" "$(re "$CAROL")  ssh:peer  user \"carol\"  credProtect 1"
check_match "delete answered n: not deleted" "$out" "\(y/n\) not deleted"
before=$(peer state "$PIN" | creds_all)
pins "$PIN"
out=$(kg_tty y --delete-resident "$CAROL" 2>&1)
check_match "delete python's key by fingerprint after a yes" "$out" "Deleted ED25519-SK $(re "$CAROL") from $(re "$CARD")"
after=$(peer state "$PIN" | creds_all)
check_eq "python-fido2 sees exactly that credential gone" "$after" "$(printf '%s\n' "$before" | grep -v " $CAROL\$")"
pins "$PIN"
out=$(kg_tty y --delete-resident ssh:work -O user=bob -O device="$HID" 2>&1)
check_match "delete by application and user over the HID socket" "$out" "Deleted ED25519-SK"
pins "$PIN"
check_eq "skagent and python-fido2 agree after the deletes" \
    "$(kg --list-resident 2>&1 | as_peer_lines)" "$(peer state "$PIN" | creds)"

# ------------------------------------------------------------------ PIN
pins "$PIN" 12345 12345
out=$(kg --set-pin 2>&1)
check_match "set-pin: a PIN shorter than the token's 6 is refused" "$out" "takes 6 to 63"
pins "$PIN" "$PIN2" "$PIN2"
check "skagent changes the PIN over PC/SC" kg --set-pin
check_match "python-fido2 reads with the new PIN" "$(peer state "$PIN2")" "^existing=3"
check_line "python-fido2's old PIN is wrong" "$(peer state "$PIN")" "ctap error PIN_INVALID"
check_line "python-fido2 sees 7 tries left" "$(peer state)" "pin_retries=7"
pins 000000
asked=$(grep -c 'Enter PIN' "$ASKPASS_LOG")
out=$(kg --list-resident 2>&1)
check_match "skagent: a wrong PIN says the tries left (6), no retry" "$out" "wrong PIN: 6 tries left before the PIN is blocked"
check_eq "skagent asked once for that" "$(grep -c 'Enter PIN' "$ASKPASS_LOG")" $((asked + 1))
check_line "python-fido2 sees the same 6 tries" "$(peer state)" "pin_retries=6"
check_line "skagent's info shows 6 tries" "$(kg --token-info 2>&1)" "PIN:                  set, 6 tries left"
check_match "python-fido2 changes the PIN" "$(peer change-pin "$PIN2" "$PIN3")" "pin changed"
pins "$PIN3"
out=$(kg --list-resident 2>&1)
check_eq "skagent lists with python's new PIN" "$(printf '%s\n' "$out" | as_peer_lines)" "$(peer state "$PIN3" | creds)"
pins "$PIN3"
mkdir -p "$T/dl" && cd "$T/dl" || exit 1
check "skagent-keygen -K downloads with python's PIN" kg -K -N ''
check_match "the downloaded ecdsa-sk key is the one on the token" "$(ssh-keygen -l -f id_ecdsa_sk_rk_home.pub 2>&1)" \
    "$(re "$(ssh-keygen -l -f "$T/k_home.pub" | cut -d' ' -f2)")"
cd "$T" || exit 1

# ------------------------------------------------------------------ reset
sleep 4.2  # past the token's reset window (--reset-window 4000) since the last power-up
out=$(kg_tty reset --reset-token 2>&1)
check_match "reset outside the power-up window: the token's rule explained" "$out" \
    "accepts a reset only in the first seconds after it is powered up"
check_match "python-fido2: nothing erased" "$(peer state "$PIN3")" "^existing=3"
out=$(kg_tty no --reset-token 2>&1)
check_match "reset: the device is named and the word is asked for" "$out" "Type \"reset\" to reset $(re "$CARD")"
check_match "reset answered otherwise: not reset" "$out" "not reset"
check "power-cycle the token" vt power-cycle
out=$(kg_tty reset --reset-token 2>&1)
check_match "reset just after power-up: done" "$out" "Reset $(re "$CARD"): it holds no credentials and no PIN now"
check_line "python-fido2 sees no PIN after the reset" "$(peer state)" "pin_set=0"
check_line "python-fido2 sees every slot free" "$(peer state)" "remaining=64"
check_match "python-fido2 sets a PIN again" "$(peer set-pin "$PIN")" "pin set"
check_line "skagent sees it" "$(kg --token-info 2>&1)" "PIN:                  set, 8 tries left"

finish
