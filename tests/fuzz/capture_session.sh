#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Records real client traffic for the fuzz seeds (run by tests/fuzz/capture_seeds.sh, which
# splits it per harness): ssh-add, ssh-keygen -Y and ssh (agent forwarding through a real
# sshd) talk to skagent through `skagent-adversary record`, which saves each connection's
# client bytes as OUTDIR/NNN.bin. Also copies the key files used, for the file harnesses.
#   capture_session.sh OUTDIR
. "$(dirname "$0")/../integration/lib.sh"
OUT=$1
BIN=$(cd "$(dirname "$SKAGENT")" && pwd)
SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
make_keys || { fail "make keys"; finish; }
K=$T/keys
start_agent -P "$(dirname "$SK_DUMMY")/*" || { fail "start agent"; finish; }
REAL=$SSH_AUTH_SOCK
"$BIN/skagent-adversary" record "$T/proxy.sock" "$REAL" "$OUT/streams" >"$T/record.out" 2>&1 &
REC=$!
wait_for 5 test -S "$T/proxy.sock"
export SSH_AUTH_SOCK=$T/proxy.sock

for kt in $(key_types); do
    t ssh-add "$K/$kt" </dev/null
    t ssh-add -l; t ssh-add -L
    t ssh-add -T "$K/$kt.pub"; t ssh-add -T "$K/$kt-cert.pub"
    t ssh-add -d "$K/$kt" </dev/null
done
t ssh-add -c "$K/ssh-ed25519" </dev/null
t ssh-add -t 600 "$K/ecdsa-sha2-nistp256" </dev/null
echo 'a lock password' >"$ASKPASS_CONTROL"
t ssh-add -x </dev/null; t ssh-add -l; t ssh-add -X </dev/null
echo '!cancel' >"$ASKPASS_CONTROL"
t ssh-add -D
t ssh-add -q "$K/ssh-ed25519" </dev/null
echo hello >"$T/msg"
t ssh-keygen -Y sign -f "$K/ssh-ed25519.pub" -n file "$T/msg" </dev/null
t ssh-keygen -q -t ed25519-sk -w "$SK_DUMMY" -N '' -C sk -f "$T/sk" </dev/null
t ssh-add -S "$SK_DUMMY" "$T/sk" </dev/null && t ssh-add -T "$T/sk.pub"
rm -f "$T/msg.sig"; t ssh-keygen -Y sign -f "$T/sk.pub" -n file "$T/msg" </dev/null

start_sshd || { fail "start sshd"; finish; }
cat "$K/ssh-ed25519.pub" "$K/ecdsa-sha2-nistp256.pub" >>"$SSHD_DIR/authorized_keys"
# Destination-constrained keys (session-bind, then sign with the hop checks) and forwarding.
t ssh-add -D
t ssh-add -H "$T/known_hosts" -h "sut" -h "sut>sut" -h "$ME@sut" "$K/ssh-ed25519" </dev/null
t ssh-add "$K/ecdsa-sha2-nistp256" </dev/null
sshx -A sut "SSH_AUTH_SOCK=\$SSH_AUTH_SOCK ssh-add -l; true" >/dev/null
sshx -o IdentitiesOnly=no sut true
t ssh-add -D

kill "$REC"; wait "$REC"
cp "$K"/* "$T/sk" "$T/sk.pub" "$OUT/" 2>/dev/null
ssh-keygen -q -t ed25519 -N 'a passphrase' -a 4 -C enc -f "$OUT/encrypted_ed25519"
ssh-keygen -q -t ecdsa -Z aes256-gcm@openssh.com -N 'a passphrase' -a 2 -C enc -f "$OUT/encrypted_ecdsa"
check "recorded sessions" test "$(ls "$OUT/streams" | wc -l)" -gt 20
finish
