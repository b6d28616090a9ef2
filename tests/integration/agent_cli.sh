#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The agent's command line, as scripts and login shells use it: -s/-c eval output, -k, -a,
# -D/-d, command mode, the default socket, socket permissions, signals, -t, bad options, and
# stdout compared with OpenSSH's own ssh-agent for the same flags.
. "$(dirname "$0")/lib.sh"
REF_AGENT=${REF_AGENT:-/usr/bin/ssh-agent}
make_keys || { fail "make keys"; finish; }
KEY=$T/keys/ssh-ed25519

# Agent processes started in the background by `-s`/`-c` and not yet killed.
bg_pids=()
# pid_of OUTPUT: the number in "echo Agent pid N;".
pid_of() { printf '%s\n' "$1" | sed -n 's/^echo Agent pid \([0-9][0-9]*\);$/\1/p'; }
perm() { stat -c '%a' "$1" 2>/dev/null; }

# ------------------------------------------------------------------ -s
out=$(t "$SKAGENT" -s -a "$T/s.sock" </dev/null 2>"$T/s.err"); rc=$?
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
check_eq "-s exit status" "$rc" 0
check_eq "-s output" "$out" "SSH_AUTH_SOCK=$T/s.sock; export SSH_AUTH_SOCK;
SSH_AGENT_PID=$pid; export SSH_AGENT_PID;
echo Agent pid $pid;"
if [ -n "$pid" ] && is_alive "$pid"; then ok "-s agent runs in the background"; else fail "-s agent runs in the background" "pid '$pid'"; fi
check_eq "-a socket is a 0600 socket" "$(stat -c '%F %a' "$T/s.sock" 2>&1)" "socket 600"
check_rc "-s agent answers (empty: ssh-add -l exits 1)" 1 env SSH_AUTH_SOCK="$T/s.sock" ssh-add -l
check "-s agent takes a key" env SSH_AUTH_SOCK="$T/s.sock" ssh-add -q "$KEY"
check_match "-s agent lists it" "$(SSH_AUTH_SOCK=$T/s.sock t ssh-add -l 2>&1)" "key-ssh-ed25519 \(ED25519\)"

# ------------------------------------------------------------------ -k
out=$(SSH_AGENT_PID=$pid SSH_AUTH_SOCK=$T/s.sock SHELL=/bin/sh t "$SKAGENT" -k 2>&1 </dev/null); rc=$?
check_eq "-k exit status" "$rc" 0
check_eq "-k output" "$out" "unset SSH_AUTH_SOCK;
unset SSH_AGENT_PID;
echo Agent pid $pid killed;"
if wait_for 5 is_dead "$pid"; then ok "-k ends the agent"; else fail "-k ends the agent"; fi
if wait_for 5 test ! -e "$T/s.sock"; then ok "-k agent removes its socket"; else fail "-k agent removes its socket"; fi

out=$(unset SSH_AGENT_PID; t "$SKAGENT" -k 2>/dev/null </dev/null); rc=$?
check_eq "-k without SSH_AGENT_PID fails (exit 1)" "$rc" 1
check_eq "-k without SSH_AGENT_PID prints nothing" "$out" ""

# ------------------------------------------------------------------ -c, SHELL
out=$(t "$SKAGENT" -c -a "$T/c.sock" </dev/null 2>/dev/null)
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
check_eq "-c output" "$out" "setenv SSH_AUTH_SOCK $T/c.sock;
setenv SSH_AGENT_PID $pid;
echo Agent pid $pid;"
out=$(SSH_AGENT_PID=$pid t "$SKAGENT" -c -k 2>&1 </dev/null)
check_eq "-c -k output" "$out" "unsetenv SSH_AUTH_SOCK;
unsetenv SSH_AGENT_PID;
echo Agent pid $pid killed;"

out=$(SHELL=/bin/tcsh t "$SKAGENT" -a "$T/csh.sock" </dev/null 2>/dev/null)
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
check_eq "SHELL=/bin/tcsh picks csh syntax" "$out" "setenv SSH_AUTH_SOCK $T/csh.sock;
setenv SSH_AGENT_PID $pid;
echo Agent pid $pid;"
out=$(SHELL=/bin/tcsh SSH_AGENT_PID=$pid t "$SKAGENT" -k 2>&1 </dev/null)
check_eq "SHELL=/bin/tcsh -k picks csh syntax" "$out" "unsetenv SSH_AUTH_SOCK;
unsetenv SSH_AGENT_PID;
echo Agent pid $pid killed;"
out=$(SHELL=/bin/bash t "$SKAGENT" -a "$T/bash.sock" </dev/null 2>/dev/null)
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
check_eq "SHELL=/bin/bash picks sh syntax" "$out" "SSH_AUTH_SOCK=$T/bash.sock; export SSH_AUTH_SOCK;
SSH_AGENT_PID=$pid; export SSH_AGENT_PID;
echo Agent pid $pid;"
SSH_AGENT_PID=$pid t "$SKAGENT" -s -k >/dev/null 2>&1 </dev/null

# ------------------------------------------------------------------ default socket path
# OpenSSH: /tmp/ssh-XXXXXXXXXXXX/agent.<pid of the process that started the agent>, the
# directory 0700, the socket 0600; both removed when the agent ends.
out=$(t sh -c 'echo "parent=$$"; exec "$0" -s' "$SKAGENT" </dev/null 2>/dev/null)
parent=$(printf '%s\n' "$out" | sed -n 's/^parent=//p')
sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\); export SSH_AUTH_SOCK;$/\1/p')
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
check_match "default socket is ${TMPDIR:-/tmp}/ssh-*/agent.<parent pid>" "$sock" \
    "^(/tmp|${TMPDIR:-/tmp})/ssh-[A-Za-z0-9]{8,}/agent\.$parent\$"
check_eq "default socket directory is 0700, socket 0600" \
    "$(perm "$(dirname "$sock")") $(perm "$sock")" "700 600"
check_rc "default socket answers" 1 env SSH_AUTH_SOCK="$sock" ssh-add -l
kill -TERM "$pid" 2>/dev/null
if wait_for 5 is_dead "$pid"; then ok "SIGTERM ends the agent"; else fail "SIGTERM ends the agent"; fi
if wait_for 5 test ! -e "$(dirname "$sock")"; then ok "SIGTERM removes socket and directory"; else
    fail "SIGTERM removes socket and directory" "$(ls -ld "$(dirname "$sock")" "$sock" 2>&1 | tr '\n' ' ')"; fi

out=$(t "$SKAGENT" -s </dev/null 2>/dev/null)
sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\);.*/\1/p')
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
SSH_AGENT_PID=$pid t "$SKAGENT" -k >/dev/null 2>&1 </dev/null
if wait_for 5 test ! -e "$(dirname "$sock")"; then ok "-k removes default socket and directory"; else
    fail "-k removes default socket and directory" "$sock"; fi

kill -HUP "${bg_pids[@]}" 2>/dev/null   # SIGHUP ends OpenSSH's agent too; leftovers only

# ------------------------------------------------------------------ -D, -d
for mode in -D -d; do
    d=$T/fg$mode; mkdir -m 0700 "$d"
    "$SKAGENT" $mode -a "$d/sock" >"$d/out" 2>"$d/err" </dev/null &
    fpid=$!
    wait_for 10 test -S "$d/sock"
    sleep 0.3
    check_eq "$mode output (no SSH_AGENT_PID line)" "$(cat "$d/out")" "SSH_AUTH_SOCK=$d/sock; export SSH_AUTH_SOCK;
echo Agent pid $fpid;"
    if is_alive "$fpid"; then ok "$mode stays in the foreground"; else fail "$mode stays in the foreground"; fi
    check_rc "$mode agent answers" 1 env SSH_AUTH_SOCK="$d/sock" ssh-add -l
    kill -TERM "$fpid"
    if wait_for 5 is_dead "$fpid"; then ok "$mode: SIGTERM ends it"; else fail "$mode: SIGTERM ends it"; fi
    wait "$fpid" 2>/dev/null
    if [ ! -e "$d/sock" ]; then ok "$mode: SIGTERM removes the -a socket"; else fail "$mode: SIGTERM removes the -a socket"; fi
done
check_match "-d writes debug output to stderr" "$(cat "$T/fg-d/err")" "."

# ------------------------------------------------------------------ command mode
out=$(t "$SKAGENT" -a "$T/cmd.sock" sh -c \
    'ssh-add -l >/dev/null 2>&1; echo "rc=$?"; echo "pid=$SSH_AGENT_PID"; echo "sock=$SSH_AUTH_SOCK"' \
    </dev/null 2>"$T/cmd.err"); rc=$?
cpid=$(printf '%s\n' "$out" | sed -n 's/^pid=//p')
check_eq "command mode runs the command with the agent" "$(printf '%s\n' "$out" | grep -v '^pid=')" "rc=1
sock=$T/cmd.sock"
check_match "command mode sets SSH_AGENT_PID" "$cpid" '^[0-9]+$'
check_eq "command mode exit status" "$rc" 0
if [ -n "$cpid" ] && wait_for 15 is_dead "$cpid"; then ok "command mode: the agent ends with the command"; else
    fail "command mode: the agent ends with the command" "pid $cpid still there after 15 s"; fi
if wait_for 3 test ! -e "$T/cmd.sock"; then ok "command mode: socket removed"; else fail "command mode: socket removed"; fi
check_rc "command mode passes the command's exit status" 7 "$SKAGENT" -a "$T/cmd2.sock" sh -c 'exit 7'
wait_for 15 test ! -e "$T/cmd2.sock"

# ------------------------------------------------------------------ -t default lifetime
start_agent -t 2 || fail "start agent -t 2"
check "-t 2: key added" ssh-add -q "$KEY"
check_rc "-t 2: key listed at once" 0 ssh-add -l
sleep 3.5
check_rc "-t 2: key gone after 3.5 s" 1 ssh-add -l
check "-t 2: ssh-add -t 30 overrides it" ssh-add -q -t 30 "$KEY"
sleep 3.5
check_rc "-t 2: key with its own lifetime 30 s still there after 3.5 s" 0 ssh-add -l
stop_agent

# ------------------------------------------------------------------ SIGUSR1
# OpenSSH 9.8 and later remove all keys on SIGUSR1; 9.2 (Debian 12's reference) dies on it.
if [ "$(readlink -f "$SKAGENT")" = "$(readlink -f "$REF_AGENT")" ] &&
        ! ssh -V 2>&1 | grep -Eq 'OpenSSH_(9\.[89]|[1-9][0-9])'; then
    note "SIGUSR1 not checked: the reference agent (OpenSSH $(ssh -V 2>&1 | sed 's/,.*//')) predates it"
else
    start_agent || fail "start agent"
    check "SIGUSR1: keys added" ssh-add -q "$KEY"
    kill -USR1 "$AGENT_PID"
    sleep 0.5
    if is_alive "$AGENT_PID"; then ok "SIGUSR1: agent keeps running"; else fail "SIGUSR1: agent keeps running"; fi
    check_rc "SIGUSR1: all keys dropped" 1 ssh-add -l
    stop_agent
fi

# ------------------------------------------------------------------ bad command lines
for bad in "-Z" "-c -s" "-t bogus"; do
    # shellcheck disable=SC2086
    out=$(t "$SKAGENT" $bad -a "$T/bad.sock" </dev/null 2>/dev/null); rc=$?
    if [ $rc -ne 0 ] && [ -z "$out" ] && [ ! -e "$T/bad.sock" ]; then ok "'$bad' is refused"; else
        fail "'$bad' is refused" "exit $rc, stdout [$out]"; fi
done
out=$(t "$SKAGENT" -D -a "$T/no/such/dir/sock" </dev/null 2>/dev/null); rc=$?
check_eq "-a in a missing directory fails (exit 1)" "$rc" 1

# ------------------------------------------------------------------ same stdout as OpenSSH's agent
# For each set of flags, run both agents and compare stdout with pids and socket paths masked.
norm() { sed -e "s|$2|SOCK|g" -e "s/\b$1\b/PID/g"; }
run_flags() { # run_flags AGENT SOCK FLAGS... -> normalised stdout, agent killed
    local agent=$1 sock=$2; shift 2
    local o p
    o=$(t "$agent" "$@" -a "$sock" </dev/null 2>/dev/null)
    p=$(pid_of "$o")
    printf '%s\n' "$o" | norm "${p:-NOPID}" "$sock"
    if [ -n "$p" ]; then
        printf '%s\n' "$(SSH_AGENT_PID=$p SHELL=/bin/sh t "$agent" -k 2>/dev/null </dev/null | norm "$p" "$sock")"
    fi
}
if [ -x "$REF_AGENT" ]; then
    i=0
    for flags in "-s" "-c" "-s -t 60" "-c -E md5"; do
        i=$((i + 1))    # fresh socket paths each time: one leftover socket must not spoil the rest
        # shellcheck disable=SC2086
        want=$(run_flags "$REF_AGENT" "$T/ref$i.sock" $flags)
        # shellcheck disable=SC2086
        got=$(run_flags "$SKAGENT" "$T/sut$i.sock" $flags)
        check_eq "stdout of '$flags' and -k matches OpenSSH's ssh-agent" "$got" "$want"
    done
    for flags in "-D" "-d"; do
        for a in ref sut; do
            agent=$REF_AGENT; [ $a = sut ] && agent=$SKAGENT
            "$agent" $flags -a "$T/$a$flags.sock" >"$T/$a.out" 2>/dev/null </dev/null &
            p=$!
            wait_for 10 test -S "$T/$a$flags.sock"; sleep 0.3
            kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
            norm "$p" "$T/$a$flags.sock" <"$T/$a.out" >"$T/$a.norm"
        done
        check_eq "stdout of '$flags' matches OpenSSH's ssh-agent" "$(cat "$T/sut.norm")" "$(cat "$T/ref.norm")"
    done
else
    fail "reference agent $REF_AGENT missing"
fi

finish
