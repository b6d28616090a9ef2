#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# OpenSSH's own regress tests for ssh-agent, run against $SKAGENT.
#
#   SKAGENT=/usr/bin/ssh-agent tests/openssh/run.sh            # all of them (Debian's 9.2)
#   tests/openssh/run.sh agent sshsig                            # some of them
#   tests/openssh/run.sh --latest                                # OpenSSH 10.5's suite
#
# Two flavours, one runner:
#   (default)  Debian's OpenSSH 9.2: the regress suite of openssh-tests with /usr/bin/ssh etc.
#   --latest   the newest OpenSSH (10.5), built once into $BUILD/peers by build_latest.sh from
#              ../shared/peers or $OPENSSH_LATEST_SRC: its regress suite with its own ssh, sshd,
#              ssh-add, ssh-keygen, sftp-server, ssh-sk-helper and ssh-pkcs11-helper. When the
#              tarball is missing or the build fails, every test counts as a failure.
# Environment: SKAGENT (agent under test, default $BUILD/bin/skagent), REGRESS_DIR (default
# /usr/lib/openssh/regress, from Debian's openssh-tests; with --latest, the built peer's),
# REGRESS_TIMEOUT (seconds per test, default 300, 200 with --latest), REGRESS_JOBS (tests run
# at once, default 4), KEEP=1 keeps the scratch directories.
# Prints one "PASS name" / "FAIL name" per test and a last line "N passed, N failed".
set -u
. "$(dirname "$0")/../common.sh"

FLAVOUR=debian
if [ "${1:-}" = --latest ]; then FLAVOUR=latest; shift; fi
REGRESS_JOBS=${REGRESS_JOBS:-4}
if [ $FLAVOUR = latest ]; then
    SUITE=openssh-latest
    # 13 tests, 4 at a time on 2 cores, must end within run_all.sh's 900 s per suite.
    REGRESS_TIMEOUT=${REGRESS_TIMEOUT:-200}
    DEFAULT_TESTS=(agent-restrict hostkey-agent sshsig agent agent-pkcs11 agent-pkcs11-cert
                   agent-pkcs11-restrict cert-file pubkey-priority agent-timeout agent-getpeereid
                   agent-ptrace agent-subprocess)
else
    SUITE=openssh
    REGRESS_DIR=${REGRESS_DIR:-/usr/lib/openssh/regress}
    REGRESS_TIMEOUT=${REGRESS_TIMEOUT:-300}
    DEFAULT_TESTS=(agent agent-timeout agent-subprocess agent-restrict agent-pkcs11 cert-file sshsig
                   agent-getpeereid agent-ptrace)
fi
if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=("${DEFAULT_TESTS[@]}"); fi

passed=0
failed=0
result() { # result PASS|FAIL name [why]
    if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    echo "$1 $SUITE/$2${3:+ ($3)}"
}

cannot_run() { # cannot_run why: every test fails, said plainly
    echo "$SUITE: COULD NOT RUN: $1" >&2
    for t in "${TESTS[@]}"; do result FAIL "$t" "could not run: $1"; done
    echo "$passed passed, $failed failed"
    exit 1
}

# The peer's programs (TEST_SSH_* of test-exec.sh) and where the regress suite lives. With
# --latest the peer's directory also comes first in PATH: hostkey-agent.sh runs a bare `ssh -Q`,
# which must be 10.5's, not Debian's 9.2 (the tests name the agent by $SSHAGENT, never by PATH).
if [ $FLAVOUR = latest ]; then
    build_err=$(mktemp /tmp/skagent-regress-build.XXXXXX)
    PEER=$("$(dirname "$0")/build_latest.sh" 2>"$build_err")
    rc=$?
    if [ $rc -ne 0 ] || [ ! -x "$PEER/ssh" ]; then
        sed 's/^/    /' "$build_err" >&2
        rm -f "$build_err"
        if [ $rc -eq 2 ]; then
            cannot_run "no OpenSSH 10.5 source tarball (see README: OPENSSH_LATEST_SRC)"
        fi
        cannot_run "building OpenSSH 10.5 failed (exit $rc)"
    fi
    cat "$build_err" >&2
    rm -f "$build_err"
    REGRESS_DIR=${REGRESS_DIR:-$PEER/regress}
else
    PEER=
fi
PEER_PROGRAMS=(ssh sshd sshd-session sshd-auth ssh-add ssh-keygen ssh-keyscan sftp scp sftp-server
               ssh-sk-helper ssh-pkcs11-helper)
set_peer_env() { # PEER_ENV: BUILDDIR and the TEST_SSH_* variables of the flavour
    if [ $FLAVOUR = latest ]; then
        local p=$PEER
        PEER_ENV=(BUILDDIR="$p" TEST_SSH_SSH="$p/ssh" TEST_SSH_SSHD="$p/sshd"
            TEST_SSH_SSHD_SESSION="$p/sshd-session" TEST_SSH_SSHD_AUTH="$p/sshd-auth"
            TEST_SSH_SSHADD="$p/ssh-add" TEST_SSH_SSHKEYGEN="$p/ssh-keygen"
            TEST_SSH_SSHKEYSCAN="$p/ssh-keyscan" TEST_SSH_SFTP="$p/sftp" TEST_SSH_SCP="$p/scp"
            TEST_SSH_SFTPSERVER="$p/sftp-server" TEST_SSH_SK_HELPER="$p/ssh-sk-helper"
            TEST_SSH_PKCS11_HELPER="$p/ssh-pkcs11-helper"
            TEST_SSH_OPENSSL="$(command -v openssl || echo /usr/bin/openssl)")
    else
        PEER_ENV=(BUILDDIR="$REGRESS_DIR"
            TEST_SSH_SSH=/usr/bin/ssh TEST_SSH_SSHD=/usr/sbin/sshd TEST_SSH_SSHADD=/usr/bin/ssh-add
            TEST_SSH_SSHKEYGEN=/usr/bin/ssh-keygen TEST_SSH_SSHKEYSCAN=/usr/bin/ssh-keyscan
            TEST_SSH_SFTP=/usr/bin/sftp TEST_SSH_SCP=/usr/bin/scp
            TEST_SSH_SFTPSERVER=/usr/lib/openssh/sftp-server)
    fi
}

if [ ! -f "$REGRESS_DIR/test-exec.sh" ]; then
    [ $FLAVOUR = latest ] && cannot_run "$REGRESS_DIR/test-exec.sh missing"
    cannot_run "$REGRESS_DIR/test-exec.sh missing (install openssh-tests)"
fi
if [ ! -x "$SKAGENT" ]; then
    cannot_run "agent under test $SKAGENT is not executable"
fi
SKAGENT=$(readlink -f "$SKAGENT")

# As root, the tests run as an unprivileged user with password-less sudo; otherwise as the
# current user, with SUDO=sudo only if sudo works without a password.
if [ "$(id -u)" = 0 ]; then
    ensure_test_user || { echo "openssh: cannot create test user $SKAGENT_TEST_USER" >&2; exit 1; }
    RUN_USER=$SKAGENT_TEST_USER
else
    RUN_USER=$(id -un)
fi
RUN_HOME=$(getent passwd "$RUN_USER" | cut -d: -f6)
SUDO_CMD=
can_sudo && SUDO_CMD=sudo
PRIVSEP_DIRS=(/run/sshd)
[ $FLAVOUR = latest ] && PRIVSEP_DIRS+=(/var/empty)  # the peer's sshd was built with the default
ensure_sshd_dirs "${PRIVSEP_DIRS[@]}" ||
    echo "$SUITE: warning: ${PRIVSEP_DIRS[*]} missing and cannot be created" >&2

WORK=$(mktemp -d /tmp/skagent-regress.XXXXXX)
chmod 0755 "$WORK"
[ "$(id -u)" = 0 ] && chown "$RUN_USER:" "$WORK"
TAG="regress-$$-$RANDOM"
touch "$WORK/.start"
cleanup() {
    local t
    [ "$(type -t home_keys_remove)" = function ] && home_keys_remove
    for t in "${TESTS[@]}"; do reap_tagged "$TAG-$t" ""; done
    reap_tagged "$TAG" "$WORK"
    clean_stale_ssh_dirs "$RUN_USER" "$WORK/.start"
    if [ -n "${KEEP:-}" ]; then echo "openssh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The agent binaries as the test user can reach them. agent-ptrace chowns and chmods the
# binary it tests, so it always gets a private copy (with any skagent-* helpers beside it).
copy_agent() { # copy_agent dest-dir
    mkdir -p "$1"
    cp "$SKAGENT" "$1/"
    local h
    for h in "$(dirname "$SKAGENT")"/skagent-*; do
        [ -f "$h" ] && [ -x "$h" ] && cp "$h" "$1/"
    done
    chmod -R a+rX "$1"
    echo "$1/$(basename "$SKAGENT")"
}

run_as() { # run_as dir cmd... : run as RUN_USER with a clean environment, cwd dir
    local dir=$1; shift
    local envs=(HOME="$RUN_HOME" USER="$RUN_USER" LOGNAME="$RUN_USER" SHELL=/bin/sh LANG=C.UTF-8
                SKAGENT_TEST_TAG="${TAGT:-$TAG}")
    if [ "$(id -u)" = 0 ]; then
        (cd "$dir" && exec sudo -n -u "$RUN_USER" -H -- env -i "${envs[@]}" "$@")
    else
        (cd "$dir" && exec env -i "${envs[@]}" "$@")
    fi
}

# The peer as the test user can reach it: else a copy of its programs and regress suite.
if [ $FLAVOUR = latest ] &&
        ! run_as "$WORK" sh -c 'test -r "$1/test-exec.sh" && test -x "$2/ssh"' _ "$REGRESS_DIR" "$PEER" 2>/dev/null; then
    mkdir -p "$WORK/peer"
    for f in "${PEER_PROGRAMS[@]}" config.h; do cp "$PEER/$f" "$WORK/peer/" || cannot_run "cannot copy $PEER/$f"; done
    cp -r "$REGRESS_DIR" "$WORK/peer/regress" || cannot_run "cannot copy $REGRESS_DIR"
    chmod -R a+rX "$WORK/peer"
    PEER=$WORK/peer
    REGRESS_DIR=$PEER/regress
fi
set_peer_env

AGENT=$SKAGENT
if ! run_as "$WORK" test -x "$SKAGENT" 2>/dev/null; then
    AGENT=$(copy_agent "$WORK/bin")
fi

# agent-subprocess.sh passes even when the agent never runs the command (no pid file, nothing
# to wait for), so it only counts when the agent runs a command with SSH_AGENT_PID set and a
# socket that answers (ssh-add -l exits 1 for an empty agent).
SUBPROCESS_OK=0
run_as "$WORK" timeout -k 5 30 "$AGENT" /bin/sh -c \
    '/usr/bin/ssh-add -l >/dev/null 2>&1; echo "pid=$SSH_AGENT_PID rc=$?" >subprocess.check' \
    </dev/null >/dev/null 2>&1
if grep -Eqx 'pid=[0-9]+ rc=1' "$WORK/subprocess.check" 2>/dev/null; then
    SUBPROCESS_OK=1
fi

run_one() { # run_one test : runs one regress test, leaves $WORK/$t.res (status line) and .out (details)
    local t=$1 script=$REGRESS_DIR/$1.sh OBJ=$WORK/${1//hostkey/hk} agent port start rc secs why log f
    local res=$WORK/$t.res out=$WORK/$t.out
    : >"$out"
    if [ ! -f "$script" ]; then echo "FAIL|no $script" >"$res"; return; fi
    mkdir -p "$OBJ"
    # test-exec.sh and the tests use these helpers from $OBJ.
    for f in netcat mkdtemp modpipe setuid-allowed check-perm timestamp; do
        [ -x "$REGRESS_DIR/$f" ] && cp "$REGRESS_DIR/$f" "$OBJ/"
    done
    agent=$AGENT
    [ "$t" = agent-ptrace ] && agent=$(copy_agent "$OBJ/bin")
    [ "$(id -u)" = 0 ] && chown -R "$RUN_USER:" "$OBJ"
    port=$(free_port)
    start=$(date +%s)
    run_as "$OBJ" timeout -s INT -k 20 "$REGRESS_TIMEOUT" \
        env PATH="$REGRESS_DIR:${PEER:+$PEER:}/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" \
        OBJ="$OBJ" TEST_SHELL=/bin/sh TEST_SSH_UNSAFE_PERMISSIONS=1 \
        TEST_SSH_PORT="$port" SUDO="$SUDO_CMD" \
        TEST_SSH_SSHAGENT="$agent" "${PEER_ENV[@]}" \
        sh "$REGRESS_DIR/test-exec.sh" "$OBJ" "$script" >"$OBJ/output.txt" 2>&1 </dev/null
    rc=$?
    secs=$(( $(date +%s) - start ))
    reap_tagged "$TAG-$t" "$OBJ"
    # test-exec.sh exits 0 for a test that only printed "skipped": that proves nothing.
    why=
    if [ $rc -ne 0 ]; then
        why="exit $rc"
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then why="timeout after ${REGRESS_TIMEOUT}s"; fi
    elif grep -qi 'skipped' "$OBJ/output.txt"; then
        why="skipped: $(grep -i -m1 skipped "$OBJ/output.txt")"
    elif ! grep -q '^ok ' "$OBJ/output.txt"; then
        why="no ok line"
    elif [ "$t" = agent-subprocess ] && [ "$SUBPROCESS_OK" != 1 ]; then
        why="agent did not run a command with SSH_AGENT_PID and a working socket"
    fi
    if [ -z "$why" ]; then
        echo "PASS|${secs}s" >"$res"
        return
    fi
    echo "FAIL|$why, ${secs}s" >"$res"
    {
        echo "---- output of $t:"
        tail -n 30 "$OBJ/output.txt" | sed 's/^/    /'
        for log in failed-regress.log regress.log; do
            if [ -s "$OBJ/$log" ]; then
                echo "---- tail of $t/$log:"
                tail -n 40 "$OBJ/$log" | sed 's/^/    /'
                break
            fi
        done
        echo "----"
    } >"$out"
}

# The tests are independent (own directory, own port), so a few run at once.
# 10.5's pubkey-priority.sh expects the user's own ~/.ssh (ssh finds it through the password
# database, not $HOME) to hold id_rsa, id_ecdsa, id_ecdsa_sk and id_ed25519 and no id_ed25519_sk
# or id_mldsa44_ed25519, as on the machines upstream runs it (OpenSSH 10.5's own agent fails it
# without them too). It runs alone, after the others, with those four made for it and removed
# afterwards; ones that were already there are left alone.
SOLO_TESTS=(pubkey-priority)
HOME_KEYS=()
home_keys_make() {
    local t f sk=$REGRESS_DIR/misc/sk-dummy/sk-dummy.so
    for t in rsa ecdsa ecdsa_sk ed25519; do
        f=$RUN_HOME/.ssh/id_$t
        [ -e "$f" ] && continue
        run_as "$WORK" sh -c 'mkdir -p -m 0700 "$HOME/.ssh"' || return 1
        run_as "$WORK" env SSH_SK_HELPER="$PEER/ssh-sk-helper" \
            "$PEER/ssh-keygen" -q -N '' -t "${t/_sk/-sk}" -w "$sk" -C "regress-$TAG" -f "$f" \
            </dev/null >/dev/null 2>&1 || { echo "$SUITE: cannot make $f" >&2; return 1; }
        HOME_KEYS+=("$f" "$f.pub")
    done
}
home_keys_remove() {
    [ ${#HOME_KEYS[@]} -gt 0 ] && rm -f "${HOME_KEYS[@]}"
    HOME_KEYS=()
}

running=0
solo=()
for t in "${TESTS[@]}"; do
    if [ $FLAVOUR = latest ] && [[ " ${SOLO_TESTS[*]} " == *" $t "* ]]; then solo+=("$t"); continue; fi
    TAGT="$TAG-$t" run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$REGRESS_JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait
for t in "${solo[@]}"; do
    if home_keys_make; then TAGT="$TAG-$t" run_one "$t"; else echo "FAIL|cannot make the keys in ~/.ssh it expects" >"$WORK/$t.res"; fi
    home_keys_remove
done

for t in "${TESTS[@]}"; do
    if [ -f "$WORK/$t.res" ]; then
        IFS='|' read -r st detail <"$WORK/$t.res"
    else
        st=FAIL detail="runner crashed"
    fi
    result "$st" "$t" "$detail"
    [ -s "$WORK/$t.out" ] && cat "$WORK/$t.out"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
