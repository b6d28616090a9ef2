#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Prompts, the signing policy, PINs, touch notifications and the audit log (issue 5), with
# the real ssh, ssh-add, ssh-keygen and two throwaway sshds on loopback:
#
#   this machine --ssh -A--> hop1 --ssh--> hop2
#
# The agent reads its policy from $T/policy (-f), names hosts from a hashed known_hosts file
# with an @cert-authority line (hop2 presents a host certificate), asks through the recording
# askpass (tests/askpass-test.sh) and shows notifications on a private D-Bus session bus where
# tests/notify-recorder.py plays the desktop's notification service. Security keys are
# OpenSSH's sk-dummy (its "touch" is instant) and skagent-test-sk-pin.so (sk-dummy behind a
# PIN, tests/agent/sk_pin_provider.c).
. "$(dirname "$0")/lib.sh"

SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
PIN_PROVIDER=$(readlink -f "$(dirname "$SKAGENT")/skagent-test-sk-pin.so")
RECORDER=$SKAGENT_ROOT/tests/notify-recorder.py
GDBUS=/usr/bin/gdbus

missing=
for f in "$SK_DUMMY" "$PIN_PROVIDER"; do [ -f "$f" ] || missing="$missing $f"; done
for p in /usr/bin/dbus-daemon "$GDBUS" /usr/bin/python3; do [ -x "$p" ] || missing="$missing $p"; done
/usr/bin/python3 -c 'import dbus, gi' 2>/dev/null || missing="$missing python3-dbus/python3-gi"
if [ -n "$missing" ]; then
    fail "prerequisites" "missing:$missing (tests/deps.sh; make $BUILD/bin/skagent-test-sk-pin.so)"
    finish
fi

# ---------------------------------------------------------------- a private session bus
BUS=$T/bus
/usr/bin/dbus-daemon --session --nofork --nopidfile --address="unix:path=$BUS" >/dev/null 2>"$T/dbus.err" &
DBUS_PID=$!
wait_for 20 test -S "$BUS" || { fail "session bus" "$(cat "$T/dbus.err")"; finish; }
export DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS
NOTIFY_LOG=$T/notify.log
/usr/bin/python3 "$RECORDER" "$NOTIFY_LOG" >"$T/recorder.err" 2>&1 &
RECORDER_PID=$!
wait_for 30 grep -q ' ready ' "$NOTIFY_LOG" || { fail "notification recorder" "$(cat "$T/recorder.err")"; finish; }

# ---------------------------------------------------------------- keys
K=$T/keys
mkdir -p "$K"
t ssh-keygen -q -t ed25519 -N '' -C it-user-key -f "$K/user" || { fail "keygen"; finish; }
SSH_SK_PROVIDER=$SK_DUMMY t ssh-keygen -q -t ed25519-sk -N '' -C it-touch-key -f "$K/touch" </dev/null ||
    { fail "keygen sk-dummy"; finish; }
SSH_SK_PROVIDER=$PIN_PROVIDER t ssh-keygen -q -t ed25519-sk -O verify-required -N '' -C it-pin-key \
    -f "$K/pin" </dev/null || { fail "keygen verify-required"; finish; }
t ssh-keygen -q -t ed25519 -N '' -C host-ca -f "$K/host_ca" || { fail "keygen ca"; finish; }

# ---------------------------------------------------------------- two sshds
# start_hop NAME: sshd for NAME on 127.0.0.1:<free port> with its own host key; sets PORT_<NAME>.
# With CERT=1 the host key is also certified by $K/host_ca for principal NAME.
start_hop() {
    local name=$1 d=$T/$1 try port
    mkdir -p "$d" && chmod 0755 "$d"
    t ssh-keygen -q -t ed25519 -N '' -C "host-$name" -f "$d/host_ed25519" || return 1
    if [ -n "${CERT:-}" ]; then
        t ssh-keygen -q -s "$K/host_ca" -h -I "$name" -n "$name" -V -5m:+1h "$d/host_ed25519.pub" || return 1
    fi
    cat "$K/user.pub" "$K/touch.pub" "$K/pin.pub" >"$d/authorized_keys"
    chmod 0644 "$d/authorized_keys"
    for try in 1 2 3 4 5; do
        port=$(free_port) || return 1
        {
            echo "Port $port"
            echo "ListenAddress 127.0.0.1"
            echo "HostKey $d/host_ed25519"
            [ -n "${CERT:-}" ] && echo "HostCertificate $d/host_ed25519-cert.pub"
            echo "PidFile $d/sshd.pid"
            echo "AuthorizedKeysFile $d/authorized_keys"
            echo "StrictModes no"
            echo "UsePAM no"
            echo "PasswordAuthentication no"
            echo "KbdInteractiveAuthentication no"
            echo "PubkeyAuthentication yes"
            echo "AllowUsers $ME"
            echo "AllowAgentForwarding yes"
            echo "X11Forwarding no"
            echo "PrintMotd no"
            echo "PrintLastLog no"
            echo "LogLevel VERBOSE"
        } >"$d/sshd_config"
        rm -f "$d/sshd.pid"
        : >"$d/sshd.log"
        t $SKAGENT_SSHD_SUDO /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || return 1
        if wait_for 10 test -s "$d/sshd.pid" && wait_for 5 port_listening "$port"; then
            eval "PORT_$name=$port"
            return 0
        fi
    done
    return 1
}
start_hop hop1 || { fail "sshd hop1" "$(tail -n 5 "$T/hop1/sshd.log")"; finish; }
CERT=1 start_hop hop2 || { fail "sshd hop2" "$(tail -n 5 "$T/hop2/sshd.log")"; finish; }

CFG=$T/ssh_config
cat >"$CFG" <<EOF
Host hop1
    Port $PORT_hop1
    HostKeyAlias hop1
Host hop2
    Port $PORT_hop2
    HostKeyAlias hop2
Host *
$(ssh_client_options)
    ConnectTimeout 20
    LogLevel ERROR
EOF
# The client's known_hosts, and the agent's: hop1 hashed (ssh-keygen -H), hop2 through its CA.
{
    printf 'hop1 %s\n' "$(cat "$T/hop1/host_ed25519.pub")"
    printf '@cert-authority hop2 %s\n' "$(cat "$K/host_ca.pub")"
} >"$T/known_hosts"
cp "$T/known_hosts" "$T/agent_known_hosts"
t ssh-keygen -q -H -f "$T/agent_known_hosts" >/dev/null 2>&1
rm -f "$T/agent_known_hosts.old"
check "agent known_hosts: hop1 is hashed" sh -c "! grep -q '^hop1 ' '$T/agent_known_hosts' && grep -q '^|1|' '$T/agent_known_hosts'"

# ---------------------------------------------------------------- the agent and its policy
AUDIT=$T/audit.jsonl
POLICY=$T/policy
write_policy() {
    {
        echo "Audit $AUDIT"
        echo "UserKnownHostsFile $T/agent_known_hosts"
        echo "GlobalKnownHostsFile none"
        echo "PromptTimeout ${PROMPT_TIMEOUT:-20}"
        echo "Key it-user-key"
        echo "    Confirm ${USER_CONFIRM:-forwarded}"
        echo "    SshsigNamespaces git,file"
        echo "Key it-pin-key"
        echo "    PinCache ${PIN_CACHE:-10}"
    } >"$POLICY"
}
write_policy
export ASKPASS_LAST=$T/askpass.last ASKPASS_QUEUE=$T/askpass.queue
: >"$ASKPASS_QUEUE"
start_agent -f "$POLICY" -P "$PIN_PROVIDER,$SK_DUMMY" || { fail "agent start"; finish; }
MAIN_AGENT=$AGENT_PID
MAIN_SOCK=$SSH_AUTH_SOCK
answer() { echo "$1" >"$ASKPASS_CONTROL"; }
# reload: SIGHUP, and wait until the agent has read the policy again.
reloads() { grep -c "policy: reloaded" "$1/err"; }
more_reloads() { test "$(reloads "$1")" -gt "$2"; }
reload() {
    local n
    n=$(reloads "$AGENT_DIR")
    kill -HUP "$AGENT_PID"
    wait_for 10 more_reloads "$AGENT_DIR" "$n"
}
prompts() { grep -c "^${1:-confirm}|" "$ASKPASS_LOG"; }
last_prompt() { grep "^${1:-confirm}|" "$ASKPASS_LOG" | tail -n 1; }
check "add the user key" t ssh-add -q "$K/user"

fails() { ! run "$@"; }
two_hops() { t ssh -F "$CFG" -A hop1 ssh -F "$CFG" hop2 true; }

# ---------------------------------------------------------------- confirmation through two hops
answer '!cancel'
check "local login: no prompt (Confirm forwarded)" t ssh -F "$CFG" hop1 true
check_eq "nobody was asked for the local login" "$(prompts)" 0

answer yes
: >"$ASKPASS_LAST"
check "two hops, confirmed: ssh succeeds" two_hops
check_eq "one prompt for the forwarded login" "$(prompts)" 1
P=$(last_prompt)
check_match "prompt starts with the decision: who (hop1, forwarded), which key, user and host (hop2 from its @cert-authority line)" \
    "$P" "^confirm\|hop1 \(through a forwarded agent\) wants key it-user-key to log in to $(re "$ME")@hop2  Key fingerprint SHA256:"
check_match "prompt names the caller's executable" "$P" "Asked by: /usr/bin/ssh \(pid [0-9]+\)"
check_match "prompt names the caller's parents (ssh, timeout, the shell)" "$P" \
    "\(pid [0-9]+\) Started from: /usr/bin/timeout, /usr/bin/[a-z]*sh(, | )"
check_match "prompt asks for a typed yes (the test askpass may be a password field)" "$P" "To allow it, type yes and press OK\.( |\$)"
check_match "prompt shows the path (hop1 from a hashed entry)" "$P" \
    "Path: this machine › hop1 \(agent forwarded\) › hop2"
note "a real prompt, as the askpass got it:"
sed 's/^/    | /' "$ASKPASS_LAST"

answer '!cancel'
check_rc "two hops, refused: ssh fails" 255 two_hops
check_eq "the refusal was asked" "$(prompts)" 2

# ---------------------------------------------------------------- a prompt that times out
PROMPT_TIMEOUT=2 write_policy
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "policy: reloaded" "$AGENT_DIR/err"
check "SIGHUP reloads the policy" is_alive "$AGENT_PID"
answer '!sleep 20'
start=$(date +%s)
check_rc "a prompt nobody answers refuses" 255 two_hops
took=$(( $(date +%s) - start ))
check "and ssh is not held up much past PromptTimeout ($took s)" test "$took" -lt 15
check_match "the timeout is logged" "$(cat "$AGENT_DIR/err")" "timed out"

# ---------------------------------------------------------------- a bad policy file
cp "$POLICY" "$T/policy.good"
printf 'Confirm always\nFrobnicate yes\n' >>"$POLICY"
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "Frobnicate" "$AGENT_DIR/err"
check_match "a bad file is refused with file:line and the reason" "$(cat "$AGENT_DIR/err")" \
    "policy: $(re "$POLICY"):[0-9]+: unknown keyword \"Frobnicate\"; keeping the previous policy"
answer '!cancel'
n=$(prompts)
check "the previous policy stays (local login, no prompt)" t ssh -F "$CFG" hop1 true
check_eq "still nobody asked" "$(prompts)" "$n"
PROMPT_TIMEOUT=20 write_policy
kill -HUP "$AGENT_PID"
sleep 1

# ---------------------------------------------------------------- SSHSIG: namespaces, forwarding
echo "a message" >"$T/msg"
rm -f "$T/msg.sig"
check "local SSHSIG for git: signed" t ssh-keygen -Y sign -q -n git -f "$K/user.pub" "$T/msg"
rm -f "$T/msg.sig"
check "local SSHSIG for a namespace outside SshsigNamespaces: refused" fails \
    t ssh-keygen -Y sign -q -n email -f "$K/user.pub" "$T/msg"
check_match "the namespace refusal is logged" "$(cat "$AGENT_DIR/err")" "SSHSIG namespace \"email\" is not in SshsigNamespaces"
rm -f "$T/msg.sig"
answer yes
n=$(prompts)
check "SSHSIG through a forwarded agent: refused" fails \
    t ssh -F "$CFG" -A hop1 ssh-keygen -Y sign -q -n git -f "$K/user.pub" "$T/msg"
check_match "the forwarded refusal is logged" "$(cat "$AGENT_DIR/err")" "SSHSIG signature was asked for over a forwarded connection"
check_eq "no prompt for a refused forwarded signature" "$(prompts)" "$n"
USER_CONFIRM=always write_policy
kill -HUP "$AGENT_PID"
sleep 1
rm -f "$T/msg.sig"
check "SSHSIG with Confirm always: signed after a yes" t ssh-keygen -Y sign -q -n git -f "$K/user.pub" "$T/msg"
P=$(last_prompt)
check_match "the SSHSIG prompt starts with ssh-keygen, the key and the namespace" "$P" \
    "^confirm\|ssh-keygen wants key it-user-key to make a git signature \(namespace \"git\"\)  Key"
check_match "the SSHSIG prompt names ssh-keygen's path" "$P" "Asked by: /usr/bin/ssh-keygen \(pid [0-9]+\)"
write_policy
kill -HUP "$AGENT_PID"
sleep 1

# ---------------------------------------------------------------- touch notification (sk-dummy)
check "add the sk-dummy key" t ssh-add -q -S "$SK_DUMMY" "$K/touch"
: >"$NOTIFY_LOG.before"
check "login with the security key" t ssh -F "$CFG" -o IdentitiesOnly=yes -i "$K/touch.pub" hop1 true
wait_for 10 grep -q ' close ' "$NOTIFY_LOG"
N=$(grep ' notify ' "$NOTIFY_LOG" | tail -n 1)
check_match "a touch notification was shown" "$N" "notify [0-9]+ skagent\|Touch your security key\|"
check_match "it starts with the decision: user and host" "$N" "\|ssh wants key it-touch-key to log in to $(re "$ME")@hop1\. "
id=$(printf '%s' "$N" | awk '{print $3}')
opened=$(grep -n " notify $id " "$NOTIFY_LOG" | cut -d: -f1 | head -n 1)
closed=$(grep -n " close $id\$" "$NOTIFY_LOG" | cut -d: -f1 | head -n 1)
check "and was withdrawn after the touch (open at line $opened, closed at line ${closed:-never})" \
    test -n "$closed" -a "${closed:-0}" -gt "${opened:-0}"

# ---------------------------------------------------------------- PIN: asked, cached, expired
check "add the verify-required key" t ssh-add -q -S "$PIN_PROVIDER" "$K/pin"
pin_login() { t ssh -F "$CFG" -o IdentitiesOnly=yes -i "$K/pin.pub" hop1 true; }
pins_sent() { grep -c "sk-pin-test: sign pin=$1" "$AGENT_DIR/err"; }
answer 1234
check "login with a verify-required key: PIN asked" pin_login
check_eq "one PIN prompt" "$(prompts -)" 1
check_match "the PIN prompt says where to" "$(last_prompt -)" "^-\|Enter the PIN of your security key: ssh wants key it-pin-key to log in to $(re "$ME")@hop1 "
check "again within PinCache: no prompt" pin_login
check_eq "still one PIN prompt" "$(prompts -)" 1
sleep 11
check "again after PinCache ran out" pin_login
check_eq "asked again" "$(prompts -)" 2
printf '0000\n1234\n' >"$ASKPASS_QUEUE"
kill -USR1 "$AGENT_PID"   # SIGUSR1: every key and the cached PIN go
sleep 1
check "re-add after SIGUSR1" t ssh-add -q -S "$PIN_PROVIDER" "$K/pin"
wrong_before=$(pins_sent wrong)
check "a wrong PIN, then the right one" pin_login
check_eq "two PIN prompts" "$(prompts -)" 4
check_match "the second says the first was wrong" "$(last_prompt -)" "^-\|Wrong PIN\. "
check_eq "the wrong PIN reached the token once (no silent retry)" "$(( $(pins_sent wrong) - wrong_before ))" 1

# ---------------------------------------------------------------- PIN: a reload to PinCache 0
answer '!cancel'
n=$(prompts -)
check "the right PIN is cached: no prompt" pin_login
check_eq "no PIN prompt" "$(prompts -)" "$n"
PIN_CACHE=0 write_policy
check "SIGHUP with PinCache 0" reload
check_match "the reload wiped the cached PIN" "$(cat "$AGENT_DIR/err")" "wiping cached PINs and approvals: policy reloaded"
answer 1234
check "after the reload: login" pin_login
check_eq "the PIN is asked again" "$(prompts -)" "$((n + 1))"
check "again under PinCache 0" pin_login
check_eq "and again: nothing is cached" "$(prompts -)" "$((n + 2))"
write_policy
reload

# ---------------------------------------------------------------- touch notice timing
# A token that takes 1.5 s for its touch (SK_PIN_TEST_DELAY_MS): the notification is up
# before the touch and withdrawn after it; a client that leaves mid-touch withdraws it.
SAVED_SOCK=$SSH_AUTH_SOCK SAVED_PID=$AGENT_PID SAVED_DIR=$AGENT_DIR
SK_PIN_TEST_DELAY_MS=1500 start_agent -P "$PIN_PROVIDER" -o "Notify yes" || fail "slow-touch agent start"
SLOW_PID=$AGENT_PID
SSH_SK_PROVIDER=$PIN_PROVIDER t ssh-keygen -q -t ed25519-sk -N '' -C it-slow-key -f "$K/slow" </dev/null ||
    fail "keygen slow"
check "add the slow-touch key" t ssh-add -q -S "$PIN_PROVIDER" "$K/slow"
monotonic() { /usr/bin/python3 -c 'import time; print("%.3f" % time.monotonic())'; }
notice_of() { grep " notify .*it-slow-key" "$NOTIFY_LOG" | sed -n "${1}p"; }
closed_at() { grep " close $1\$" "$NOTIFY_LOG" | awk '{print $1}' | head -n 1; }
is_closed() { test -n "$(closed_at "$1")"; }
has_notice() { test -n "$(notice_of "$1")"; }
rm -f "$T/msg.sig"
check "SSHSIG with a slow touch" t ssh-keygen -Y sign -q -n git -f "$K/slow.pub" "$T/msg"
done_at=$(monotonic)
N=$(notice_of 1)
id=$(printf '%s' "$N" | awk '{print $3}')
shown=$(printf '%s' "$N" | awk '{print $1}')
wait_for 5 is_closed "$id"
closed=$(closed_at "$id")
check "the notice was up before the touch ended (shown $shown, signed $done_at)" \
    /usr/bin/python3 -c "import sys; sys.exit(not ($shown + 1.0 < $done_at))"
check "and withdrawn after the touch (shown $shown, closed ${closed:-never})" \
    /usr/bin/python3 -c "import sys; sys.exit(not (${closed:-0} - $shown >= 1.4))"
rm -f "$T/msg.sig"
ssh-keygen -Y sign -q -n git -f "$K/slow.pub" "$T/msg" </dev/null >/dev/null 2>&1 &
signer=$!
wait_for 10 has_notice 2
left_at=$(monotonic)
kill "$signer" 2>/dev/null
wait "$signer" 2>/dev/null
N=$(notice_of 2)
id=$(printf '%s' "$N" | awk '{print $3}')
shown=$(printf '%s' "$N" | awk '{print $1}')
check "a client that leaves mid-touch: the notice is withdrawn" wait_for 5 is_closed "$id"
closed=$(closed_at "$id")
check "at once, not when the touch ends (shown $shown, left $left_at, closed ${closed:-never})" \
    /usr/bin/python3 -c "import sys; sys.exit(not (${closed:-0} - $shown < 1.4 and ${closed:-0} >= $left_at))"
stop_agent
export SSH_AUTH_SOCK=$SAVED_SOCK
AGENT_PID=$SAVED_PID AGENT_DIR=$SAVED_DIR

# ---------------------------------------------------------------- the audit log
A=$(cat "$AUDIT")
check_match "audit: a forwarded login allowed, with the chain" "$A" \
    '"decision":"allowed","reason":"policy Confirm forwarded[^"]*","approval":"confirmed by the person".*"chain":\[\{"host":"hop1",[^]]*"forwarding":true\},\{"host":"hop2"'
check_match "audit: a refusal with its reason" "$A" '"decision":"refused","reason":"confirmation: the person said no"'
check_match "audit: the namespace" "$A" '"kind":"sshsig","namespace":"email"'
check_match "audit: the caller" "$A" '"caller":\{"pid":[0-9]+,"uid":[0-9]+,"state":"running","exe":"/usr/bin/ssh","cmdline":"ssh -F '
check "audit lines are JSON" /usr/bin/python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$AUDIT"

# ---------------------------------------------------------------- no prompter: refused at once
stop_agent
(
    unset DISPLAY WAYLAND_DISPLAY
    export SSH_ASKPASS_REQUIRE=never
    start_agent -o "Confirm always" -o "Audit syslog" >/dev/null 2>&1 && echo "$AGENT_PID $AGENT_DIR" >"$T/noprompter"
)
AGENT_N=$((AGENT_N + 1))   # start_agent ran in a subshell
read -r NP_PID NP_DIR <"$T/noprompter"
export SSH_AUTH_SOCK=$NP_DIR/sock
check "add the user key (no prompter)" t ssh-add -q "$K/user"
start=$(date +%s)
check_rc "no prompter: the login is refused" 255 t ssh -F "$CFG" hop1 true
took=$(( $(date +%s) - start ))
check "without hanging ($took s)" test "$took" -lt 15
check_match "with the reason in the log" "$(cat "$NP_DIR/err")" "no askpass can be shown"
check_match "and an audit line for the refusal in the log" "$(cat "$NP_DIR/err")" \
    'audit: \{.*"decision":"refused","reason":"confirmation: no askpass can be shown'
kill "$NP_PID"
wait_for 10 is_dead "$NP_PID"

# ---------------------------------------------------------------- a bad policy file at start-up
printf 'PromptTimeout 20\nConfirm sometimes\n' >"$T/bad-policy"
out=$(t "$SKAGENT" -D -a "$T/bad.sock" -f "$T/bad-policy" 2>&1 </dev/null); rc=$?
check "a bad policy file stops the agent at start-up (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check_match "with file:line and the reason" "$out" "$(re "$T/bad-policy"):2: "
check "and no socket is left" test ! -e "$T/bad.sock"

# ---------------------------------------------------------------- SIGHUP without a policy file
# The default file may be missing: a SIGHUP reads it as an empty policy (keys stay), and
# reads it for real once it is written.
(
    export XDG_CONFIG_HOME=$T/no-config
    start_agent >/dev/null 2>&1 && echo "$AGENT_PID $AGENT_DIR" >"$T/nofile"
)
AGENT_N=$((AGENT_N + 1))
read -r NF_PID NF_DIR <"$T/nofile"
export SSH_AUTH_SOCK=$NF_DIR/sock
check "add a key (no policy file)" t ssh-add -q "$K/user"
kill -HUP "$NF_PID"
check "SIGHUP with the default file missing: reloaded as an empty policy" \
    wait_for 10 grep -q "policy: reloaded $(re "$T/no-config/skagent/config")" "$NF_DIR/err"
check "the agent is alive" is_alive "$NF_PID"
check_eq "and keeps its key" "$(t ssh-add -l | grep -c it-user-key)" 1
mkdir -p "$T/no-config/skagent"
echo "SshsigNamespaces file" >"$T/no-config/skagent/config"
kill -HUP "$NF_PID"
wait_for 10 more_reloads "$NF_DIR" 1
rm -f "$T/msg.sig"
check "a file written later is read on the next SIGHUP (git now refused)" fails \
    t ssh-keygen -Y sign -q -n git -f "$K/user.pub" "$T/msg"
kill "$NF_PID"
wait_for 10 is_dead "$NF_PID"

# ---------------------------------------------------------------- a wrong PIN on a real token
# skagent-vtoken with a PIN, reached by the built-in middleware (provider "internal") through
# $SKAGENT_VTOKEN: a wrong PIN, then the right one; the second prompt tells the tries left.
VTOKEN=$(dirname "$SKAGENT")/skagent-vtoken
[ -x "$VTOKEN" ] || VTOKEN=$BUILD/bin/skagent-vtoken
SK_LIB=${SK_LIB:-$BUILD/lib/libskagent-sk.so}
VT_PIN=135790
if [ ! -x "$VTOKEN" ] || [ ! -r "$SK_LIB" ]; then
    fail "vtoken prerequisites" "need $VTOKEN and $SK_LIB (make all)"
    finish
fi
VT=$T/vtoken
mkdir -p "$VT"
"$VTOKEN" --state "$VT/state" --hid-socket "$VT/hid.sock" --control "$VT/ctl.sock" --pin "$VT_PIN" \
    >"$VT/log" 2>&1 </dev/null &
wait_for 10 "$VTOKEN" ctl "$VT/ctl.sock" touches || { fail "start skagent-vtoken" "$(tail -n 3 "$VT/log")"; finish; }
export SKAGENT_VTOKEN=$VT/hid.sock
answer "$VT_PIN"
# A sanitizer build's library needs the ASan runtime preloaded into ssh-keygen.
asan=$(ldd "$SK_LIB" 2>/dev/null | awk '/libasan/ { print $3 }')
t env ${asan:+LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0} ssh-keygen -q -t ecdsa-sk -w "$SK_LIB" -O verify-required -N '' -C it-vtoken-key -f "$K/vt" </dev/null ||
    { fail "keygen on the vtoken"; finish; }
start_agent -o "Notify no" || { fail "agent start (vtoken)"; finish; }
check "add the vtoken key (provider internal)" t ssh-add -q "$K/vt"
printf '000000\n%s\n' "$VT_PIN" >"$ASKPASS_QUEUE"
answer '!cancel'
n=$(prompts -)
rm -f "$T/msg.sig"
check "SSHSIG on the token: a wrong PIN, then the right one" t ssh-keygen -Y sign -q -n git -f "$K/vt.pub" "$T/msg"
check_eq "two PIN prompts" "$(prompts -)" "$((n + 2))"
check_match "the second says the PIN was wrong and the tries left" "$(last_prompt -)" \
    "^-\|Wrong PIN\. 7 tries left before the key locks\. Enter the PIN"
check "the signature verifies" sh -c "printf '%s %s\n' it '$(cut -d' ' -f1,2 "$K/vt.pub")' >'$T/vt.allowed' &&
    ssh-keygen -Y verify -f '$T/vt.allowed' -I it -n git -s '$T/msg.sig' <'$T/msg'"
stop_agent

finish
