# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# The Debian 12 packages skagent needs: the one list to edit when a build or a test needs more.
# Sourced by dev.sh; `install_deps build test` installs what is missing.

# To build: compiler, OpenSSL 3, GoogleTest, libfido2 (+ libcbor), pcsc-lite, the PKCS#11 header
# (p11-kit's pkcs11.h), libseccomp (the agent's and helpers' system-call filters).
BUILD_DEPS=(g++ make pkg-config libssl-dev libgtest-dev libfido2-dev libcbor-dev libpcsclite-dev libp11-kit-dev
            libseccomp-dev)

# To test against real peers: ssh, ssh-add, ssh-keygen, sshd (with sftp-server), OpenSSH's
# regress suite (openssh-tests), sudo (the regress tests switch users), procps, gdb
# (regress test agent-ptrace attaches with it), passwd (useradd for the test user), SoftHSM2
# tokens for the PKCS#11 tests (softhsm2: softhsm2-util and the module; opensc: pkcs11-tool;
# openssl and perl: OpenSSH's agent-pkcs11 regress test), and for the virtual FIDO2 token over
# PC/SC: pcscd, vsmartcard-vpcd (the vpcd reader driver), systemd (systemd-socket-activate gives
# a test's pcscd a private socket).
TEST_DEPS=(openssh-client openssh-server openssh-sftp-server openssh-tests sudo procps gdb passwd
           softhsm2 opensc openssl perl pcscd vsmartcard-vpcd systemd
           clang libclang-rt-14-dev    # make fuzz: libFuzzer harnesses built with clang
           nlohmann-json3-dev          # make fuzz: audit_json parses the audit log's JSON back
           clang-format-14             # integration/format.sh: sources follow .clang-format
           # install/unit/rules/man/Windows tests: udevadm (udev), mandoc -Tlint, man (man-db),
           # unshare (util-linux); the Windows transport: mingw-w64 cross compiler, Wine
           udev mandoc man-db util-linux g++-mingw-w64-x86-64-posix wine wine64
           # prompts.sh: a private D-Bus session bus (dbus-daemon), gdbus (libglib2.0-bin; the
           # agent also uses it at run time for touch notifications) and the recording
           # notification service (python3-dbus, python3-gi)
           dbus-daemon libglib2.0-bin python3-dbus python3-gi
           # prompt_screens.sh: an X server, screenshots, OCR, synthetic key presses, the real
           # askpass programs and a notification daemon (dunst); x11-ssh-askpass's 20 px font
           xvfb imagemagick tesseract-ocr tesseract-ocr-eng xdotool xfonts-base dunst
           ssh-askpass ssh-askpass-gnome ksshaskpass lxqt-openssh-askpass ssh-askpass-fullscreen
           # debian_package.sh: dpkg-buildpackage (dpkg-dev, debhelper, fakeroot) and lintian
           dpkg-dev debhelper fakeroot lintian
           # OpenSSH 10.5 built from ../shared/peers for the openssh-latest suite and the
           # differential tests (tests/openssh/build_latest.sh)
           autoconf automake zlib1g-dev
           # mldsa.sh: ML-DSA signing under memcheck (valgrind, with <valgrind/memcheck.h>)
           valgrind
           # token_peer.sh: Yubico's python-fido2 and pyscard, an independent CTAP2 client that
           # reaches skagent-vtoken through pcscd+vpcd
           python3-fido2 python3-pyscard)

# deps_for KIND...: the package list for build and/or test.
deps_for() {
    local k
    for k in "$@"; do
        case $k in
            build) printf '%s\n' "${BUILD_DEPS[@]}" ;;
            test) printf '%s\n' "${TEST_DEPS[@]}" ;;
            *) echo "deps_for: unknown kind $k" >&2; return 1 ;;
        esac
    done
}

# missing_deps PKG...: those not installed (dpkg-query), one per line.
missing_deps() {
    local p
    for p in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
            echo "$p"
        fi
    done
}

# install_deps KIND...: install the missing packages (root), or say how (not root: exit 1).
install_deps() {
    local pkgs missing
    mapfile -t pkgs < <(deps_for "$@") || return 1
    mapfile -t missing < <(missing_deps "${pkgs[@]}")
    [ ${#missing[@]} -eq 0 ] && return 0
    local cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then
        echo "Missing packages: ${missing[*]}" >&2
        echo "Install them as root with:" >&2
        echo "    $cmd" >&2
        return 1
    fi
    echo "Installing: ${missing[*]}"
    # Package scripts must not start services (say, a system sshd on port 22) on this machine.
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
    if [ $rc -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    fi
    [ -n "$made_policy" ] && rm -f "$policy"
    if [ $rc -ne 0 ]; then
        echo "install_deps: apt-get failed ($rc): $cmd" >&2
        return $rc
    fi
    mapfile -t missing < <(missing_deps "${pkgs[@]}")
    if [ ${#missing[@]} -ne 0 ]; then
        echo "install_deps: still missing after apt-get: ${missing[*]}" >&2
        return 1
    fi
}
