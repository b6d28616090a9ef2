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
# OpenSSH 10.1+: ~/.ssh/agent/s.<hash of the host name>.agent.<10 random>, the directories
# 0700, the socket 0600; the socket goes when the agent ends, the directory stays. -T keeps
# 9.2's /tmp/ssh-XXXXXXXXXX/agent.<pid of the process that started the agent>, both removed.
# Every check runs with HOME in $T, so no real ~/.ssh is touched.
ref_agent_is_old() { # the agent under test is OpenSSH's, older than 10.1: it has no -T/-U/-u
    [ "$(readlink -f "$SKAGENT")" = "$(readlink -f "$REF_AGENT")" ] &&
        ! ssh -V 2>&1 | grep -Eq 'OpenSSH_(10\.[1-9]|1[1-9]|[2-9][0-9])'
}
HOST_HASH=$(python3 -c 'import hashlib, socket
c = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
print("".join(c[b % 62] for b in hashlib.sha512(socket.gethostname().encode()).digest()[:10]))')
mkdir -m 0755 "$T/home"
TFLAG=-T
if ref_agent_is_old; then
    TFLAG=
    note "~/.ssh/agent, -T, -U, -u not checked: the reference agent (OpenSSH $(ssh -V 2>&1 | sed 's/,.*//')) predates them"
else
    out=$(HOME=$T/home t "$SKAGENT" -s </dev/null 2>"$T/home.err")
    sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\); export SSH_AUTH_SOCK;$/\1/p')
    pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
    check_match "default socket is ~/.ssh/agent/s.<host hash>.agent.<random>" "$sock" \
        "^$(re "$T/home/.ssh/agent/s.$HOST_HASH.agent.")[a-zA-Z0-9]{10}\$"
    check_eq "~/.ssh and ~/.ssh/agent are 0700, the socket 0600" \
        "$(perm "$T/home/.ssh") $(perm "$T/home/.ssh/agent") $(perm "$sock")" "700 700 600"
    check_rc "default socket answers" 1 env SSH_AUTH_SOCK="$sock" ssh-add -l
    kill -TERM "$pid" 2>/dev/null
    if wait_for 5 is_dead "$pid"; then ok "SIGTERM ends the agent"; else fail "SIGTERM ends the agent"; fi
    if wait_for 5 test ! -e "$sock"; then ok "SIGTERM removes the socket"; else fail "SIGTERM removes the socket" "$sock"; fi
    check_eq "~/.ssh/agent stays (other agents use it)" "$(perm "$T/home/.ssh/agent")" 700

    # Stale sockets: this host's, older than an hour, refusing connections (agents that died).
    # stale NAME AGE-SECONDS: a dead socket in ~/.ssh/agent whose mtime is AGE seconds ago.
    stale() {
        python3 -c 'import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()
t = time.time() - int(sys.argv[2]); os.utime(sys.argv[1], (t, t), follow_symlinks=False)' \
            "$T/home/.ssh/agent/$1" "$2"
    }
    sa=$T/home/.ssh/agent
    stale "s.$HOST_HASH.agent.OLD0000001" 7200
    stale "s.$HOST_HASH.agent.NEW0000001" 60
    stale "s.otherhost1.agent.OLD0000002" 7200
    out=$(HOME=$T/home t "$SKAGENT" -s -U </dev/null 2>/dev/null); pid=$(pid_of "$out")
    [ -n "$pid" ] && kill "$pid"
    if [ -S "$sa/s.$HOST_HASH.agent.OLD0000001" ]; then ok "-U leaves stale sockets"; else fail "-U leaves stale sockets"; fi
    out=$(HOME=$T/home t "$SKAGENT" -s </dev/null 2>/dev/null); pid=$(pid_of "$out")
    [ -n "$pid" ] && kill "$pid"
    if [ ! -e "$sa/s.$HOST_HASH.agent.OLD0000001" ]; then ok "start-up removes this host's stale socket"; else
        fail "start-up removes this host's stale socket"; fi
    if [ -S "$sa/s.$HOST_HASH.agent.NEW0000001" ] && [ -S "$sa/s.otherhost1.agent.OLD0000002" ]; then
        ok "start-up keeps young sockets and other hosts' sockets"; else
        fail "start-up keeps young sockets and other hosts' sockets" "$(ls "$sa" | tr '\n' ' ')"; fi
    stale "s.$HOST_HASH.agent.OLD0000003" 7200
    out=$(HOME=$T/home t "$SKAGENT" -u </dev/null 2>&1); rc=$?
    check_eq "-u output and exit status" "$rc:$out" "0:Deleted stale agent sockets in ~/.ssh/agent"
    if [ ! -e "$sa/s.$HOST_HASH.agent.OLD0000003" ] && [ -S "$sa/s.otherhost1.agent.OLD0000002" ]; then
        ok "-u removes this host's stale sockets only"; else fail "-u removes this host's stale sockets only"; fi
    check_rc "-uu exits 0" 0 env HOME="$T/home" "$SKAGENT" -uu
    if [ ! -e "$sa/s.otherhost1.agent.OLD0000002" ] && [ -S "$sa/s.$HOST_HASH.agent.NEW0000001" ]; then
        ok "-uu removes every host's stale sockets, not young ones"; else fail "-uu removes every host's stale sockets"; fi
    if ps -eo args | grep -q "^$(re "$SKAGENT") -u"; then fail "-u leaves no agent running"; else ok "-u leaves no agent running"; fi
fi

out=$(TMPDIR=/tmp t sh -c 'echo "parent=$$"; exec "$0" -s $1' "$SKAGENT" "$TFLAG" </dev/null 2>/dev/null)
parent=$(printf '%s\n' "$out" | sed -n 's/^parent=//p')
sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\); export SSH_AUTH_SOCK;$/\1/p')
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
check_match "-T socket is /tmp/ssh-*/agent.<parent pid>" "$sock" "^/tmp/ssh-[A-Za-z0-9]{8,}/agent\.$parent\$"
check_eq "-T socket directory is 0700, socket 0600" \
    "$(perm "$(dirname "$sock")") $(perm "$sock")" "700 600"
check_rc "-T socket answers" 1 env SSH_AUTH_SOCK="$sock" ssh-add -l
kill -TERM "$pid" 2>/dev/null
if wait_for 5 is_dead "$pid"; then ok "-T: SIGTERM ends the agent"; else fail "-T: SIGTERM ends the agent"; fi
if wait_for 5 test ! -e "$(dirname "$sock")"; then ok "-T: SIGTERM removes socket and directory"; else
    fail "-T: SIGTERM removes socket and directory" "$(ls -ld "$(dirname "$sock")" "$sock" 2>&1 | tr '\n' ' ')"; fi

# shellcheck disable=SC2086
out=$(TMPDIR=/tmp t "$SKAGENT" -s $TFLAG </dev/null 2>/dev/null)
sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\);.*/\1/p')
pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
SSH_AGENT_PID=$pid t "$SKAGENT" -k >/dev/null 2>&1 </dev/null
if wait_for 5 test ! -e "$(dirname "$sock")"; then ok "-k removes -T socket and directory"; else
    fail "-k removes -T socket and directory" "$sock"; fi

if ! ref_agent_is_old; then
    out=$(TMPDIR=/tmp t "$SKAGENT" -s -T -a "$T/ta.sock" </dev/null 2>/dev/null)
    sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\);.*/\1/p')
    pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
    check_match "-T wins over -a (as OpenSSH 10.5)" "$sock" '^/tmp/ssh-[A-Za-z0-9]{8,}/agent\.[0-9]+$'
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
fi

# ------------------------------------------------------------------ eval lines with odd paths
# SSH_AUTH_SOCK is shell-escaped (OpenSSH 10.3): eval in sh gives back the path, and runs
# nothing ("x$y;z" printed bare, as 10.5 prints it, would run z).
if ref_agent_is_old; then
    note "escaped SSH_AUTH_SOCK not checked: the reference agent predates it"
else
    i=0
    for name in "sp ace" "qu'ote" "dq\"bs\\" "sp a'c" 'x$y;touch RAN' 'b`touch RAN`q' 'ta	b'; do
        i=$((i + 1))
        d=$T/esc$i; mkdir -m 0700 "$d"
        out=$(cd "$d" && t "$SKAGENT" -s -a "$d/$name" </dev/null 2>/dev/null)
        pid=$(pid_of "$out"); [ -n "$pid" ] && bg_pids+=("$pid")
        got=$(cd "$d" && sh -c "{ $out
} >/dev/null"'; printf "%s" "$SSH_AUTH_SOCK"' 2>&1)
        check_eq "eval gives back the socket path [$name]" "$got" "$d/$name"
        if [ ! -e "$d/RAN" ]; then ok "eval runs nothing [$name]"; else fail "eval runs nothing [$name]"; fi
        [ $i = 1 ] && check_eq "a path with a space is printed as OpenSSH 10.5 prints it" \
            "$(printf '%s\n' "$out" | head -n 1)" "SSH_AUTH_SOCK=\"$d/$name\"; export SSH_AUTH_SOCK;"
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
fi

# ------------------------------------------------------------------ -V
out=$(t "$SKAGENT" -V 2>"$T/V.err" </dev/null); rc=$?
check_eq "-V prints nothing on stdout, exits 0" "$rc:$out" "0:"
if ref_agent_is_old; then
    note "-V on stderr not checked: the reference agent predates it"
else
    check_match "-V prints '<version>, <OpenSSL version>' on stderr" "$(cat "$T/V.err")" '^(skagent|OpenSSH)[^,]*, OpenSSL [0-9]'
fi

# ------------------------------------------------------------------ socket activation
# OpenSSH 10.0: only with -d/-D, no -a and no command; LISTEN_FDS other than 1 and a
# LISTEN_PID not ours are fatal; SIGTERM then ends the agent with exit status 0.
# activate SOCK FDS PID-OFFSET ARGS...: SKAGENT ARGS with a listening SOCK as fd 3 and
# LISTEN_FDS=FDS, LISTEN_PID=its own pid + PID-OFFSET, in the background (pid in $act_pid).
activate() {
    local sock=$1 fds=$2 off=$3; shift 3
    python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
if s.fileno() != 3: os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = sys.argv[2]; os.environ["LISTEN_PID"] = str(os.getpid() + int(sys.argv[3]))
os.execv(sys.argv[4], sys.argv[4:])' "$sock" "$fds" "$off" "$@" >"$sock.out" 2>"$sock.err" </dev/null &
    act_pid=$!
}
if ref_agent_is_old; then
    note "socket activation rules not checked: the reference agent predates OpenSSH 10.0's"
else
    d=$T/act; mkdir -m 0700 "$d"
    activate "$d/ok" 1 0 "$SKAGENT" -D
    wait_for 10 test -S "$d/ok"; sleep 0.3
    check_rc "activated -D answers on fd 3" 1 env SSH_AUTH_SOCK="$d/ok" ssh-add -l
    check_eq "activated -D prints no eval lines" "$(cat "$d/ok.out")" ""
    kill -TERM "$act_pid" 2>/dev/null
    wait_for 5 is_dead "$act_pid"
    wait "$act_pid"; rc=$?
    check_eq "activated agent exits 0 on SIGTERM" "$rc" 0
    for fds in 2 0 x; do
        activate "$d/fds$fds" "$fds" 0 "$SKAGENT" -D
        if wait_for 5 is_dead "$act_pid"; then
            wait "$act_pid"; rc=$?
            if [ $rc -ne 0 ]; then ok "LISTEN_FDS=$fds is fatal"; else fail "LISTEN_FDS=$fds is fatal" "exit 0"; fi
        else
            fail "LISTEN_FDS=$fds is fatal" "agent still running"; kill "$act_pid"
        fi
    done
    activate "$d/pid" 1 1 "$SKAGENT" -D
    if wait_for 5 is_dead "$act_pid"; then
        wait "$act_pid"; rc=$?
        if [ $rc -ne 0 ]; then ok "a LISTEN_PID not ours is fatal"; else fail "a LISTEN_PID not ours is fatal"; fi
    else
        fail "a LISTEN_PID not ours is fatal" "agent still running"; kill "$act_pid"
    fi
    # With -a, or without -d/-D, the variables are ignored: the agent binds its own socket.
    activate "$d/a" 1 0 "$SKAGENT" -D -a "$d/own"
    if wait_for 10 test -S "$d/own"; then ok "-D -a ignores socket activation"; else fail "-D -a ignores socket activation"; fi
    kill -TERM "$act_pid" 2>/dev/null; wait "$act_pid"; rc=$?
    check_eq "-D -a agent exits 2 on SIGTERM (not activated)" "$rc" 2
    activate "$d/s" 1 0 /usr/bin/env HOME="$T/home" "$SKAGENT" -s
    wait "$act_pid"
    pid=$(pid_of "$(cat "$d/s.out")"); [ -n "$pid" ] && bg_pids+=("$pid")
    check_match "-s ignores socket activation (binds ~/.ssh/agent)" "$(cat "$d/s.out")" \
        "^SSH_AUTH_SOCK=$(re "$T/home/.ssh/agent/s.$HOST_HASH.agent.")"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
fi

# ------------------------------------------------------------------ query extension
# The reply's bytes, as OpenSSH 10.5's ssh-agent sends them: EXTENSION_RESPONSE (29),
# "query", "session-bind@openssh.com" (and compared with that agent when it is built here).
query_hex() { # query_hex SOCK: the reply to an extension "query", in hex
    python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
body = b"\x1b" + struct.pack(">I", 5) + b"query"
s.sendall(struct.pack(">I", len(body)) + body)
n = struct.unpack(">I", s.recv(4))[0]; d = b""
while len(d) < n: d += s.recv(n - len(d))
print(d.hex())' "$1" 2>&1
}
QUERY_105=$(printf '\x1d\0\0\0\x05query\0\0\0\x18session-bind@openssh.com' | od -An -tx1 | tr -d ' \n')
if ref_agent_is_old; then
    note "query reply not checked: the reference agent (9.2) answers it as 9.2 did"
else
    start_agent || fail "start agent"
    check_eq "query is answered with OpenSSH 10.5's bytes" "$(query_hex "$SSH_AUTH_SOCK")" "$QUERY_105"
    stop_agent
fi
# OpenSSH 10.5: tests/run_all.sh builds it (once per build directory, keyed by its tarball's
# checksum) before the integration suites, so a fresh clone runs the same checks as a warm
# build directory; this suite runs as an unprivileged user and only looks it up.
peer=$(ls -d "$BUILD"/peers/openssh-*/src 2>/dev/null | head -n 1)
if [ -n "$peer" ] && [ -x "$peer/ssh-agent" ] && [ -f "$peer/../.built" ]; then
    d=$T/peer; mkdir -m 0700 "$d"
    "$peer/ssh-agent" -D -a "$d/sock" >/dev/null 2>&1 </dev/null &
    ppid_=$!
    wait_for 10 test -S "$d/sock"
    check_eq "OpenSSH 10.5's own agent answers query with those bytes" "$(query_hex "$d/sock")" "$QUERY_105"
    want=$(SSH_AUTH_SOCK=$d/sock t "$peer/ssh-add" -Q 2>&1; echo "rc=$?")
    kill "$ppid_"; wait "$ppid_" 2>/dev/null
    if ! ref_agent_is_old; then
        start_agent || fail "start agent"
        check_eq "ssh-add -Q of OpenSSH 10.5 prints what it prints for its own agent" \
            "$(t "$peer/ssh-add" -Q 2>&1; echo "rc=$?")" "$want"
        stop_agent
    fi
else
    fail "could not run" "no OpenSSH 10.5 build (tests/openssh/build_latest.sh; see README)"
fi

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
