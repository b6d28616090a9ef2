#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Hostile clients and hostile providers against the real agent (issue 8):
#   another uid is refused; 1,000 idle connections and 100 slow-drip clients do not delay a
#   normal client; 10,000 malformed messages each get FAILURE or a closed connection and the
#   agent still serves; clients vanishing mid-frame and with a confirm prompt open leave no
#   stuck state, and so does a security key (skagent-vtoken) pulled while a signature waits for
#   its touch; wrong unlocks are slowed as documented; the agent's memory, read through
#   /proc/PID/mem as root, holds none of the private-key secrets; the same uid cannot ptrace
#   it; the agent runs under seccomp (and Landlock when the kernel has it); hostile providers
#   and modules in the helpers' sandboxes: helper_sandbox.sh. Issue 13: a
#   million pipelined frames, 4,096 connections holding incomplete 256 KiB frames, wrong
#   unlocks in parallel, and a caller that forks and execs after connecting.
# Uses $BUILD/bin/skagent-adversary (tests/adversary/adversary.cc) and
# the test libraries beside the agent. The root-only checks (another uid,
# memory scan) need password-less sudo, which lib.sh sets up for its test user.
. "$(dirname "$0")/lib.sh"
BIN=$(cd "$(dirname "$SKAGENT")" && pwd)
ADV=$BIN/skagent-adversary
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
[ -x "$ADV" ] || { fail "adversary" "$ADV missing (make $ADV)"; finish; }
SUDO=
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
have_root() { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
make_keys || { fail "make keys"; finish; }
K=$T/keys
# The agent is not dumpable, so its /proc/PID/fd belongs to root.
agent_fds() { $SUDO ls "/proc/$AGENT_PID/fd" 2>/dev/null | wc -l; }
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }

# ------------------------------------------------------------------ another uid
start_agent || { fail "start agent"; finish; }
t ssh-add -q "$K/ssh-ed25519" </dev/null
if have_root; then
    chmod 0711 "$T" "$AGENT_DIR"
    chmod 0777 "$SSH_AUTH_SOCK"
    out=$(t $SUDO -u nobody env SSH_AUTH_SOCK="$SSH_AUTH_SOCK" ssh-add -l 2>&1); rc=$?
    # The agent closes the connection unread. Whether ssh-add's request was already queued
    # decides how it fails: SIGPIPE (141) or exit 2 on the write, exit 1 when its read meets
    # the reset. The same race exists with OpenSSH's agent; any failure listing nothing is right.
    check "another uid: ssh-add -l as nobody fails on the closed connection (exit $rc)" \
        test "$rc" -ne 0
    check "another uid: nothing is listed to the other uid" \
        sh -c '! printf "%s" "$1" | grep -q "SHA256:"' _ "$out"
    check_match "another uid: the agent logs the refusal" "$(cat "$AGENT_DIR/err")" "uid mismatch: peer uid $(id -u nobody)"
    check "another uid: the owner is still served" ssh-add -l
    chmod 0700 "$T" "$AGENT_DIR"
    chmod 0600 "$SSH_AUTH_SOCK"
else
    note "another uid: skipped (no root or sudo)"
fi

# ------------------------------------------------------------------ the socket, removed from outside the sandbox
# The agent's Landlock grants no removal (REMOVE_FILE on the socket's directory would cover all
# beneath it); its spawner removes the socket at exit. A relative -a is made absolute before a
# daemon's chdir("/"), so the file removed is the one made.
mkdir -p "$T/rel"
out=$(cd "$T/rel" && t "$SKAGENT" -s -a rel.sock </dev/null 2>"$T/rel.err")
rel_pid=$(printf '%s' "$out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
check_match "relative -a: SSH_AUTH_SOCK is printed absolute" "$out" "^SSH_AUTH_SOCK=$(re "$T/rel/rel.sock");"
check "relative -a: the socket is made" test -S "$T/rel/rel.sock"
kill "$rel_pid" 2>/dev/null
check "relative -a, daemon: the socket is removed at exit" wait_for 10 test ! -e "$T/rel/rel.sock"
is_alive "$rel_pid" && kill -9 "$rel_pid" 2>/dev/null

# ------------------------------------------------------------------ hardening: seccomp, ptrace
check_eq "sandbox: the agent runs under a seccomp filter" "$(status_field "$AGENT_PID" Seccomp)" 2
spawner=$(pgrep -P "$AGENT_PID" -x skagent-spawn)
check "sandbox: the spawner process exists (it starts prompts and helpers)" test -n "$spawner"
check_eq "sandbox: the spawner has no filter (it must exec askpass)" "$(status_field "${spawner:-0}" Seccomp)" 0
if [ "$(id -u)" != 0 ]; then
    out=$(t "$ADV" ptrace "$AGENT_PID" 2>&1); rc=$?
    check_eq "ptrace: the same uid cannot attach ($out)" "$rc" 0
else
    note "ptrace: skipped (root may attach regardless)"
fi

# ------------------------------------------------------------------ idle and slow clients
hard=$(ulimit -Hn)
note "fd limits: ours soft $(ulimit -Sn) hard $hard; agent $(sed -n 's/^Max open files *//p' /proc/$AGENT_PID/limits)"
check_eq "fd limit: the agent raised its soft limit to the hard one" \
    "$(awk '/^Max open files/ {print $4}' /proc/$AGENT_PID/limits)" "$(awk '/^Max open files/ {print $5}' /proc/$AGENT_PID/limits)"
fds_before=$(agent_fds)
mkfifo "$T/hold.in"
"$ADV" hold "$SSH_AUTH_SOCK" 1000 <"$T/hold.in" >"$T/hold.out" 2>&1 &
HOLD=$!
exec 7>"$T/hold.in"
wait_for 20 grep -q '^held' "$T/hold.out"
check_eq "1000 idle connections are all held open" "$(cat "$T/hold.out")" "held 1000"
"$ADV" drip "$SSH_AUTH_SOCK" 100 2>"$T/drip.err" &
DRIP=$!
sleep 3
held=$(agent_fds)
note "agent descriptors: $fds_before before, $held with 1000 idle + 100 dripping clients"
check "the agent holds 1,100 more connections" test "$held" -ge $((fds_before + 1100))
out=$(t "$ADV" latency "$SSH_AUTH_SOCK" 200 50 2>&1); rc=$?
note "latency with 1,100 hostile connections: $out"
check_eq "a normal client's list and sign stay under 50 ms" "$rc" 0
check "the dripping clients get their replies too" grep -q ', [1-9][0-9]* replies' "$T/drip.err"
kill "$DRIP" 2>/dev/null; wait "$DRIP" 2>/dev/null
exec 7>&-
wait "$HOLD" 2>/dev/null
wait_for 10 test "$(agent_fds)" -le "$((fds_before + 2))"
check_eq "every closed connection is released" "$(agent_fds)" "$fds_before"

# ------------------------------------------------------------------ malformed messages
t ssh-add -q "$K/ecdsa-sha2-nistp256" "$K/ssh-rsa" </dev/null
nkeys=$(t ssh-add -l | wc -l)
out=$(timeout 300 "$ADV" malformed "$SSH_AUTH_SOCK" 10000 "$nkeys" 2>&1); rc=$?
note "malformed: $(printf '%s' "$out" | tail -n 1)"
check_eq "10,000 malformed messages: each FAILURE or closed, the agent serves, keys intact" "$rc" 0
check "the agent is alive after the malformed messages" is_alive "$AGENT_PID"

# ------------------------------------------------------------------ vanishing clients
fds_before=$(agent_fds)
check "a client vanishing mid-frame" "$ADV" half-frame "$SSH_AUTH_SOCK"
check "  ... leaves the agent serving" ssh-add -T "$K/ssh-ed25519.pub"
wait_for 5 test "$(agent_fds)" -le "$fds_before"
check_eq "  ... and no connection behind" "$(agent_fds)" "$fds_before"
stop_agent

# A confirm prompt that would stay open for 5 minutes; the client goes away.
cat >"$T/hang-askpass.sh" <<EOF
#!/bin/sh
echo \$\$ >>"$T/hang-askpass.pids"
exec sleep 300
EOF
chmod 0755 "$T/hang-askpass.sh"
SSH_ASKPASS=$T/hang-askpass.sh start_agent || { fail "start agent (hanging askpass)"; finish; }
t ssh-add -q -c "$K/ssh-ed25519" </dev/null
t ssh-add -q "$K/ecdsa-sha2-nistp256" </dev/null
check "a client vanishing while its confirm prompt is open" "$ADV" sign-and-vanish "$SSH_AUTH_SOCK"
check "  ... had a prompt open" wait_for 5 test -s "$T/hang-askpass.pids"
askpass_pid=$(head -n 1 "$T/hang-askpass.pids" 2>/dev/null)
check "  ... whose askpass is ended" wait_for 5 is_dead "$askpass_pid"
check "  ... and the agent serves the others" ssh-add -T "$K/ecdsa-sha2-nistp256.pub"
: >"$T/hang-askpass.pids"
check "  ... and prompts again for the next request" sh -c "'$ADV' sign-and-vanish '$SSH_AUTH_SOCK' && sleep 1 && test -s '$T/hang-askpass.pids'"
stop_agent

# ------------------------------------------------------------------ lock brute force
start_agent || { fail "start agent"; finish; }
t ssh-add -q "$K/ssh-ed25519" </dev/null
timeout 120 "$ADV" unlock-guesses "$SSH_AUTH_SOCK" 20 >"$T/guess.out" 2>&1 &
GUESS=$!
sleep 5
# While the guesser waits out its delays, others are answered at once (locked: no keys).
start_ns=$(date +%s%N)
t ssh-add -l >/dev/null 2>&1
ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
check "a guesser does not stall other clients (ssh-add -l took $ms ms)" test "$ms" -lt 500
wait "$GUESS"; rc=$?
out=$(cat "$T/guess.out")
note "lock: $out"
secs=$(printf '%s' "$out" | sed -n 's/^20 wrong unlocks took \([0-9.]*\) s.*/\1/p')
check_eq "lock: the guesses ran, and the right password unlocks" "$rc" 0
# 0.1 s more after each failure: 0.1 * (1 + ... + 19) = 19 s before the 20th guess.
check "lock: 20 wrong unlocks take at least 19 s (took ${secs:-?} s)" awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 19.0) }'
check "lock: keys usable after unlock" ssh-add -T "$K/ssh-ed25519.pub"
stop_agent

# ------------------------------------------------------------------ issue 13: a hostile server or client
# Pipelined bursts (defect 2), unlock guesses in parallel (3), a caller that hands its socket
# on and runs another program (5), a flood of incomplete big frames (6). The figures go to
# README "Security".
start_agent -o "Audit $T/audit.jsonl" || { fail "start agent"; finish; }
t ssh-add -q "$K/ssh-ed25519" </dev/null
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$AGENT_PID/status"; }
out=$(timeout 300 "$ADV" pipeline "$SSH_AUTH_SOCK" 1000000 2>&1); rc=$?
note "pipeline: $out"
check_eq "1,000,000 pipelined frames on one connection: all answered; the agent still lists and signs" "$rc" 0
check "  ... and is alive" is_alive "$AGENT_PID"

# A process connects, forks a child that keeps the socket, and runs another program (or
# exits); the child's signature is audited as the original program's, marked.
adv_real=$(readlink -f "$ADV")
for how in exec exit; do
    rm -f "$T/fork-$how.out"
    "$ADV" fork-exec "$SSH_AUTH_SOCK" "$how" "$T/fork-$how.out" &
    fe=$!
    wait_for 20 test -s "$T/fork-$how.out"
    check_eq "fork after connect ($how): the child's request is signed" "$(cat "$T/fork-$how.out" 2>/dev/null)" signed
    line=$(tail -n 1 "$T/audit.jsonl" 2>/dev/null)
    state=$([ "$how" = exec ] && echo replaced || echo exited)
    check_match "fork after connect ($how): audited as pid $fe" "$line" "\"caller\":\\{\"pid\":$fe,"
    check_match "  ... named as the program that connected" "$line" "\"exe\":\"$(re "$adv_real")\""
    check_match "  ... marked $state" "$line" "\"state\":\"$state\""
    kill "$fe" 2>/dev/null; wait "$fe" 2>/dev/null
done

# 4,096 connections from 8 processes, each holding all but the last byte of a 256 KiB frame
# (reopened when the agent closes it), while a normal client lists and signs.
rss_before=$(rss_kb)
"$ADV" flood "$SSH_AUTH_SOCK" 4096 262144 8 30 >"$T/flood.out" 2>&1 &
FLOOD=$!
rss_max=0
for _ in $(seq 1 16); do
    sleep 0.5
    r=$(rss_kb); [ "${r:-0}" -gt "$rss_max" ] && rss_max=$r
done
held=$(agent_fds)
# (2026-12-07: median 0.37 ms but p99 2.3 s, max 3.5 s while the flood reconnected 46,000
# times on this loaded 2-core VM; after bounded accepts and slices, p99 8-16 ms; with the
# caller read once per process, median 1.5 ms, p99 4 ms, the first request 0.6 s; the bound
# checks that nobody starves, not speed.)
out=$(t "$ADV" latency "$SSH_AUTH_SOCK" 200 10000 2>&1); rc=$?
while is_alive "$FLOOD"; do
    sleep 0.5
    r=$(rss_kb); [ "${r:-0}" -gt "$rss_max" ] && rss_max=$r
done
wait "$FLOOD"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$AGENT_PID/status")
note "flood: $(cat "$T/flood.out"); agent descriptors during it: $held; agent RSS $rss_before kB before, at most $rss_max kB sampled, peak (VmHWM) $hwm kB"
note "normal client during the flood: $out"
check "4,096 connections with incomplete 256 KiB frames: the agent's peak RSS stays under 96 MiB (${hwm:-?} kB)" \
    test "${hwm:-999999}" -lt 98304
check_eq "  ... and a normal client's 400 list/sign requests all succeed, none over 10 s" "$rc" 0
check "  ... and the agent is alive" is_alive "$AGENT_PID"
check "  ... and still signs" ssh-add -T "$K/ssh-ed25519.pub"

# Wrong unlocks on 15 connections at once wait their turns: 0.1 s x (1 + ... + 14) = 10.5 s.
out=$(timeout 120 "$ADV" unlock-parallel "$SSH_AUTH_SOCK" 15 2>&1); rc=$?
note "lock: $out"
secs=$(printf '%s' "$out" | sed -n 's/^15 parallel wrong unlocks took \([0-9.]*\) s.*/\1/p')
slowest=$(printf '%s' "$out" | sed -n 's/.*slowest \([0-9.]*\) ms.*/\1/p')
check_eq "lock: 15 parallel wrong unlocks all refused, then the right password unlocks" "$rc" 0
check "lock: they take at least the agent-wide 10.5 s (took ${secs:-?} s)" awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 10.5) }'
check "lock: lists meanwhile are not delayed (slowest ${slowest:-?} ms)" awk -v s="${slowest:-9999}" 'BEGIN { exit !(s < 500) }'
stop_agent

# ------------------------------------------------------------------ a policy file others may write
# As ssh does for its config: a policy or Audit file not owned by the user or root, or writable
# by others (also through a symlink), is refused: at start-up the agent does not start; on
# SIGHUP the last good policy stays. The tell: "Confirm always" makes every signature ask the
# askpass, which here always says no.
POLD=$T/policies; mkdir -p "$POLD"
printf 'Confirm never\n' >"$POLD/good"; chmod 0600 "$POLD/good"
printf 'Confirm always\n' >"$POLD/mode666"; chmod 0666 "$POLD/mode666"
printf 'Confirm always\n' >"$POLD/mode620"; chmod 0620 "$POLD/mode620"
ln -s mode666 "$POLD/link-to-mode666"
# starts_with_policy FILE [ARGS...]: the agent's exit status within 5 s (124: it started).
starts_with_policy() {
    local f=$1; shift
    timeout 5 "$SKAGENT" -D -a "$T/policy-test.sock" -f "$f" "$@" </dev/null >/dev/null 2>"$T/policy-test.err"
}
for f in mode666 mode620 link-to-mode666; do
    starts_with_policy "$POLD/$f"; rc=$?
    check_eq "policy $f: the agent refuses to start" "$rc" 1
    check_match "policy $f: and says why" "$(cat "$T/policy-test.err")" "bad permissions"
done
printf 'Audit %s\n' "$POLD/audit666" >"$POLD/audit-policy"; chmod 0600 "$POLD/audit-policy"
: >"$POLD/audit666"; chmod 0666 "$POLD/audit666"
starts_with_policy "$POLD/audit-policy"; rc=$?
check_eq "an Audit file others may write: the agent refuses to start" "$rc" 1
if have_root; then
    printf 'Confirm always\n' >"$POLD/nobody"; chmod 0644 "$POLD/nobody"; $SUDO chown nobody "$POLD/nobody"
    ln -s nobody "$POLD/link-to-nobody"
    for f in nobody link-to-nobody; do
        starts_with_policy "$POLD/$f"; rc=$?
        check_eq "policy $f (owned by nobody): the agent refuses to start" "$rc" 1
        check_match "policy $f: and says why" "$(cat "$T/policy-test.err")" "bad owner"
    done
else
    note "policy owned by another user: skipped (no root or sudo)"
fi
starts_with_policy "$POLD/good"; rc=$?
check_eq "policy good (0600): the agent starts" "$rc" 124
rm -f "$T/policy-test.sock"

ln -s good "$POLD/current"
SSH_ASKPASS=$ASKPASS_PROG start_agent -f "$POLD/current" || { fail "start agent"; finish; }
t ssh-add -q "$K/ssh-ed25519" </dev/null
check "policy: Confirm never: signs without asking" t ssh-add -T "$K/ssh-ed25519.pub"
refusals() { grep -c "keeping the previous policy" "$AGENT_DIR/err"; }
# (counted again at each try: a count taken once, before the agent logged, never changes)
refusals_over() { [ "$(refusals)" -gt "$1" ]; }
reloads_over() { [ "$(grep -c "policy: reloaded" "$AGENT_DIR/err")" -gt "$1" ]; }
# hup_refused WHAT: SIGHUP, then the refusal is logged and the old policy still holds.
hup_refused() {
    local n; n=$(refusals)
    kill -HUP "$AGENT_PID"
    check "policy $1 on SIGHUP: refused and logged" wait_for 10 refusals_over "$n"
    check "policy $1 on SIGHUP: the last good policy stays (no prompt)" t ssh-add -T "$K/ssh-ed25519.pub"
}
printf 'Confirm always\n' >"$POLD/good"; chmod 0666 "$POLD/good"
hup_refused "rewritten and made 0666"
ln -sfn mode620 "$POLD/current"
hup_refused "symlinked to a 0620 file"
if have_root; then
    ln -sfn nobody "$POLD/current"
    hup_refused "symlinked to a file of nobody's"
fi
ln -sfn good "$POLD/current"; chmod 0600 "$POLD/good"
n=$(grep -c "policy: reloaded" "$AGENT_DIR/err")
kill -HUP "$AGENT_PID"
wait_for 10 reloads_over "$n"
check_rc "policy: made 0600 again, the new policy is read (the prompt says no)" 1 t ssh-add -T "$K/ssh-ed25519.pub"
stop_agent

# ------------------------------------------------------------------ memory scan
# Every 16-byte window of every secret (private numbers in both byte orders, RSA's CRT values,
# the lock password, PINs) is looked for in the agent, its spawner and every helper, read
# through /proc/PID/mem as root; one hit fails.
LOCK_PW=lock-pw-Zq81vR3kT7mW
WRONG_PW=wrong-pw-Hh27cXk9
# The passwords reach the adversary in files, not on its command line: the agent records each
# caller's command line (prompts, audit), so a password there would be found in its memory
# as the caller's, not as one the agent was given.
printf '%s' "$LOCK_PW" >"$T/lock.pw"; printf '%s' "$WRONG_PW" >"$T/wrong.pw"
# scan_memory WHAT SECRET...: scan the agent and every process it started.
scan_memory() {
    local what=$1; shift
    if ! have_root; then note "memory scan ($what): skipped (no root or sudo)"; return; fi
    local pids
    pids=$(printf '%s,' "$AGENT_PID" $(pgrep -P "$AGENT_PID")); pids=${pids%,}
    out=$(t $SUDO "$ADV" memscan "$pids" "$@" 2>&1); rc=$?
    note "memscan ($what): $(printf '%s' "$out" | tail -n 1)"
    check_eq "memory ($what): no 16 bytes of any secret in pids $pids ($(printf '%s' "$out" | grep -c 'found in pid') hits)" "$rc" 0
    [ $rc -ne 0 ] && printf '%s\n' "$out" | head -n 30 | sed 's/^/    /'
}
start_agent || { fail "start agent"; finish; }
scan_keys=()
for kt in $(key_types); do
    t ssh-add -q "$K/$kt" </dev/null && scan_keys+=("$K/$kt")
done
for kt in $(key_types); do t ssh-add -T "$K/$kt.pub" >/dev/null 2>&1 </dev/null; done
t ssh-add -q -d "$K/ssh-rsa" </dev/null      # removed keys must be gone too
scan_memory "add, sign, remove" "${scan_keys[@]}"
# A key the agent checks whole and then refuses (its RSA CRT values passed through OpenSSL).
ssh-keygen -q -t rsa -b 3072 -N '' -C refused -f "$T/refused-rsa" </dev/null
check "a refused add: parsed, checked, then refused" t "$ADV" add-refused "$SSH_AUTH_SOCK" "$T/refused-rsa"
check_match "  ... for its constraint" "$(cat "$AGENT_DIR/err")" "sk-provider given for a key that is not a security key"
check "lock" t "$ADV" lock "$SSH_AUTH_SOCK" "$T/lock.pw"
check_rc "locked: the keys are hidden" 1 sh -c 'ssh-add -l >/dev/null 2>&1'
scan_memory "refused add, locked" "${scan_keys[@]}" "$T/refused-rsa" "text:lock password=$LOCK_PW"
check_rc "a wrong unlock is refused" 1 t "$ADV" unlock "$SSH_AUTH_SOCK" "$T/wrong.pw"
check "the right one unlocks" t "$ADV" unlock "$SSH_AUTH_SOCK" "$T/lock.pw"
check "unlocked: the keys sign again" t ssh-add -T "$K/ssh-ed25519.pub"
sleep 2
scan_memory "wrong and right unlock, then a wait" "${scan_keys[@]}" "$T/refused-rsa" \
    "text:lock password=$LOCK_PW" "text:wrong lock password=$WRONG_PW"
stop_agent

# PKCS#11 (SoftHSM2 through skagent-pkcs11-helper): ssh-add -s with a wrong PIN, then the right
# one; the PIN must be gone from the agent and the helper once the keys are listed.
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
P11_PIN=p11-pin-Vd83kLq0Ws
if [ -f "$SOFTHSM" ] && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null; then
    mkdir -p "$T/softhsm/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/softhsm/tokens" >"$T/softhsm/softhsm2.conf"
    export SOFTHSM2_CONF=$T/softhsm/softhsm2.conf
    t softhsm2-util --init-token --free --label scan --pin "$P11_PIN" --so-pin 12345678 >/dev/null
    t pkcs11-tool --module "$SOFTHSM" --token-label scan --login --pin "$P11_PIN" --keypairgen \
        --key-type EC:prime256v1 --id 01 --label scan-key >/dev/null 2>&1
    start_agent -P "/usr/lib*/*" || { fail "start agent"; finish; }
    # (ssh-add asks askpass for the PIN; the queue's line comes before lib.sh's "!cancel")
    p11_add() { printf '%s\n' "$1" >"$T/p11.queue"; ASKPASS_QUEUE=$T/p11.queue t ssh-add -s "$SOFTHSM" </dev/null; }
    check_rc "pkcs11: ssh-add -s with a wrong PIN fails" 1 p11_add p11-bad-Rt55nMx2
    check "pkcs11: ssh-add -s with the right PIN" p11_add "$P11_PIN"
    check "pkcs11: the token key is listed" sh -c 'ssh-add -l | grep -q scan-key'
    sleep 3    # the helper's presence checks send their 1-byte frames meanwhile
    scan_memory "ssh-add -s, wrong and right PIN" "text:PKCS#11 PIN=$P11_PIN" "text:wrong PKCS#11 PIN=p11-bad-Rt55nMx2"
    stop_agent
    unset SOFTHSM2_CONF
else
    fail "pkcs11 memory scan" "SoftHSM2 and OpenSC are test dependencies (tests/deps.sh)"
fi

# ------------------------------------------------------------------ a token vanishing mid-signature
# A key on skagent-vtoken, used through provider "internal". The token waits for a touch that
# never comes and is then pulled: killed outright (an unplugged USB key), or told to quit. The
# request fails at once, other clients are served meanwhile, and once the token is back the
# same key signs again: nothing in the agent or its helper is left waiting on the old token.
SK_LIB=$BUILD/lib/libskagent-sk.so
VTOKEN=$BIN/skagent-vtoken
[ -x "$VTOKEN" ] || VTOKEN=$BUILD/bin/skagent-vtoken
VT=$T/vt
vt() { "$VTOKEN" ctl "$VT/ctl.sock" "$@"; }
vt_waiting() { vt status 2>/dev/null | grep -qx 'waiting=1'; }
# start_vtoken ARGS...: the token on $VT (same state file, so the same keys, every time).
start_vtoken() {
    "$VTOKEN" --state "$VT/state" --hid-socket "$VT/hid.sock" --control "$VT/ctl.sock" "$@" \
        >>"$VT/log" 2>&1 </dev/null &
    VT_PID=$!
    wait_for 10 vt touches
}
if [ -r "$SK_LIB" ] && [ -x "$VTOKEN" ]; then
    mkdir -p "$VT"
    start_vtoken || { fail "start skagent-vtoken" "$(tail -n 3 "$VT/log" | tr '\n' ' ')"; finish; }
    export SKAGENT_VTOKEN=$VT/hid.sock
    # (a sanitizer build's library needs the ASan runtime preloaded into ssh-keygen)
    asan=$(ldd "$SK_LIB" 2>/dev/null | awk '/libasan/ { print $3 }')
    LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0 \
        t ssh-keygen -q -t ed25519-sk -w "$SK_LIB" -N '' -C vt-sk -f "$T/vt-sk" </dev/null
    start_agent || { fail "start agent"; finish; }
    t ssh-add -q "$K/ssh-ed25519" </dev/null
    check "vtoken: add a key on the virtual token (provider internal)" ssh-add "$T/vt-sk"
    check "vtoken: it signs" ssh-add -T "$T/vt-sk.pub"
    listed=$(t ssh-add -l 2>&1)
    for how in kill quit; do
        vt touch never >/dev/null
        vt touch-timeout 60000 >/dev/null
        t ssh-add -T "$T/vt-sk.pub" >"$T/vt-sign.out" 2>&1 </dev/null &
        SIGNER=$!
        check "vtoken ($how): the signature waits for a touch" wait_for 10 vt_waiting
        start_ns=$(date +%s%N)
        check "vtoken ($how): meanwhile a software key signs" ssh-add -T "$K/ssh-ed25519.pub"
        ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
        check "vtoken ($how): ... without waiting on the token (took $ms ms)" test "$ms" -lt 2000
        start_ns=$(date +%s%N)
        if [ "$how" = kill ]; then { kill -KILL "$VT_PID"; wait "$VT_PID"; } 2>/dev/null; else vt quit >/dev/null; fi
        wait "$SIGNER"; rc=$?
        ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
        check "vtoken ($how): the token is gone" wait_for 10 is_dead "$VT_PID"
        kill -KILL "$VT_PID" 2>/dev/null; wait "$VT_PID" 2>/dev/null
        check "vtoken ($how): the pending signature fails (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
        check "vtoken ($how): ... within 10 s (took $ms ms)" test "$ms" -lt 10000
        check "vtoken ($how): the agent is alive" is_alive "$AGENT_PID"
        check_eq "vtoken ($how): and still lists its keys" "$(t ssh-add -l 2>&1)" "$listed"
        check_rc "vtoken ($how): a signature with no token fails" 1 ssh-add -T "$T/vt-sk.pub"
        start_vtoken || { fail "restart skagent-vtoken"; break; }
        check "vtoken ($how): back in, the same key signs again" ssh-add -T "$T/vt-sk.pub"
    done
    vt quit >/dev/null 2>&1
    stop_agent

    # A token with a PIN: a wrong PIN, then the right one, typed into askpass; neither may stay
    # in the agent or in the sk helper that handed it to libfido2.
    VT=$T/vtpin VT_PIN=sk-pin-Mc62TfQ8 VT_BAD=sk-bad-Jn40pZr7
    mkdir -p "$VT"
    start_vtoken --pin "$VT_PIN" || { fail "start skagent-vtoken with a PIN"; finish; }
    export SKAGENT_VTOKEN=$VT/hid.sock
    LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0 SSH_ASKPASS=$ASKPASS_PROG SSH_ASKPASS_REQUIRE=force \
        ASKPASS_ANSWER=$VT_PIN t ssh-keygen -q -t ecdsa-sk -w "$SK_LIB" -O verify-required -N '' \
        -C vt-pin -f "$T/vt-pin" </dev/null
    printf '%s\n%s\n' "$VT_BAD" "$VT_PIN" >"$T/askpass.queue"
    SSH_ASKPASS=$ASKPASS_PROG ASKPASS_QUEUE=$T/askpass.queue start_agent -o "Notify no" ||
        { fail "start agent"; finish; }
    check "vtoken PIN: add the verify-required key" t ssh-add -q "$T/vt-pin"
    check "vtoken PIN: a wrong PIN, then the right one, and it signs" t ssh-add -T "$T/vt-pin.pub"
    check_eq "vtoken PIN: both answers were asked for" "$(wc -c <"$T/askpass.queue")" 0
    sleep 2
    scan_memory "sk PIN, wrong and right" "text:sk PIN=$VT_PIN" "text:wrong sk PIN=$VT_BAD"
    vt quit >/dev/null 2>&1
    stop_agent
    unset SKAGENT_VTOKEN
else
    fail "vtoken" "need $SK_LIB and $VTOKEN (make all)"
fi

# ------------------------------------------------------------------ a provider that breaks the rules
# Hostile providers and PKCS#11 modules inside their helpers' sandboxes: helper_sandbox.sh.

# ------------------------------------------------------------------ a library that is no provider
# Allowlisted, but not a SecurityKeyProvider (no sk_* exports) and with a constructor that leaves
# a marker: refused before any of its code runs, as a PKCS#11 module is.
CTOR=$BIN/skagent-test-pkcs11-ctor-marker.so
if [ -f "$CTOR" ] && [ -f "$SK_DUMMY" ]; then
    SKAGENT_TEST_CTOR_MARKER=$T/ctor-ran start_agent -P "$BIN/*,$(dirname "$SK_DUMMY")/*" || { fail "start agent"; finish; }
    [ -f "$T/sk" ] || t ssh-keygen -q -t ed25519-sk -w "$SK_DUMMY" -N '' -C sk-test -f "$T/sk" </dev/null
    check "no provider: add a key naming it" ssh-add -S "$CTOR" "$T/sk"
    check_rc "no provider: its signature fails" 1 ssh-add -T "$T/sk.pub"
    check_match "no provider: refused for its exports" "$(cat "$AGENT_DIR/err")" "does not export sk_api_version"
    check "no provider: its constructor never ran" test ! -e "$T/ctor-ran"
    check "no provider: a real provider still signs" sh -c "ssh-add -S '$SK_DUMMY' '$T/sk' && ssh-add -T '$T/sk.pub'"
    stop_agent
else
    fail "no provider" "$CTOR or $SK_DUMMY missing (make $CTOR)"
fi

finish
