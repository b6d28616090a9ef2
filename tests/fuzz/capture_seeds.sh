#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Regenerates the fuzz seed corpora in tests/fuzz/corpus/ from real traffic and real files:
# tests/fuzz/capture_session.sh records what ssh-add, ssh-keygen -Y and ssh send to skagent;
# this script splits it per harness (whole sessions for agent_dispatch; key blobs, private key
# bodies, session-bind bodies, constraint lists, data to sign, key lines and files for the
# others). Needs the agent built: BUILD=build tests/fuzz/capture_seeds.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/skagent-seeds.XXXXXX)
chmod 0777 "$out"
trap 'rm -rf "$out"' EXIT
bash "$HERE/capture_session.sh" "$out"
python3 - "$out" "$HERE/corpus" <<'PY'
import base64, hashlib, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]

def save(harness, data):
    d = os.path.join(dst, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def string(b, i):
    n = struct.unpack(">I", b[i:i + 4])[0]
    return b[i + 4:i + 4 + n], i + 4 + n

for name in sorted(os.listdir(os.path.join(src, "streams"))):
    stream = open(os.path.join(src, "streams", name), "rb").read()
    save("agent_dispatch", stream)
    i = 0
    while i + 4 <= len(stream):
        msg, i = string(stream, i)
        if not msg:
            continue
        t, body = msg[0], msg[1:]
        try:
            if t in (17, 25):
                save("private_key", body)
                key = b"restrict-destination-v00@openssh.com"
                j = body.find(struct.pack(">I", len(key)) + key)
                if j > 0:
                    save("destination_constraints", body[j - 1:])
                    lst, _ = string(body, j + 4 + len(key))
                    save("destination_constraints", lst)
            elif t == 13:
                blob, k = string(body, 0)
                data, _ = string(body, k)
                save("public_key", blob)
                save("userauth_sshsig", data)
            elif t == 27:
                ext, k = string(body, 0)
                if ext == b"session-bind@openssh.com":
                    save("session_bind", body[k:])
                    hostkey, _ = string(body, k)
                    save("public_key", hostkey)
        except Exception:
            pass

for f in sorted(os.listdir(src)):
    p = os.path.join(src, f)
    if not os.path.isfile(p):
        continue
    data = open(p, "rb").read()
    if data.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"):
        save("private_key_file", data)
        b64 = b"".join(data.split(b"\n")[1:-2])
        save("base64", data.split(b"-----")[4] if data.count(b"-----") >= 4 else b64)
    elif f.endswith(".pub"):
        line = data.strip()
        save("public_key_line", line)
        parts = line.split()
        if len(parts) >= 2:
            save("base64", parts[1])
            save("public_key", base64.b64decode(parts[1]))

# sk-helper protocol: a request and both kinds of reply, as the agent and helper write them.
def sstr(b):
    return struct.pack(">I", len(b)) + b
save("sk_helper_protocol", b"\x01" + struct.pack(">I", 1) + sstr(b"data to sign") + sstr(b"ssh:") +
     sstr(b"key-handle") + b"\x01" + sstr(b""))
save("sk_helper_protocol", b"\x00" + sstr(b"r" * 64) + sstr(b"") + b"\x01" + struct.pack(">I", 42))
save("sk_helper_protocol", b"\x01" + struct.pack(">I", 3) + sstr(b"provider: security key not found"))
PY
for d in "$HERE"/corpus/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
