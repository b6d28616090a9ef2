#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Yubico's python-fido2 as an independent peer of skagent-keygen's token commands.

It reaches the first PC/SC reader whose name contains $TOKEN_PEER_READER (pcscd follows
$PCSCLITE_CSOCK_NAME) with fido2.pcsc.CtapPcscDevice and prints, or changes, what the token
holds, in a form the shell suite compares with skagent-keygen's output:

  state [PIN]                 pin_set, pin_retries, min_pin_length, remaining (getInfo), then
                              with a PIN one "cred" line per resident credential:
                              cred RP_ID USER CREDPROTECT SHA256:fingerprint (sorted)
  make-resident PIN RP USER ALG CREDPROTECT
                              a resident credential (ALG es256 or eddsa), made as OpenSSH's
                              ssh-keygen -O resident -O user=USER would (user id = USER padded
                              with zeros to 32 bytes)
  change-pin OLD NEW          clientPIN changePIN
  set-pin NEW                 clientPIN setPIN

The fingerprint is computed here from the COSE public key the token reports, as OpenSSH
would for the sk-ssh-ed25519@openssh.com / sk-ecdsa-sha2-nistp256@openssh.com key, so a
match with skagent's list is a match of two independent implementations.
"""
import base64
import hashlib
import os
import struct
import sys

from fido2.ctap import CtapError
from fido2.ctap2 import ClientPin, CredentialManagement, Ctap2
from fido2.pcsc import CtapPcscDevice


def device():
    name = os.environ.get("TOKEN_PEER_READER", "")
    for dev in CtapPcscDevice.list_devices(name):
        return Ctap2(dev)
    sys.exit("token_peer: no FIDO card in a PC/SC reader named like %r" % name)


def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def ssh_fingerprint(cose, rp_id):
    alg = cose[3]
    if alg == -8:  # EdDSA
        blob = ssh_string(b"sk-ssh-ed25519@openssh.com") + ssh_string(cose[-2])
    elif alg == -7:  # ES256
        point = b"\x04" + cose[-2] + cose[-3]
        blob = (ssh_string(b"sk-ecdsa-sha2-nistp256@openssh.com") + ssh_string(b"nistp256")
                + ssh_string(point))
    else:
        return "alg%d" % alg
    blob += ssh_string(rp_id.encode())
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def user_text(user_id):
    u = user_id.rstrip(b"\0")
    if all(0x20 <= c < 0x7F for c in u):
        return '"%s"' % u.decode()
    return "\"0x%s\"" % u.hex()


def state(ctap, pin):
    info = ctap.get_info()
    pin_set = bool(info.options.get("clientPin"))
    print("pin_set=%d" % pin_set)
    if pin_set:
        print("pin_retries=%d" % ClientPin(ctap).get_pin_retries()[0])
    print("min_pin_length=%d" % info.min_pin_length)
    print("remaining=%s" % info.remaining_disc_creds)
    if pin is None:
        return
    client = ClientPin(ctap)
    token = client.get_pin_token(pin, ClientPin.PERMISSION.CREDENTIAL_MGMT)
    cm = CredentialManagement(ctap, client.protocol, token)
    meta = cm.get_metadata()
    print("existing=%d" % meta[CredentialManagement.RESULT.EXISTING_CRED_COUNT])
    lines = []
    try:
        rps = cm.enumerate_rps()
    except CtapError as e:
        if e.code != CtapError.ERR.NO_CREDENTIALS:
            raise
        rps = []
    for rp in rps:
        rp_id = rp[CredentialManagement.RESULT.RP]["id"]
        for cred in cm.enumerate_creds(rp[CredentialManagement.RESULT.RP_ID_HASH]):
            user = cred[CredentialManagement.RESULT.USER]
            lines.append("cred %s %s %d %s" % (
                rp_id, user_text(user["id"]), cred.get(CredentialManagement.RESULT.CRED_PROTECT, 0),
                ssh_fingerprint(cred[CredentialManagement.RESULT.PUBLIC_KEY], rp_id)))
    for line in sorted(lines):
        print(line)


def make_resident(ctap, pin, rp_id, user, alg, cred_protect):
    client = ClientPin(ctap)
    token = client.get_pin_token(pin, ClientPin.PERMISSION.MAKE_CREDENTIAL, rp_id)
    cdh = hashlib.sha256(b"token_peer " + rp_id.encode()).digest()
    user_id = user.encode().ljust(32, b"\0")
    cose_alg = {"es256": -7, "eddsa": -8}[alg]
    att = ctap.make_credential(
        cdh, {"id": rp_id}, {"id": user_id, "name": user or "openssh", "displayName": "openssh"},
        [{"type": "public-key", "alg": cose_alg}],
        extensions={"credProtect": int(cred_protect)}, options={"rk": True},
        pin_uv_param=client.protocol.authenticate(token, cdh), pin_uv_protocol=client.protocol.VERSION)
    cose = att.auth_data.credential_data.public_key
    print("made %s %s %s" % (rp_id, user_text(user_id), ssh_fingerprint(cose, rp_id)))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    ctap = device()
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "state":
            state(ctap, args[0] if args else None)
        elif cmd == "make-resident":
            make_resident(ctap, *args)
        elif cmd == "change-pin":
            ClientPin(ctap).change_pin(args[0], args[1])
            print("pin changed")
        elif cmd == "set-pin":
            ClientPin(ctap).set_pin(args[0])
            print("pin set")
        else:
            sys.exit("token_peer: unknown command " + cmd)
    except CtapError as e:
        print("ctap error %s" % e.code.name)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
