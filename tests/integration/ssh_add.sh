#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ssh-add against the agent: every plain key type and its certificate (add, -l, -L, -T, -d, -D),
# adding from stdin, lock/unlock (-x/-X) through SSH_ASKPASS, lifetimes (-t), confirmation (-c,
# where the agent itself runs SSH_ASKPASS), and destination constraints (-h) with a real sshd.
. "$(dirname "$0")/lib.sh"
make_keys || { fail "make keys"; finish; }
K=$T/keys
start_agent || { fail "start agent"; finish; }

# ------------------------------------------------------------------ every key type + certificate
for kt in $(key_types); do
    tag=$(list_tag "$kt")
    fp=$(fingerprint "$K/$kt.pub")
    out=$(t ssh-add "$K/$kt" 2>&1 </dev/null); rc=$?
    check_eq "$kt: ssh-add key+cert exit status" "$rc" 0
    check_line "$kt: ssh-add reports the key" "$out" "Identity added: $K/$kt (key-$kt)"
    check_line "$kt: ssh-add reports the certificate" "$out" "Certificate added: $K/$kt-cert.pub (cert-$kt)"
    list=$(t ssh-add -l 2>&1)
    check_match "$kt: -l shows the key" "$list" "^[0-9]+ $(re "$fp") key-$kt \($tag\)\$"
    check_match "$kt: -l shows the certificate" "$list" "^[0-9]+ $(re "$fp") key-$kt \($tag-CERT\)\$"
    listL=$(t ssh-add -L 2>&1)
    check_line "$kt: -L shows the public key" "$listL" "$(cut -d' ' -f1,2 "$K/$kt.pub") key-$kt"
    check_line "$kt: -L shows the certificate" "$listL" "$(cut -d' ' -f1,2 "$K/$kt-cert.pub") key-$kt"
    check "$kt: -T signs with the key" ssh-add -T "$K/$kt.pub"
    check "$kt: -T signs with the certificate" ssh-add -T "$K/$kt-cert.pub"
    out=$(t ssh-add -d "$K/$kt" 2>&1 </dev/null); rc=$?
    check_eq "$kt: -d exit status" "$rc" 0
    check_match "$kt: -d removes the key" "$out" "^Identity removed: $(re "$K/$kt") "
    check_match "$kt: -d removes the certificate" "$out" "^Identity removed: $(re "$K/$kt-cert.pub") "
    check_rc "$kt: agent empty after -d" 1 ssh-add -l
    check_rc "$kt: -d of a key not held fails" 1 ssh-add -d "$K/$kt"
    check_rc "$kt: -T of a key not held fails" 1 ssh-add -T "$K/$kt.pub"
done

# ------------------------------------------------------------------ all at once, -D
n=0
for kt in $(key_types); do t ssh-add -q "$K/$kt" </dev/null && n=$((n + 2)); done
check_eq "all keys and certificates listed" "$(t ssh-add -l | wc -l)" "$n"
check_eq "-L lists the same number" "$(t ssh-add -L | wc -l)" "$n"
out=$(t ssh-add -D 2>&1); rc=$?
check_eq "-D exit status" "$rc" 0
check_eq "-D output" "$out" "All identities removed."
out=$(t ssh-add -l 2>&1); rc=$?
check_eq "-l on an empty agent exits 1" "$rc" 1
check_eq "-l on an empty agent says so" "$out" "The agent has no identities."
check_rc "-L on an empty agent exits 1" 1 ssh-add -L
check "-D on an empty agent succeeds" ssh-add -D

out=$(t ssh-add - <"$K/ssh-ed25519" 2>&1); rc=$?
check_eq "key from stdin: exit status" "$rc" 0
check_match "key from stdin: listed" "$(t ssh-add -l)" "$(re "$(fingerprint "$K/ssh-ed25519.pub")") .*\(ED25519\)\$"
t ssh-add -qD

# A key file with the wrong permissions or garbage is refused by ssh-add; the agent stays fine.
head -c 300 /dev/urandom >"$T/garbage"; chmod 600 "$T/garbage"
check_rc "garbage key file is refused" 1 ssh-add "$T/garbage"
check_rc "agent still answers" 1 ssh-add -l

# ------------------------------------------------------------------ lock / unlock
KEY=$K/ssh-ed25519
t ssh-add -q "$KEY" </dev/null
: >"$ASKPASS_LOG"
echo 'lock-secret-1' >"$ASKPASS_CONTROL"
out=$(t ssh-add -x 2>&1 </dev/null); rc=$?
check_eq "-x exit status" "$rc" 0
check_eq "-x output" "$out" "Agent locked."
check_eq "-x asked for the password twice" "$(cut -d'|' -f2 "$ASKPASS_LOG")" "Enter lock password: 
Again: "
out=$(t ssh-add -l 2>&1); rc=$?
check_eq "locked: -l exits 1" "$rc" 1
check_eq "locked: -l shows nothing" "$out" "The agent has no identities."
check_rc "locked: -L exits 1" 1 ssh-add -L
check_rc "locked: -T fails" 1 ssh-add -T "$KEY.pub"
check_rc "locked: adding a key fails" 1 ssh-add "$K/ssh-rsa"
check_rc "locked: -x again fails" 1 ssh-add -x
echo 'wrong-secret' >"$ASKPASS_CONTROL"
out=$(t ssh-add -X 2>&1 </dev/null); rc=$?
check_eq "-X with a wrong password exits 1" "$rc" 1
check_match "-X with a wrong password says so" "$out" "Failed to unlock agent"
check_rc "still locked after a wrong password" 1 ssh-add -l
echo 'lock-secret-1' >"$ASKPASS_CONTROL"
out=$(t ssh-add -X 2>&1 </dev/null); rc=$?
check_eq "-X with the right password exits 0" "$rc" 0
check_eq "-X output" "$out" "Agent unlocked."
check_match "unlocked: key back" "$(t ssh-add -l 2>&1)" "key-ssh-ed25519 \(ED25519\)"
check "unlocked: -T works" ssh-add -T "$KEY.pub"
check_rc "-X when not locked fails" 1 ssh-add -X
echo '' >"$ASKPASS_CONTROL"
check_rc "-x with an empty password is refused" 1 ssh-add -x
check "not locked after the empty password" ssh-add -T "$KEY.pub"
t ssh-add -qD

# ------------------------------------------------------------------ -t lifetime
check "-t 2: added" ssh-add -t 2 "$KEY"
check_rc "-t 2: listed" 0 ssh-add -l
check "-t 2: usable" ssh-add -T "$KEY.pub"
sleep 3.5
check_rc "-t 2: gone after 3.5 s" 1 ssh-add -l
check_rc "-t 2: no longer usable" 1 ssh-add -T "$KEY.pub"

# ------------------------------------------------------------------ -c confirmation
: >"$ASKPASS_LOG"
out=$(t ssh-add -c "$KEY" 2>&1 </dev/null); rc=$?
check_eq "-c: added" "$rc" 0
check_match "-c: ssh-add says confirmation is required" "$out" "The user must confirm each use of the key"
check_match "-c: listing needs no confirmation" "$(t ssh-add -l 2>&1)" "key-ssh-ed25519 \(ED25519\)"
check_eq "-c: adding and listing asked nobody" "$(cat "$ASKPASS_LOG")" ""
echo yes >"$ASKPASS_CONTROL"
check "-c: askpass says yes -> signature" ssh-add -T "$KEY.pub"
fp=$(fingerprint "$KEY.pub")
check_match "-c: the agent ran SSH_ASKPASS with SSH_ASKPASS_PROMPT=confirm naming the key" \
    "$(cat "$ASKPASS_LOG")" "^confirm\|.*$(re "$fp")"
: >"$ASKPASS_LOG"
echo no >"$ASKPASS_CONTROL"
check_rc "-c: askpass says no -> refused" 1 ssh-add -T "$KEY.pub"
check_eq "-c: asked once for the refused use" "$(grep -c '^confirm|' "$ASKPASS_LOG")" 1
echo '!cancel' >"$ASKPASS_CONTROL"
check_rc "-c: askpass cancelled (exit 1) -> refused" 1 ssh-add -T "$KEY.pub"
: >"$ASKPASS_LOG"
t ssh-add -qD
check "unconfirmed key: no prompt" ssh-add -q "$KEY"
check "unconfirmed key: signs" ssh-add -T "$KEY.pub"
check_eq "unconfirmed key: askpass not run" "$(cat "$ASKPASS_LOG")" ""
t ssh-add -qD

# ------------------------------------------------------------------ -h destination constraints
start_sshd || { fail "start sshd"; finish; }
authorize_key "$KEY.pub"
# another host, with its own host key, for constraints that must not match "sut"
t ssh-keygen -q -t ed25519 -N '' -C other-host -f "$T/other_host_key"
{ cat "$T/known_hosts"; printf 'otherhost %s\n' "$(cat "$T/other_host_key.pub")"; } >"$T/known_hosts_all"

check "no key: login refused (sanity)" sh -c "! ssh -F '$SSH_CONFIG' -n sut true </dev/null"
check "-h sut: added" ssh-add -q -H "$T/known_hosts_all" -h sut "$KEY"
check_match "-h sut: listed" "$(t ssh-add -l 2>&1)" "key-ssh-ed25519"
check "-h sut: login to sut works" sshx sut true
check_rc "-h sut: unbound use (ssh-add -T) refused" 1 ssh-add -T "$KEY.pub"
t ssh-add -qD
check "-h otherhost: added" ssh-add -q -H "$T/known_hosts_all" -h otherhost "$KEY"
check_rc "-h otherhost: login to sut refused" 255 sshx sut true
t ssh-add -qD
check "-h $ME@sut: added" ssh-add -q -H "$T/known_hosts_all" -h "$ME@sut" "$KEY"
check "-h $ME@sut: login as $ME works" sshx sut true
t ssh-add -qD
check "-h nobody@sut: added" ssh-add -q -H "$T/known_hosts_all" -h "nobody@sut" "$KEY"
check_rc "-h nobody@sut: login as $ME refused" 255 sshx sut true
t ssh-add -qD
check_rc "-h with an unknown host fails in ssh-add" 255 ssh-add -H "$T/known_hosts_all" -h no-such-host "$KEY"
check "plain key after constraints: login works" sh -c "ssh-add -q '$KEY' && ssh -F '$SSH_CONFIG' -n sut true </dev/null"

finish
