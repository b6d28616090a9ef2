# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Shared shell helpers for skagent's test suites (sourced by bash scripts; not run on its own).
#
#   SKAGENT       agent under test (default: $BUILD/bin/skagent)
#   BUILD         build directory (default: <repo>/build)
#   SKAGENT_TEST_USER  non-root user the suites switch to when run as root (default: skagent-test)

SKAGENT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$SKAGENT_ROOT/build}
SKAGENT=${SKAGENT:-$BUILD/bin/skagent}
SKAGENT_TEST_USER=${SKAGENT_TEST_USER:-skagent-test}
export BUILD SKAGENT

# A TCP port on 127.0.0.1 that nothing listens on or talks from right now.
free_port() {
    local p hex
    for _ in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        hex=$(printf ':%04X ' "$p")
        if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex"; then
            echo "$p"
            return 0
        fi
    done
    echo "free_port: no free port found" >&2
    return 1
}

# Pids of processes started by a test run: those whose environment holds
# SKAGENT_TEST_TAG=<tag>, or whose command line mentions a path under <dir>/.
# (The patterns are written so that grep's own command line does not match them, and only
# processes still there after the scan are reported: the scan's own pipeline is gone by then.)
tagged_pids() {
    local tag=${1:-} dir=${2:-} found p pat
    found=$(
        if [ -n "$tag" ]; then
            pat=$(printf '%s' "SKAGENT_TEST_TAG=$tag" | sed 's/[.[\*^$]/\\&/g')
            grep -lzx -- "${pat%?}[${pat: -1}]" /proc/[0-9]*/environ 2>/dev/null
        fi
        if [ -n "$dir" ]; then
            pat=$(printf '%s' "${dir%/}" | sed 's/[.[\*^$]/\\&/g')
            grep -lz -- "${pat}[/]" /proc/[0-9]*/cmdline 2>/dev/null
        fi
    )
    for p in $(printf '%s\n' "$found" | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p' | sort -un); do
        [ "$p" = "$$" ] && continue
        [ "$p" = "${BASHPID:-$$}" ] && continue
        [ -d "/proc/$p" ] || continue
        grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && continue
        echo "$p"
    done
}

# Stop (TERM, then KILL) every process tagged_pids finds.
reap_tagged() {
    local tag=$1 dir=$2 pids
    pids=$(tagged_pids "$tag" "$dir")
    [ -z "$pids" ] && return 0
    kill $pids 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(tagged_pids "$tag" "$dir")
        [ -z "$pids" ] && return 0
        sleep 0.2
    done
    kill -9 $pids 2>/dev/null
    return 0
}

# When root: make sure the unprivileged test user exists and may sudo without a password
# (OpenSSH's regress tests agent-getpeereid and agent-ptrace need SUDO=sudo).
ensure_test_user() {
    [ "$(id -u)" = 0 ] || return 0
    if ! id -u "$SKAGENT_TEST_USER" >/dev/null 2>&1; then
        # (another suite running at the same time may win the race: then the user exists)
        useradd --create-home --shell /bin/sh --user-group "$SKAGENT_TEST_USER" 2>/dev/null ||
            id -u "$SKAGENT_TEST_USER" >/dev/null 2>&1 || return 1
    fi
    # sshd refuses accounts that are locked ("!" in shadow) for public-key logins too.
    case $(getent shadow "$SKAGENT_TEST_USER" | cut -d: -f2) in
        '!'*) usermod -p '*' "$SKAGENT_TEST_USER" 2>/dev/null || true ;;
    esac
    local f=/etc/sudoers.d/skagent-test
    local line="$SKAGENT_TEST_USER ALL=(ALL:ALL) NOPASSWD: ALL"
    if [ ! -f "$f" ] || [ "$(cat "$f")" != "$line" ]; then
        # sudo ignores names with a dot, so the temporary file is never read half-written.
        printf '%s\n' "$line" >"$f.tmp.$$" && chmod 0440 "$f.tmp.$$" && mv -f "$f.tmp.$$" "$f" || return 1
    fi
    return 0
}

# sshd (privilege separation) needs /run/sshd (Debian's; OpenSSH built from source without
# --with-privsep-path wants /var/empty); nothing creates it when sshd is not a service.
#   ensure_sshd_dirs [DIR...]      (default /run/sshd)
ensure_sshd_dirs() {
    local d
    for d in "${@:-/run/sshd}"; do
        [ -d "$d" ] && continue
        if [ "$(id -u)" = 0 ]; then
            install -d -m 0755 -o root -g root "$d" || return 1
        else
            sudo -n install -d -m 0755 -o root -g root "$d" || return 1
        fi
    done
}

# Can the test user (or the current user) run sudo without a password?
can_sudo() {
    if [ "$(id -u)" = 0 ]; then
        sudo -n -u "$SKAGENT_TEST_USER" sudo -n true >/dev/null 2>&1
    else
        sudo -n true >/dev/null 2>&1
    fi
}

# Remove /tmp/ssh-* directories owned by USER and newer than MARKER whose sockets are all dead
# (not in /proc/net/unix). sshd leaves these behind for forwarded agents of sessions that were
# killed rather than closed, as OpenSSH's regress tests do.
clean_stale_ssh_dirs() {
    local user=$1 marker=$2 d s live
    for d in /tmp/ssh-*; do
        [ -d "$d" ] && [ ! -L "$d" ] || continue
        [ "$(stat -c %U "$d" 2>/dev/null)" = "$user" ] || continue
        [ "$d" -nt "$marker" ] || continue
        live=0
        for s in "$d"/*; do
            [ -e "$s" ] || continue
            if [ ! -S "$s" ] || grep -qF " $s" /proc/net/unix 2>/dev/null; then live=1; fi
        done
        [ $live = 0 ] && rm -rf "$d"
    done
    # OpenSSH 10.1+ and skagent put default agent sockets (and sshd its forwarded ones) in
    # ~/.ssh/agent: remove the dead ones the run left there.
    local home
    home=$(getent passwd "$user" | cut -d: -f6)
    for s in "$home"/.ssh/agent/s.*; do
        [ -S "$s" ] && [ "$s" -nt "$marker" ] || continue
        grep -qF " $s" /proc/net/unix 2>/dev/null || rm -f "$s"
    done
    return 0
}
