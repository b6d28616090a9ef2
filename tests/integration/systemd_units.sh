#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The systemd user units in systemd/: `systemd-analyze verify` prints nothing for them (and does
# print something for a broken copy), the sandboxing directives the README promises are there,
# `systemd-analyze security --offline` keeps the exposure score at or under 1.5, and the agent
# started through socket activation (`systemd-socket-activate`, as skagent.socket would start
# it) serves ssh-add: list, add, list, sign. PID 1 is not systemd on the test machines, so only
# systemd's offline tools run here.
. "$(dirname "$0")/lib.sh"
UNITS=$SKAGENT_ROOT/systemd
MAX_EXPOSURE=${MAX_EXPOSURE:-1.5}

have() { command -v "$1" >/dev/null; }
for tool in systemd-analyze systemd-socket-activate; do
    check "$tool is installed (Debian package systemd; tests/deps.sh)" have "$tool"
done
check "systemd/skagent.socket exists" test -f "$UNITS/skagent.socket"
check "systemd/skagent.service.in exists" test -f "$UNITS/skagent.service.in"

# ------------------------------------------------------------------ verify
# The service as `make install` writes it, pointing at the agent under test; the man page the
# units name (Documentation=man:skagent(1)) in a private MANPATH, so verify checks it too.
U=$T/units
mkdir -p "$U" "$T/run" "$T/manpath/man1"
chmod 0700 "$T/run"
cp "$UNITS/skagent.socket" "$U/"
sed "s|@bindir@|$(dirname "$SKAGENT")|g" "$UNITS/skagent.service.in" >"$U/skagent.service"
cp "$SKAGENT_ROOT/man/skagent.1" "$T/manpath/man1/" 2>/dev/null
check_eq "service has no @placeholder@ left" "$(grep -c '@[a-z]*@' "$U/skagent.service")" 0

verify() { # verify DIR: systemd-analyze verify's output and exit status, for user units
    (cd "$1" && XDG_RUNTIME_DIR=$T/run MANPATH=$T/manpath \
        t systemd-analyze verify --user --man=yes skagent.socket skagent.service 2>&1; echo "rc=$?")
}
check_eq "systemd-analyze verify --user: no output, exit 0" "$(verify "$U")" "rc=0"
out=$(cd "$U" && t systemd-analyze verify --man=no skagent.socket skagent.service 2>&1; echo "rc=$?")
check_eq "systemd-analyze verify (system manager): no output, exit 0" "$out" "rc=0"

# The check above can fail: a misspelt key and a bad address family are reported.
mkdir -p "$T/broken"
cp "$U/skagent.socket" "$T/broken/"
sed -e 's/^ProtectSystem=/ProtectSytem=/' -e 's/^RestrictAddressFamilies=AF_UNIX$/RestrictAddressFamilies=AF_UNIX AF_BOGUS/' \
    "$U/skagent.service" >"$T/broken/skagent.service"
out=$(verify "$T/broken")
check_match "verify reports a misspelt key in a broken copy" "$out" "Unknown key .?ProtectSytem"
check_match "verify reports a bad address family in a broken copy" "$out" "AF_BOGUS"

# ------------------------------------------------------------------ what the units promise
has_line() { grep -Fxq -- "$2" "$1"; }
for line in 'ListenStream=%t/skagent/agent.sock' 'SocketMode=0600' 'DirectoryMode=0700' \
            'WantedBy=sockets.target'; do
    check "skagent.socket: $line" has_line "$U/skagent.socket" "$line"
done
for line in "ExecStart=$(dirname "$SKAGENT")/skagent -D" NoNewPrivileges=yes ProtectSystem=strict \
            ProtectHome=read-only PrivateTmp=yes MemoryDenyWriteExecute=yes LockPersonality=yes \
            RestrictAddressFamilies=AF_UNIX IPAddressDeny=any SystemCallFilter=@system-service \
            RestrictNamespaces=yes RestrictRealtime=yes ProtectKernelTunables=yes \
            ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes \
            DevicePolicy=closed 'DeviceAllow=char-hidraw rw' CapabilityBoundingSet= ; do
    check "skagent.service: $line" has_line "$U/skagent.service" "$line"
done
check_rc "skagent.service: no PrivateDevices= (it would hide /dev/hidraw*)" 1 grep -q '^PrivateDevices=' "$U/skagent.service"

# ------------------------------------------------------------------ exposure score
out=$(cd "$U" && XDG_RUNTIME_DIR=$T/run t systemd-analyze security --offline=true --user skagent.service 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for skagent.service: \([0-9.]*\) .*/\1/p')
note "systemd-analyze security --offline=true --user: exposure ${score:-?}"
check_match "security --offline prints an overall exposure level" "$score" '^[0-9]+\.[0-9]$'
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
    ok "exposure $score <= $MAX_EXPOSURE"
else
    fail "exposure ${score:-?} <= $MAX_EXPOSURE" "$(printf '%s\n' "$out" | grep '✗' | tr -s ' ' | head -n 20 | tr '\n' '|')"
fi

# ------------------------------------------------------------------ socket activation
make_keys || { fail "make keys"; finish; }
SA=$T/sa
mkdir -m 0700 "$SA"
systemd-socket-activate -l "$SA/agent.sock" "$SKAGENT" -D >"$SA/out" 2>"$SA/err" </dev/null &
SA_PID=$!
if wait_for 10 test -S "$SA/agent.sock"; then ok "systemd-socket-activate listens on $SA/agent.sock"; else
    fail "systemd-socket-activate listens" "$(tr '\n' '|' <"$SA/err")"; fi
export SSH_AUTH_SOCK=$SA/agent.sock
KEY=$T/keys/ssh-ed25519
out=$(t ssh-add -l 2>&1); rc=$?
check_eq "first connection starts the agent; ssh-add -l: no identities (exit 1)" "$rc:$out" "1:The agent has no identities."
check_match "the agent runs in place of the activator (same pid, exec)" "$(tr '\0' ' ' <"/proc/$SA_PID/cmdline" 2>/dev/null)" "^$(re "$SKAGENT") -D "
check "ssh-add adds a key" ssh-add -q "$KEY"
check_match "ssh-add -l lists it" "$(t ssh-add -l 2>&1)" "^256 $(re "$(fingerprint "$KEY.pub")") key-ssh-ed25519 \(ED25519\)\$"
check "ssh-add -T signs with it" ssh-add -T "$KEY.pub"
check "a second client connects to the same agent" env SSH_AUTH_SOCK="$SA/agent.sock" ssh-add -L
# skagent -D prints "SSH_AUTH_SOCK=...; export SSH_AUTH_SOCK;" for a socket of its own; it
# prints nothing when it serves the descriptor systemd handed it.
check_eq "the agent served fd 3 (no socket of its own: no eval line printed)" "$(cat "$SA/out")" ""
kill "$SA_PID" 2>/dev/null
if wait_for 5 is_dead "$SA_PID"; then ok "SIGTERM ends the socket-activated agent"; else
    fail "SIGTERM ends the socket-activated agent"; kill -9 "$SA_PID" 2>/dev/null; fi
wait "$SA_PID" 2>/dev/null
check "the agent leaves systemd's socket file to systemd" test -S "$SA/agent.sock"
unset SSH_AUTH_SOCK

finish
