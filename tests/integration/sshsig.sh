#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SSHSIG signatures made through the agent: `ssh-keygen -Y sign -f key.pub` with the private key
# only in the agent, for every plain key type and its certificate, verified with
# `ssh-keygen -Y verify` against allowed_signers (plain key and cert-authority lines).
. "$(dirname "$0")/lib.sh"
make_keys || { fail "make keys"; finish; }
K=$T/keys
start_agent || { fail "start agent"; finish; }

head -c 5000 /dev/urandom >"$T/data"
printf 'other data\n' >"$T/other"
printf '%s cert-authority %s\n' "other-principal" "$(cat "$USER_CA.pub")" >"$T/allowed_ca"

for kt in $(key_types); do
    check "$kt: added" ssh-add -q "$K/$kt"
    # From here on the private key exists only inside the agent.
    mv "$K/$kt" "$K/$kt.private"
    printf '%s %s\n' "signer-$kt" "$(cat "$K/$kt.pub")" >"$T/allowed_$kt"
    fp=$(fingerprint "$K/$kt.pub")

    rm -f "$T/data.sig"
    check "$kt: -Y sign -f key.pub signs through the agent" \
        ssh-keygen -q -Y sign -f "$K/$kt.pub" -n file "$T/data"
    out=$(t ssh-keygen -Y verify -f "$T/allowed_$kt" -I "signer-$kt" -n file -s "$T/data.sig" <"$T/data" 2>&1); rc=$?
    check_eq "$kt: signature verifies" "$rc" 0
    check_match "$kt: verify names the key" "$out" "^Good \"file\" signature for signer-$kt with .* key $(re "$fp")\$"
    check_rc "$kt: other data does not verify" 255 sh -c \
        "ssh-keygen -Y verify -f '$T/allowed_$kt' -I 'signer-$kt' -n file -s '$T/data.sig' <'$T/other'"
    check_rc "$kt: another namespace does not verify" 255 sh -c \
        "ssh-keygen -Y verify -f '$T/allowed_$kt' -I 'signer-$kt' -n email -s '$T/data.sig' <'$T/data'"
    check "$kt: check-novalidate accepts it" sh -c \
        "ssh-keygen -Y check-novalidate -n file -s '$T/data.sig' <'$T/data'"
    check_line "$kt: find-principals finds the signer" \
        "$(t ssh-keygen -Y find-principals -f "$T/allowed_$kt" -s "$T/data.sig" 2>&1)" "signer-$kt"

    # Signed with the certificate: verifies through the CA.
    rm -f "$T/data.sig"
    check "$kt: -Y sign -f key-cert.pub signs through the agent" \
        ssh-keygen -q -Y sign -f "$K/$kt-cert.pub" -n file "$T/data"
    check "$kt: certificate signature verifies via cert-authority" sh -c \
        "ssh-keygen -Y verify -f '$T/allowed_ca' -I other-principal -n file -s '$T/data.sig' <'$T/data'"

    # Not in the agent any more: signing must fail.
    t ssh-add -qd "$K/$kt.pub" </dev/null
    rm -f "$T/data.sig"
    check_rc "$kt: removed from the agent -> sign fails" 255 \
        ssh-keygen -q -Y sign -f "$K/$kt.pub" -n file "$T/data"
    mv "$K/$kt.private" "$K/$kt"
done

# Several files in one call, and stdin.
t ssh-add -q "$K/ssh-ed25519" </dev/null
cp "$T/data" "$T/d1"; cp "$T/other" "$T/d2"
check "two files in one -Y sign" ssh-keygen -q -Y sign -f "$K/ssh-ed25519.pub" -n git "$T/d1" "$T/d2"
check "both verify" sh -c "ssh-keygen -Y verify -f '$T/allowed_ssh-ed25519' -I signer-ssh-ed25519 -n git -s '$T/d1.sig' <'$T/d1' &&
    ssh-keygen -Y verify -f '$T/allowed_ssh-ed25519' -I signer-ssh-ed25519 -n git -s '$T/d2.sig' <'$T/d2'"
check "signing stdin" sh -c "ssh-keygen -q -Y sign -f '$K/ssh-ed25519.pub' -n file <'$T/data' >'$T/stdin.sig'"
check "stdin signature verifies" sh -c \
    "ssh-keygen -Y verify -f '$T/allowed_ssh-ed25519' -I signer-ssh-ed25519 -n file -s '$T/stdin.sig' <'$T/data'"

finish
