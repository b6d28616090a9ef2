#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The hostile side of tests/integration/hostile_server.sh (standard library only).

  hostile_remote.py agent ACTION...   speak to $SSH_AUTH_SOCK, one connection, one reply per
                                      action, printed as its message type (5 failure, 6
                                      success, 12 identities, 14 signature):
      bind-garbage                    a session-bind whose body is not one
      sign-userauth:KEY.pub:USER      a user-auth request to sign (USER may hold \\uXXXX escapes)
      sign-data:KEY.pub               arbitrary bytes to sign
      sign-sshsig:KEY.pub             an SSHSIG blob (namespace git) to sign
  hostile_remote.py pad-cert-r IN OUT N
                                      copy an ECDSA-signed certificate (.pub line), with N more
                                      leading zero bytes in the r of its CA signature: the
                                      signed bytes do not change, and OpenSSH accepts it
"""
import base64
import codecs
import os
import socket
import struct
import sys


def string(b):
    return struct.pack(">I", len(b)) + b


def read_string(buf, pos):
    (n,) = struct.unpack(">I", buf[pos:pos + 4])
    if pos + 4 + n > len(buf):
        raise ValueError("string past the end")
    return buf[pos + 4:pos + 4 + n], pos + 4 + n


def pub_blob(path):
    with open(path) as f:
        return base64.b64decode(f.read().split()[1])


def userauth(blob, user):
    alg, _ = read_string(blob, 0)
    return (string(os.urandom(32)) + b"\x32" + string(user) + string(b"ssh-connection") +
            string(b"publickey") + b"\x01" + string(alg) + string(blob))


def sshsig():
    return b"SSHSIG" + string(b"git") + string(b"") + string(b"sha512") + string(b"\x07" * 64)


def request(action):
    kind, _, rest = action.partition(":")
    if kind == "bind-garbage":
        return b"\x1b" + string(b"session-bind@openssh.com") + b"garbage"
    if kind == "list":
        return b"\x0b"
    if kind == "sign-userauth":
        path, _, user = rest.partition(":")
        user = codecs.decode(user, "unicode_escape").encode("utf-8", "surrogatepass")
        blob = pub_blob(path)
        return b"\x0d" + string(blob) + string(userauth(blob, user)) + struct.pack(">I", 0)
    if kind in ("sign-data", "sign-sshsig"):
        blob = pub_blob(rest)
        data = sshsig() if kind == "sign-sshsig" else b"arbitrary bytes from a hostile server"
        return b"\x0d" + string(blob) + string(data) + struct.pack(">I", 0)
    raise SystemExit("unknown action " + action)


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise SystemExit("agent closed the connection")
        out += chunk
    return out


def agent(actions):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(os.environ["SSH_AUTH_SOCK"])
    for a in actions:
        body = request(a)
        s.sendall(struct.pack(">I", len(body)) + body)
        (n,) = struct.unpack(">I", recv_exact(s, 4))
        reply = recv_exact(s, n)
        print(reply[0])
    s.close()


def pad_cert_r(src, dst, extra):
    with open(src) as f:
        fields = f.read().split()
    blob = base64.b64decode(fields[1])
    # Walk an ECDSA certificate to its signature: type, nonce, curve, Q, serial, cert type,
    # key id, principals, valid after/before, critical options, extensions, reserved, CA key.
    pos = 0
    for _ in range(4):
        _, pos = read_string(blob, pos)
    pos += 8 + 4
    _, pos = read_string(blob, pos)
    _, pos = read_string(blob, pos)
    pos += 16
    for _ in range(4):
        _, pos = read_string(blob, pos)
    signed = blob[:pos]
    sig, end = read_string(blob, pos)
    if end != len(blob):
        raise SystemExit("trailing bytes after the signature")
    alg, p = read_string(sig, 0)
    inner, _ = read_string(sig, p)
    r, q = read_string(inner, 0)
    s, _ = read_string(inner, q)
    new_inner = string(b"\x00" * extra + r) + string(s)
    new_blob = signed + string(string(alg) + string(new_inner))
    fields[1] = base64.b64encode(new_blob).decode()
    with open(dst, "w") as f:
        f.write(" ".join(fields) + "\n")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "agent":
        agent(sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "pad-cert-r":
        pad_cert_r(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
