#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# udev/70-skagent-fido.rules: udev's own parser reads it without a complaint, a strict lint of
# every line's key/operator/value grammar (udev(7)) passes, and the policy holds (uaccess only:
# no group or world access; vendor lines name their products; the vendors the README lists).
# Both checkers are shown to catch broken lines.
#
# The parser: Debian 12 has udev 252, whose `udevadm verify` does not exist yet (253+). Its
# `udevadm test` parses every rules file in the standard directories and reports each bad line
# as FILE:LINE; the file is put into /run/udev/rules.d on an empty /run inside a private mount
# namespace (`unshare -rm`, no root needed), so the machine's udev configuration is never touched.
. "$(dirname "$0")/lib.sh"
RULES=$SKAGENT_ROOT/udev/70-skagent-fido.rules

have() { command -v "$1" >/dev/null; }
check "udevadm is installed (Debian package udev; tests/deps.sh)" have udevadm
check "unshare is installed" have unshare
check "udev/70-skagent-fido.rules exists" test -f "$RULES"

# udev_parse FILE: udevadm's messages about FILE (installed under its own name).
udev_parse() {
    local name
    name=$(basename "$1")
    t unshare -rm sh -c '
        mount -t tmpfs tmpfs /run && mkdir -p /run/udev/rules.d || exit 97
        cp "$1" /run/udev/rules.d/ || exit 98
        udevadm test --action=add /class/mem/null 2>&1' _ "$1" | grep -F "/run/udev/rules.d/$name"
}

# ------------------------------------------------------------------ udev's own parser
out=$(udev_parse "$RULES")
check_line "udevadm test reads the file" "$out" "Reading rules file: /run/udev/rules.d/70-skagent-fido.rules"
check_eq "udevadm test reports nothing else about it" "$(printf '%s\n' "$out" | grep -v '^Reading rules file: ')" ""

# with_broken_line PREFIX CASE: the next case ($n counts them): $f, a copy of the rules file
# named PREFIX$n.rules, with the line of CASE ("LINE|WHAT IS WRONG") added at its end; sets $line
# and $want (what is wrong) too.
with_broken_line() {
    n=$((n + 1))
    line=${2%|*} want=${2##*|}
    f=$T/$1$n.rules
    { cat "$RULES"; echo "$line"; } >"$f"
}

# The parser catches broken lines: each one alone in a copy of the file.
broken_lines=(
    'KERNEL=="hidraw*", SUBSYSTEM="hidraw", TAG+="uaccess"|Invalid operator for SUBSYSTEM'
    'ATTRS{idVendor}=="1050, TAG+="uaccess"|Invalid key/value pair'
    'ATRS{idVendor}=="1050", TAG+="uaccess"|Invalid key'
    'ATTRS{idVendor}=="1050", TAG+=uaccess|Invalid key/value pair'
    'ENV{ID_FIDO_TOKEN}=="1", GOTO="skagent_nowhere"|has no matching label'
)
n=0
for case in "${broken_lines[@]}"; do
    with_broken_line 70-broken "$case"
    lineno=$(wc -l <"$f")
    check_match "udevadm test catches broken line $n ($want)" "$(udev_parse "$f")" \
        "70-broken$n\.rules:$lineno:? .*$(re "$want")"
done

# ------------------------------------------------------------------ strict grammar lint
# udev(7): a rule is comma-separated KEY[{ATTR}] OP "VALUE" pairs. udev 252 tolerates some
# slips (a missing comma between pairs, a trailing comma) that newer udev warns about; this
# lint refuses them, and knows which operators each key takes.
lint_rules() { # lint_rules FILE: prints "LINE: why" for each bad line; exit 1 if any
    awk '
    function fail(why) { printf "%d: %s\n", NR, why; bad = 1 }
    BEGIN {
        # operators per key: m = match (== !=), a = assign (= += -= :=)
        split("ACTION SUBSYSTEM SUBSYSTEMS KERNEL KERNELS DRIVER DRIVERS DEVPATH RESULT", mk, " ")
        for (i in mk) ops[mk[i]] = "m"
        ops["ATTRS"] = "m"; ops["ATTR"] = "ma"; ops["ENV"] = "ma"; ops["TAG"] = "ma"
        ops["MODE"] = "a"; ops["GROUP"] = "a"; ops["OWNER"] = "a"; ops["GOTO"] = "a"; ops["LABEL"] = "a"
        ops["RUN"] = "a"; ops["IMPORT"] = "a"; ops["OPTIONS"] = "a"; ops["SYMLINK"] = "ma"; ops["NAME"] = "ma"
        braces["ATTRS"] = braces["ATTR"] = braces["ENV"] = braces["RUN"] = braces["IMPORT"] = 1
    }
    /^[ \t]*(#|$)/ { next }
    /\\$/ { fail("line continuation not allowed here"); next }
    {
        s = $0; sub(/^[ \t]+/, "", s); pairs = 0
        while (s != "") {
            if (!match(s, /^[A-Z_]+/)) { fail("expected a KEY at \"" s "\""); next }
            key = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
            attr = ""
            if (match(s, /^\{[A-Za-z0-9_.:\/*?-]+\}/)) { attr = substr(s, 2, RLENGTH - 2); s = substr(s, RLENGTH + 1) }
            if (!(key in ops)) { fail("unknown key " key); next }
            if ((key in braces) != (attr != "")) { fail(key (attr != "" ? " takes no {attribute}" : " needs a {attribute}")); next }
            sub(/^[ \t]*/, "", s)
            if (!match(s, /^(==|!=|\+=|-=|:=|=)/)) { fail("expected an operator after " key); next }
            op = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
            kind = (op == "==" || op == "!=") ? "m" : "a"
            if (index(ops[key], kind) == 0) { fail("operator " op " not allowed for " key); next }
            if ((key == "GOTO" || key == "LABEL") && op != "=") { fail(key " takes only ="); next }
            sub(/^[ \t]*/, "", s)
            if (!match(s, /^"[^"]*"/)) { fail("value of " key " must be one double-quoted string"); next }
            val = substr(s, 2, RLENGTH - 2); s = substr(s, RLENGTH + 1)
            if (key == "LABEL") labels[val] = 1
            if (key == "GOTO") gotos[val] = NR
            if (key == "MODE" && val !~ /^0?[0-7][0-7][0-7]$/) { fail("MODE must be octal: " val); next }
            pairs++
            sub(/^[ \t]*/, "", s)
            if (s == "") break
            if (substr(s, 1, 1) != ",") { fail("missing comma before \"" s "\""); next }
            s = substr(s, 2); sub(/^[ \t]*/, "", s)
            if (s == "") { fail("trailing comma"); next }
        }
    }
    END {
        for (g in gotos) if (!(g in labels)) { printf "%d: GOTO=\"%s\" has no LABEL\n", gotos[g], g; bad = 1 }
        exit bad
    }' "$1"
}
out=$(lint_rules "$RULES" 2>&1); rc=$?
check_eq "strict lint: every line parses (key, operator, quoted value, commas)" "$rc:$out" "0:"

broken_lint=(
    'KERNEL=="hidraw*" SUBSYSTEM=="hidraw", TAG+="uaccess"|missing comma'
    'ENV{ID_FIDO_TOKEN}=="1", TAG+="uaccess",|trailing comma'
    'SUBSYSTEM="hidraw", TAG+="uaccess"|operator = not allowed for SUBSYSTEM'
    'ATTRS{idVendor}=="1050", TAG+=uaccess|double-quoted'
    'ATRS{idVendor}=="1050", TAG+="uaccess"|unknown key ATRS'
    'ENV=="1", TAG+="uaccess"|ENV needs a {attribute}'
    'ATTRS{idVendor}=="1050", MODE="rw"|MODE must be octal'
    'ENV{ID_FIDO_TOKEN}=="1", GOTO="skagent_nowhere"|has no LABEL'
)
n=0
for case in "${broken_lint[@]}"; do
    with_broken_line lint "$case"
    out=$(lint_rules "$f" 2>&1); rc=$?
    check_match "strict lint catches broken line $n ($want)" "$rc:$out" "^1:.*$(re "$want")"
done

# ------------------------------------------------------------------ policy
rules=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$RULES")
check_line "ID_FIDO_TOKEN rule as udev(7) and systemd's fido_id expect" "$rules" \
    'KERNEL=="hidraw*", SUBSYSTEM=="hidraw", ENV{ID_FIDO_TOKEN}=="1", TAG+="uaccess"'
check_line "only add and change events" "$rules" 'ACTION!="add|change", GOTO="skagent_fido_end"'
check_line "only hidraw devices" "$rules" 'SUBSYSTEM!="hidraw", GOTO="skagent_fido_end"'
check_eq "no GROUP=, OWNER= or MODE= (access only through uaccess ACLs)" \
    "$(printf '%s\n' "$rules" | grep -c -E '(GROUP|OWNER|MODE)[:+]?=')" 0
check_eq "every vendor line names its products" \
    "$(printf '%s\n' "$rules" | grep 'idVendor' | grep -vc 'ATTRS{idProduct}=="[0-9a-f|]*"')" 0
check_eq "every vendor line adds the uaccess tag" \
    "$(printf '%s\n' "$rules" | grep 'idVendor' | grep -vc 'TAG+="uaccess"')" 0
for v in 1050:Yubico 096e:Feitian 1209:SoloKeys 0483:SoloKeys/ST 18d1:Google 20a0:Nitrokey; do
    check_match "vendor ${v#*:} (${v%%:*}) listed" "$rules" "ATTRS\{idVendor\}==\"${v%%:*}\""
done
num=$(basename "$RULES" | cut -d- -f1)
if [ "$num" -lt 73 ]; then ok "sorts before 73-seat-late.rules (which applies uaccess)"; else
    fail "sorts before 73-seat-late.rules" "$num"; fi

finish
