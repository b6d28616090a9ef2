#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The helpers' sandboxes (issue 19), against hostile token libraries that try what an intruder
# would from inside them (tests/adversary/intruder.h): the sk provider skagent-test-sk-forbidden.so
# from sk_sign, and the PKCS#11 module skagent-test-pkcs11-hostile.so (SoftHSM2 but for one call)
# from C_Initialize, C_Login and C_Sign. The agent runs in a terminal of its own (script(1)), as
# `skagent -D` would in a shell. Probes (logged and refused): the agent's terminal through
# /dev/tty and through its /dev/pts path, a new pty from /dev/ptmx, /dev/full for writing, new
# files in /tmp, $HOME and /dev/shm. Attacks (each must end the helper, never the agent):
# TIOCSTI and TIOCSWINSZ on a terminal, kill / tgkill / tkill of its parent, ptrace, an AF_INET
# socket, exec.
. "$(dirname "$0")/lib.sh"
BIN=$(cd "$(dirname "$SKAGENT")" && pwd -P)
ADV=$BIN/skagent-adversary
FORBIDDEN=$BIN/skagent-test-sk-forbidden.so
HOSTILE=$BIN/skagent-test-pkcs11-hostile.so
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
PIN=1234
ATTACKS="tiocsti ioctl kill tgkill tkill ptrace socket exec"
for f in "$ADV" "$FORBIDDEN" "$HOSTILE" "$SK_DUMMY" "$SOFTHSM"; do
    [ -f "$f" ] || { fail "helper sandbox" "$f missing (make check builds it; tests/deps.sh)"; finish; }
done
command -v script >/dev/null || { fail "helper sandbox" "script(1) missing"; finish; }
make_keys || { fail "make keys"; finish; }
K=$T/keys
LANDLOCK=$("$ADV" landlock-abi)
AGENT_TTY=
hostile() { echo "$1 $AGENT_TTY" >"$T/hostile"; }
tty_of() { awk '{ print $7 }' "/proc/$1/stat" 2>/dev/null; }   # tty_nr: 0 = none
sid_of() { awk '{ print $6 }' "/proc/$1/stat" 2>/dev/null; }
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }
export SKAGENT_TEST_HOSTILE=$T/hostile

# agent_in_pty ARGS...: the agent with a pty as its controlling terminal; AGENT_TTY is its path.
agent_in_pty() {
    AGENT_N=$((AGENT_N + 1)); AGENT_DIR=$T/agent$AGENT_N; mkdir -m 0700 "$AGENT_DIR"
    export SSH_AUTH_SOCK=$AGENT_DIR/sock
    local args; args=$(printf " '%s'" "$@")
    script -qfec "tty >'$AGENT_DIR/tty'; exec '$SKAGENT' -D -a '$SSH_AUTH_SOCK'$args 2>'$AGENT_DIR/err'" \
        /dev/null >"$AGENT_DIR/out" 2>&1 </dev/null &
    SCRIPT_PID=$!
    wait_for 10 test -S "$SSH_AUTH_SOCK" || { fail "start agent in a pty" "$(cat "$AGENT_DIR/err")"; return 1; }
    AGENT_PID=$(pgrep -f -- "^$(re "$SKAGENT") -D -a $(re "$SSH_AUTH_SOCK")" | head -n 1)
    AGENT_TTY=$(cat "$AGENT_DIR/tty")
    check "the agent has a controlling terminal ($AGENT_TTY, tty_nr $(tty_of "$AGENT_PID"))" test "$(tty_of "$AGENT_PID")" != 0
}
stop_pty_agent() {
    stop_agent
    kill "$SCRIPT_PID" 2>/dev/null; wait "$SCRIPT_PID" 2>/dev/null
}

# probes WHO TAG: each probe the hostile library logged was refused.
probes() {
    local err; err=$(cat "$AGENT_DIR/err")
    check_match "$1: the helper cannot open the agent's terminal as /dev/tty" "$err" "$2: open /dev/tty: (No such device|Permission denied)"
    if [ "$LANDLOCK" -gt 0 ]; then
        check_match "$1: Landlock refuses the agent's terminal by its path" "$err" "$2: open the agent's terminal: Permission denied"
        check_match "$1: ... a new pty from /dev/ptmx" "$err" "$2: open /dev/ptmx: Permission denied"
        check_match "$1: ... /dev/full for writing" "$err" "$2: open /dev/full: Permission denied"
        check_match "$1: ... a new file in /tmp" "$err" "$2: create /tmp file: Permission denied"
        check_match "$1: ... in \$HOME" "$err" "$2: create \\\$HOME file: Permission denied"
        check_match "$1: ... in /dev/shm" "$err" "$2: create /dev/shm file: Permission denied"
    else
        note "$1: kernel without Landlock; file-system probes skipped"
    fi
    check "$1: no probe succeeded" sh -c '! grep -q "$1: .*: allowed" "$2"' _ "$2" "$AGENT_DIR/err"
}

# attacked WHO TAG ATTACK: the library got as far as the call, the filter ended its helper
# there, and the agent lives on and signs.
attacked() {
    local name=$3 err; [ "$3" = socket ] && name="socket(AF_INET)"
    err=$(cat "$AGENT_DIR/err")
    check_match "$1: $3: the library got as far as the call" "$err" "$2: before $(re "$name")"
    if printf '%s\n' "$err" | grep -q "$2: $(re "$name") returned"; then
        fail "$1: $3: the filter ended the helper" "$(printf '%s\n' "$err" | grep "$2: $(re "$name") returned")"
    else
        ok "$1: $3: the filter ended the helper"
    fi
    check "$1: $3: the agent is alive" is_alive "$AGENT_PID"
    check "$1: $3: and still signs with a software key" ssh-add -T "$K/ssh-ed25519.pub"
}

# ------------------------------------------------------------------ sk provider
hostile none
agent_in_pty -P "$BIN/*,$(dirname "$SK_DUMMY")/*" || finish
t ssh-add -q "$K/ssh-ed25519" </dev/null
t ssh-keygen -q -t ed25519-sk -w "$SK_DUMMY" -N '' -C sk-test -f "$T/sk" </dev/null
check "sk: add a key on the dummy provider" ssh-add -S "$SK_DUMMY" "$T/sk"
check "sk: the dummy provider signs inside the helper's sandbox" ssh-add -T "$T/sk.pub"
helper=$(pgrep -P "$AGENT_PID" -f skagent-sk-helper | head -n 1)
check_eq "sk: the helper runs under a seccomp filter" "$(status_field "${helper:-0}" Seccomp)" 2
check_eq "sk: the helper has no controlling terminal" "$(tty_of "${helper:-0}")" 0
check_eq "sk: the helper leads a session of its own" "$(sid_of "${helper:-0}")" "${helper:-x}"
check "sk: add the same key on the forbidden provider" ssh-add -S "$FORBIDDEN" "$T/sk"
hostile probe
check_rc "sk: probes: its signature fails" 1 ssh-add -T "$T/sk.pub"
probes sk sk-forbidden
for attack in $ATTACKS; do
    hostile "${attack/socket/inet}"
    check_rc "sk: $attack: the signature fails" 1 ssh-add -T "$T/sk.pub"
    attacked sk sk-forbidden "$attack"
done
check_eq "sk: the hostile provider ran once per attempt" "$(grep -c 'sk-forbidden: create /tmp file' "$AGENT_DIR/err")" 9
stop_pty_agent

# ------------------------------------------------------------------ PKCS#11 module
mkdir -p "$T/softhsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/softhsm/tokens" >"$T/softhsm/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm/softhsm2.conf
t softhsm2-util --init-token --free --label hostile --pin "$PIN" --so-pin 12345678 >/dev/null &&
    t pkcs11-tool --module "$SOFTHSM" --token-label hostile --login --pin "$PIN" \
        --keypairgen --key-type EC:prime256v1 --id 01 --label p11-key >/dev/null 2>&1 ||
    { fail "make a SoftHSM2 token"; finish; }
answer() { echo "$1" >"$ASKPASS_CONTROL"; }
# add_hostile: ssh-add -s the hostile module with the PIN.
add_hostile() { answer "$PIN"; t ssh-add -s "$HOSTILE" </dev/null; }
for call in initialize login sign; do
    export SKAGENT_TEST_BROKEN_CALL=$call
    hostile none
    agent_in_pty -P "/usr/lib*/*,$BIN/*" || finish
    t ssh-add -q "$K/ssh-ed25519" </dev/null
    check "pkcs11 $call: the module loads and signs when it does nothing hostile" add_hostile
    t ssh-add -L | grep ' p11-key$' >"$T/p11.pub"
    check "pkcs11 $call: its key signs inside the helper's sandbox" ssh-add -T "$T/p11.pub"
    helper=$(pgrep -P "$AGENT_PID" -f skagent-pkcs11-helper | head -n 1)
    check_eq "pkcs11 $call: the helper runs under a seccomp filter" "$(status_field "${helper:-0}" Seccomp)" 2
    check_eq "pkcs11 $call: the helper has no controlling terminal" "$(tty_of "${helper:-0}")" 0
    t ssh-add -e "$HOSTILE" >/dev/null 2>&1
    # probe: at sign time the load went through; at load time the load fails.
    hostile probe
    if [ "$call" = sign ]; then
        hostile none; add_hostile >/dev/null 2>&1; hostile probe
        check_rc "pkcs11 $call: probes: its signature fails" 1 ssh-add -T "$T/p11.pub"
        t ssh-add -e "$HOSTILE" >/dev/null 2>&1
    else
        check_rc "pkcs11 $call: probes: ssh-add -s fails" 1 add_hostile
    fi
    probes "pkcs11 $call" p11-hostile
    for attack in $ATTACKS; do
        if [ "$call" = sign ]; then
            hostile none; add_hostile >/dev/null 2>&1
            hostile "${attack/socket/inet}"
            check_rc "pkcs11 $call: $attack: the signature fails" 1 ssh-add -T "$T/p11.pub"
            t ssh-add -e "$HOSTILE" >/dev/null 2>&1
        else
            hostile "${attack/socket/inet}"
            check_rc "pkcs11 $call: $attack: ssh-add -s fails" 1 add_hostile
        fi
        attacked "pkcs11 $call" p11-hostile "$attack"
    done
    stop_pty_agent
done
unset SKAGENT_TEST_BROKEN_CALL
# Fail closed: a helper whose sandbox cannot be applied exits before it loads its library. Here
# SoftHSM2's configuration names as its token directory a file Landlock cannot take a rule for
# (/proc/self/ns/net, an nsfs inode: landlock_add_rule answers EBADFD), so the PKCS#11 helper's
# sandbox fails; it must exit at once (status 1, saying why) instead of running unconfined (the
# old helper went on and waited for the agent's first request).
if [ "$LANDLOCK" -gt 0 ]; then
    printf 'directories.tokendir = /proc/self/ns/net\n' >"$T/bad-softhsm2.conf"
    out=$(SOFTHSM2_CONF=$T/bad-softhsm2.conf timeout 10 "$BIN/skagent-pkcs11-helper" "$SOFTHSM" 3< <(sleep 15) 2>&1); rc=$?
    check_eq "a PKCS#11 helper that cannot apply its sandbox exits (status)" "$rc" 1
    check_match "... and says why" "$out" "skagent-pkcs11-helper: sandbox: "
fi
finish
