# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Shared library for skagent's integration tests (source it from a bash test script).
#
#   SKAGENT            agent under test (default $BUILD/bin/skagent); SKAGENT=/usr/bin/ssh-agent
#                      runs the same checks against OpenSSH's agent
#   TEST_TIMEOUT       seconds any single command may take (default 30)
#   KEEP=1             keep the temp dir
#   SKAGENT_TEST_AS_ROOT=1  when root, do not switch to the unprivileged test user
#
# When started as root, a test re-runs itself as the user skagent-test (created on demand,
# password-less sudo), so the agent sees an ordinary user; sshd is then started with sudo.
# Real peers only: /usr/bin/ssh, ssh-add, ssh-keygen, /usr/sbin/sshd.
#
# Each check prints "PASS name" or "FAIL name: why"; finish prints "N passed, N failed" and
# exits non-zero when anything failed or nothing was checked.

set -u
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LIB_DIR/../common.sh"
TEST_NAME=$(basename "$0" .sh)
TEST_TIMEOUT=${TEST_TIMEOUT:-30}
ASKPASS_PROG=$(cd "$LIB_DIR/.." && pwd)/askpass-test.sh

# ---------------------------------------------------------------- switch to the test user
if [ "$(id -u)" = 0 ] && [ -z "${SKAGENT_TEST_AS_ROOT:-}" ]; then
    ensure_test_user || { echo "$TEST_NAME: cannot create user $SKAGENT_TEST_USER" >&2; exit 1; }
    ensure_sshd_dirs
    _script=$(readlink -f "$0")
    _agent=$SKAGENT
    _stage=
    _u=$SKAGENT_TEST_USER
    if ! sudo -n -u "$_u" sh -c 'test -r "$1" && test -r "$2" && test -x "$3" && test -x "$4"' _ \
            "$_script" "$LIB_DIR/lib.sh" "$ASKPASS_PROG" "$SKAGENT" 2>/dev/null; then
        # The checkout or the agent is not reachable by the test user (say, under /root):
        # run from a world-readable copy of tests/ and of the agent with its helpers.
        _stage=$(mktemp -d /tmp/skagent-stage.XXXXXX)
        chmod 0755 "$_stage"
        cp -r "$SKAGENT_ROOT/tests" "$_stage/tests"
        # (and what the unit, rules and man page tests read: systemd/, udev/, man/, agent/)
        for _d in systemd udev man agent; do
            [ -d "$SKAGENT_ROOT/$_d" ] && cp -r "$SKAGENT_ROOT/$_d" "$_stage/$_d"
        done
        mkdir -p "$_stage/bin"
        if [ -e "$SKAGENT" ]; then
            cp "$SKAGENT" "$_stage/bin/"
            for _h in "$(dirname "$SKAGENT")"/skagent-*; do
                [ -f "$_h" ] && [ -x "$_h" ] && cp "$_h" "$_stage/bin/"
            done
            _agent=$_stage/bin/$(basename "$SKAGENT")
        fi
        chmod -R a+rX "$_stage"
        _script=$_stage/tests/integration/$(basename "$_script")
    fi
    _home=$(getent passwd "$_u" | cut -d: -f6)
    sudo -n -u "$_u" -H -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
        HOME="$_home" USER="$_u" LOGNAME="$_u" SHELL=/bin/sh LANG=C.UTF-8 \
        SKAGENT="$_agent" BUILD="$BUILD" TEST_TIMEOUT="$TEST_TIMEOUT" KEEP="${KEEP:-}" \
        SKAGENT_SSHD_SUDO="sudo -n" \
        bash "$_script" "$@" </dev/null
    _rc=$?
    [ -n "$_stage" ] && rm -rf "$_stage"
    exit $_rc
fi

# ---------------------------------------------------------------- state, cleanup
PASSED=0
FAILED=0
T=$(mktemp -d /tmp/skagent-it-"$TEST_NAME".XXXXXX)
chmod 0700 "$T"
touch "$T/.start"
TEST_TAG="it-$TEST_NAME-$$-$RANDOM"
export SKAGENT_TEST_TAG=$TEST_TAG    # every process a test starts carries it; see reap_tagged
ME=$(id -un)
# sshd runs as root (sudo) when it can, so it may log in any user; else as ourselves.
if [ -z "${SKAGENT_SSHD_SUDO+set}" ]; then
    SKAGENT_SSHD_SUDO=
    [ "$(id -u)" = 0 ] || { sudo -n true >/dev/null 2>&1 && SKAGENT_SSHD_SUDO="sudo -n"; }
fi
SSHD_PIDFILE=

lib_cleanup() {
    local rc=$?
    if [ -n "$SSHD_PIDFILE" ] && [ -s "$SSHD_PIDFILE" ]; then
        $SKAGENT_SSHD_SUDO kill "$(cat "$SSHD_PIDFILE")" 2>/dev/null
    fi
    # sshd and its sessions may run as root: no tag, but their command lines name $T.
    local p
    for p in $(tagged_pids "" "$T"); do $SKAGENT_SSHD_SUDO kill "$p" 2>/dev/null; done
    reap_tagged "$TEST_TAG" ""
    clean_stale_ssh_dirs "$ME" "$T/.start"
    if [ -n "${KEEP:-}" ]; then echo "$TEST_NAME: kept $T" >&2; else rm -rf "$T" 2>/dev/null || $SKAGENT_SSHD_SUDO rm -rf "$T"; fi
    return $rc
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# The agent runs SSH_ASKPASS itself for confirmations (ssh-add -c): it inherits these.
export SSH_ASKPASS=$ASKPASS_PROG SSH_ASKPASS_REQUIRE=force DISPLAY=:skagent-test
export ASKPASS_LOG=$T/askpass.log ASKPASS_CONTROL=$T/askpass.control
: >"$ASKPASS_LOG"
echo '!cancel' >"$ASKPASS_CONTROL"
unset SSH_AUTH_SOCK SSH_AGENT_PID
cd "$T" || exit 1

# ---------------------------------------------------------------- results
ok()   { PASSED=$((PASSED + 1)); echo "PASS $TEST_NAME: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $TEST_NAME: $1${2:+: $2}"; }
note() { echo "note $TEST_NAME: $*"; }

# run CMD...: shell functions as they are (they time out inside), programs under `t`.
run() { if declare -F "$1" >/dev/null; then "$@"; else t "$@"; fi; }
# check NAME CMD... : passes when CMD exits 0 (within TEST_TIMEOUT).
check() {
    local name=$1; shift
    local out rc
    out=$(run "$@" 2>&1 </dev/null); rc=$?
    if [ $rc -eq 0 ]; then ok "$name"; else fail "$name" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
    return $rc
}
# check_rc NAME RC CMD... : passes when CMD exits with RC.
check_rc() {
    local name=$1 want=$2; shift 2
    local out rc
    out=$(run "$@" 2>&1 </dev/null); rc=$?
    if [ $rc -eq "$want" ]; then ok "$name"; else fail "$name" "exit $rc, wanted $want: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
    [ $rc -eq "$want" ]
}
# check_eq NAME GOT WANT
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else
        fail "$1" "got [$(printf '%s' "$2" | tr '\n' '|')] wanted [$(printf '%s' "$3" | tr '\n' '|')]"; fi
    [ "$2" = "$3" ]
}
# check_match NAME TEXT ERE : some line of TEXT matches the extended regexp (use `re` to quote).
check_match() {
    if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
        fail "$1" "[$(printf '%s' "$2" | tr '\n' '|')] !~ /$3/"; return 1; fi
}
# check_line NAME TEXT LINE : TEXT has a line equal to LINE.
check_line() {
    if printf '%s\n' "$2" | grep -Fxq -- "$3"; then ok "$1"; else
        fail "$1" "no line [$3] in [$(printf '%s' "$2" | tr '\n' '|')]"; return 1; fi
}
# re STRING : STRING quoted for use in an extended regexp.
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
    exit $?
}

# t CMD... : run CMD with the per-command timeout.
t() { timeout -k 5 "$TEST_TIMEOUT" "$@"; }
# tool NAME: the path of skagent's program NAME beside the agent under test, else in $BUILD/bin.
tool() { local p; p=$(dirname "$SKAGENT")/$1; [ -x "$p" ] || p=$BUILD/bin/$1; printf '%s' "$p"; }

# wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds.
wait_for() {
    local n=$(( $1 * 10 )); shift
    while [ $n -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}
is_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
is_dead() { ! is_alive "${1:-}"; }

# ---------------------------------------------------------------- agent
AGENT_N=0
AGENT_PID=
AGENT_DIR=
# start_agent [ARGS...]: $SKAGENT -D -a $T/agentN/sock ARGS in the background; exports
# SSH_AUTH_SOCK, sets AGENT_PID and AGENT_DIR (stdout/stderr in $AGENT_DIR/out, err).
start_agent() {
    AGENT_N=$((AGENT_N + 1))
    AGENT_DIR=$T/agent$AGENT_N
    mkdir -m 0700 "$AGENT_DIR"
    "$SKAGENT" -D -a "$AGENT_DIR/sock" "$@" >"$AGENT_DIR/out" 2>"$AGENT_DIR/err" </dev/null &
    AGENT_PID=$!
    export SSH_AUTH_SOCK=$AGENT_DIR/sock
    if ! wait_for 10 test -S "$AGENT_DIR/sock"; then
        echo "$TEST_NAME: agent did not create $AGENT_DIR/sock; stderr:" >&2
        sed 's/^/    /' "$AGENT_DIR/err" >&2
        return 1
    fi
}
stop_agent() {
    [ -n "$AGENT_PID" ] || return 0
    kill "$AGENT_PID" 2>/dev/null
    local n=50
    while is_alive "$AGENT_PID" && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    is_alive "$AGENT_PID" && kill -9 "$AGENT_PID" 2>/dev/null
    wait "$AGENT_PID" 2>/dev/null
    AGENT_PID=
    unset SSH_AUTH_SOCK
}

# ---------------------------------------------------------------- keys
# Plain (non-FIDO) user key types this OpenSSH offers, as ssh -Q key-plain names them.
key_types() { ssh -Q key-plain | grep -v '^sk-'; }
# keygen_args TYPE: ssh-keygen -t/-b for a key-plain name.
keygen_args() {
    case $1 in
        ssh-ed25519) echo "-t ed25519" ;;
        ecdsa-sha2-nistp256) echo "-t ecdsa -b 256" ;;
        ecdsa-sha2-nistp384) echo "-t ecdsa -b 384" ;;
        ecdsa-sha2-nistp521) echo "-t ecdsa -b 521" ;;
        ssh-rsa) echo "-t rsa -b 3072" ;;
        ssh-dss) echo "-t dsa" ;;
        ssh-mldsa44-ed25519@openssh.com) echo "-t mldsa44-ed25519" ;;
        *) return 1 ;;
    esac
}
# ssh-add -l's type tag for a key-plain name.
list_tag() {
    case $1 in
        ssh-ed25519) echo ED25519 ;; ecdsa-*) echo ECDSA ;; ssh-rsa) echo RSA ;; ssh-dss) echo DSA ;;
        ssh-mldsa44-ed25519@openssh.com) echo MLDSA44-ED25519 ;;
    esac
}
USER_CA=
# make_keys [DIR]: for every key type TYPE: DIR/TYPE (+ .pub) and DIR/TYPE-cert.pub, signed by
# DIR/user_ca for principal $ME (and "other-principal"). Sets USER_CA. DIR defaults to $T/keys.
make_keys() {
    local d=${1:-$T/keys} kt
    mkdir -p "$d"
    USER_CA=$d/user_ca
    [ -f "$USER_CA" ] || t ssh-keygen -q -t ed25519 -N '' -C user_ca -f "$USER_CA" || return 1
    for kt in $(key_types); do
        [ -f "$d/$kt" ] && continue
        # shellcheck disable=SC2046
        t ssh-keygen -q $(keygen_args "$kt") -N '' -C "key-$kt" -f "$d/$kt" || return 1
        t ssh-keygen -q -s "$USER_CA" -I "cert-$kt" -n "$ME,other-principal" -V -5m:+1h \
            "$d/$kt.pub" || return 1
    done
}
fingerprint() { ssh-keygen -lf "$1" | awk '{print $2}'; }

# preload_asan_for LIB: when LIB is a sanitizer build (make SANITIZE=1), OpenSSH's programs that
# load it (ssh-keygen -w, ssh-add -S, and the ssh-sk-helper they start) need the ASan runtime
# preloaded, and their own allocations are not ours to check for leaks.
preload_asan_for() {
    local asan
    asan=$(ldd "$1" 2>/dev/null | awk '/libasan/ { print $3 }')
    [ -n "$asan" ] && export LD_PRELOAD=$asan ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    return 0
}

# ---------------------------------------------------------------- sshd
SSHD_DIR=
SSHD_PORT=
SSH_CONFIG=
# start_sshd [EXTRA sshd_config LINES...]: a throwaway sshd on 127.0.0.1:<free port> with its
# own host keys; authorized keys in $SSHD_DIR/authorized_keys, user CA keys trusted from
# $SSHD_DIR/user_ca.pub; client config $SSH_CONFIG with host alias "sut" (known host key).
start_sshd() {
    SSHD_DIR=$T/sshd
    mkdir -p "$SSHD_DIR"
    chmod 0755 "$SSHD_DIR"
    local k
    for k in ed25519 ecdsa rsa; do
        [ -f "$SSHD_DIR/host_$k" ] || t ssh-keygen -q -t $k -N '' -C "host-$k" -f "$SSHD_DIR/host_$k" || return 1
    done
    touch "$SSHD_DIR/authorized_keys" "$SSHD_DIR/user_ca.pub"
    chmod 0644 "$SSHD_DIR/authorized_keys" "$SSHD_DIR/user_ca.pub"
    SSHD_PIDFILE=$SSHD_DIR/sshd.pid
    local try line
    for try in 1 2 3 4 5; do
        SSHD_PORT=$(free_port) || return 1
        {
            echo "Port $SSHD_PORT"
            echo "ListenAddress 127.0.0.1"
            echo "AddressFamily inet"
            for k in ed25519 ecdsa rsa; do echo "HostKey $SSHD_DIR/host_$k"; done
            echo "PidFile $SSHD_PIDFILE"
            echo "AuthorizedKeysFile $SSHD_DIR/authorized_keys"
            echo "TrustedUserCAKeys $SSHD_DIR/user_ca.pub"
            echo "StrictModes no"
            echo "UsePAM no"
            echo "PasswordAuthentication no"
            echo "KbdInteractiveAuthentication no"
            echo "PubkeyAuthentication yes"
            echo "PubkeyAcceptedAlgorithms +ssh-dss,ssh-dss-cert-v01@openssh.com"
            echo "PermitRootLogin prohibit-password"
            echo "AllowUsers $ME"
            echo "AllowAgentForwarding yes"
            echo "X11Forwarding no"
            echo "PrintMotd no"
            echo "PrintLastLog no"
            echo "PermitUserEnvironment no"
            echo "LogLevel DEBUG2"
            echo "Subsystem sftp /usr/lib/openssh/sftp-server"
            for line in "$@"; do echo "$line"; done
        } >"$SSHD_DIR/sshd_config"
        rm -f "$SSHD_PIDFILE"
        : >"$SSHD_DIR/sshd.log"    # ours, so we can read it even when sshd runs as root
        t $SKAGENT_SSHD_SUDO /usr/sbin/sshd -t -f "$SSHD_DIR/sshd_config" || return 1
        t $SKAGENT_SSHD_SUDO /usr/sbin/sshd -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/sshd.log" || return 1
        if wait_for 10 test -s "$SSHD_PIDFILE" && wait_for 5 port_listening "$SSHD_PORT"; then
            break
        fi
        [ $try -eq 5 ] && { echo "$TEST_NAME: sshd did not start:" >&2; tail -n 20 "$SSHD_DIR/sshd.log" >&2; return 1; }
    done
    SSH_CONFIG=$T/ssh_config
    {
        for k in ed25519 ecdsa rsa; do printf 'sut %s\n' "$(cat "$SSHD_DIR/host_$k.pub")"; done
    } >"$T/known_hosts"
    cat >"$SSH_CONFIG" <<EOF
Host *
$(ssh_client_options)
    Port $SSHD_PORT
    HostKeyAlias sut
    PubkeyAcceptedAlgorithms +ssh-dss,ssh-dss-cert-v01@openssh.com
    ConnectTimeout 10
    ServerAliveInterval 5
    LogLevel ERROR
EOF
}
# ssh_client_options: the lines of a "Host" block that every suite's ssh_config has: sshd on
# 127.0.0.1 as this user, host keys from $T/known_hosts only and strictly, no prompts, and no
# identity file of ssh's own (keys come from the agent under test).
ssh_client_options() {
    cat <<EOF
    HostName 127.0.0.1
    User $ME
    UserKnownHostsFile $T/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    UpdateHostKeys no
    BatchMode yes
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    IdentityFile $T/no-such-identity
EOF
}
port_listening() { # state 0A = LISTEN on 127.0.0.1:port
    grep -qi "0100007F:$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp
}
# Make sshd see new authorized_keys / user_ca.pub contents: it reads them per connection.
authorize_key() { cat "$1" >>"$SSHD_DIR/authorized_keys"; }
trust_user_ca() { cat "$1" >>"$SSHD_DIR/user_ca.pub"; }
# sshx ARGS...: ssh through $SSH_CONFIG to "sut" (no stdin, timeout).
sshx() { t ssh -F "$SSH_CONFIG" -n "$@" </dev/null; }

# ---------------------------------------------------------------- nothing to test without an agent
if [ ! -x "$SKAGENT" ]; then
    fail "agent under test" "$SKAGENT is missing or not executable (make, or set SKAGENT)"
    finish
fi
