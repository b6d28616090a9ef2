#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# man/: skagent(1), skagent-keygen(1), skagent-vtoken(1), skagent.conf(5) are mdoc and
# `mandoc -Tlint` clean (every level, down to style; only "referenced manual not found" is let
# through, as it depends on the machine's mandoc.db, and cross-references between our own
# pages are checked to resolve instead); a broken page is caught. The
# pages say what exists: skagent(1) documents exactly the flags and -O options the agent
# takes; skagent-vtoken(1) every option of its --help; the pages of what is not built yet
# say so in BUGS.
. "$(dirname "$0")/lib.sh"
MAN=$SKAGENT_ROOT/man
BIN=$(dirname "$SKAGENT")
PAGES="skagent.1 skagent-keygen.1 skagent-vtoken.1 skagent.conf.5"

have() { command -v "$1" >/dev/null; }
check "mandoc is installed (tests/deps.sh)" have mandoc || finish

# lint FILE: mandoc's messages, less its lookups of referenced pages: it looks them up in the
# machine's mandoc.db only (not MANPATH), so they depend on what is installed, and ours are not.
# Our own references are checked below instead.
lint() {
    mandoc -Tlint -W style "$1" 2>&1 | grep -v -e 'outdated mandoc.db' -e 'STYLE: referenced manual not found: Xr '
}
for p in $PAGES; do
    if [ ! -f "$MAN/$p" ]; then fail "man/$p exists"; continue; fi
    ok "man/$p exists"
    check_eq "$p: mandoc -Tlint clean" "$(lint "$MAN/$p")" ""
    check_match "$p: written in mdoc" "$(head -n 5 "$MAN/$p")" '^\.Dd '
    name=${p%.*} sec=${p##*.}
    check_match "$p: .Dt names it" "$(grep '^\.Dt ' "$MAN/$p")" "^\.Dt $(re "$(printf '%s' "$name" | tr a-z A-Z)") $sec\$"
    check "$p: renders" sh -c 'mandoc -Tutf8 "$1" >/dev/null' _ "$MAN/$p"
    # Our own cross-references point at pages we ship.
    for xr in $(sed -n 's/^\.Xr \(skagent[^ ]*\) \([0-9]\).*/\1.\2/p' "$MAN/$p" | sort -u); do
        check "$p: Xr $xr is one of our pages" test -f "$MAN/$xr"
    done
done

# The lint check can fail: a page with an unknown macro and sections out of order.
{ sed -n '1,/^\.Sh DESCRIPTION/p' "$MAN/skagent.1"; echo '.Xz bogus'; echo 'Text  with two spaces.'; } >"$T/bad.1"
check_match "lint catches an unknown macro" "$(lint "$T/bad.1")" 'unknown macro|Xz'
printf '.Dd November 22, 2026\n.Dt BAD 1\n.Os\n.Sh DESCRIPTION\nText.\n.Sh NAME\n.Nm bad\n.Nd bad\n' >"$T/bad2.1"
check_match "lint catches sections out of order" "$(lint "$T/bad2.1")" 'sections out of conventional order|NAME section'

# ------------------------------------------------------------------ skagent(1) = the agent
# The flags: from the agent's own usage text (printed on a bad flag), the page's option list.
usage=$("$SKAGENT" -Z 2>&1 </dev/null | sed -n '/^usage:/,$p')
flags_usage=$(printf '%s\n' "$usage" | grep -o -- '[[ ]-[A-Za-z]\+' | tr -d ' [-' | fold -w1 | sort -u | tr -d '\n')
flags_page=$(sed -n 's/^\.It Fl \([A-Za-z]\)\( .*\)\{0,1\}$/\1/p' "$MAN/skagent.1" | sort -u | tr -d '\n')
check_match "agent usage lists its flags" "$flags_usage" '^[A-Za-z]{8,}$'
check_eq "skagent(1) documents exactly the agent's flags" "$flags_page" "$flags_usage"
# -O: every documented option is accepted, an unknown one is refused.
opts=$(sed -n '/^\.It Fl O Ar option/,/^\.El/s/^\.It Cm \([a-z0-9-]*\)\( Ns = Ns Ar .*\)\{0,1\}$/\1\2/p' "$MAN/skagent.1" |
       sed 's/ Ns = Ns Ar .*/=x/')
check_eq "skagent(1) documents three -O options" "$(printf '%s\n' "$opts" | grep -c .)" 3
for o in $opts; do
    check "skagent -O $o is accepted" "$SKAGENT" -O "$o" -V
done
check_rc "skagent -O bogus is refused (so the check above can fail)" 1 "$SKAGENT" -O bogus-option -V
for src in "$SKAGENT_ROOT/agent/options.cc"; do
    [ -f "$src" ] || { fail "agent/options.cc readable"; break; }
    for o in $(grep -o '"[a-z0-9-]*\(=\)\{0,1\}"' "$src" | grep -E 'pkcs11|websafe' | tr -d '"' | sed 's/=$//'); do
        check_match "agent/options.cc's -O $o is in skagent(1)" "$(cat "$MAN/skagent.1")" "^\.It Cm $(re "$o")( |\$)"
    done
done

# ------------------------------------------------------------------ skagent-vtoken(1) = --help
VT=$BIN/skagent-vtoken
if [ -x "$VT" ]; then
    help_opts=$("$VT" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u)
    page_opts=$(sed -n 's/^\.It Fl -\([a-z-]*\).*/--\1/p' "$MAN/skagent-vtoken.1" | sort -u)
    check_match "skagent-vtoken --help lists options" "$help_opts" '^--state$'
    check_eq "skagent-vtoken(1) documents exactly the options of --help" "$page_opts" "$help_opts"
else
    fail "skagent-vtoken is built" "$VT missing (make)"
fi

# ------------------------------------------------------------------ honest about what is missing
bugs() { sed -n '/^\.Sh BUGS/,$p' "$MAN/$1"; }
# skagent-keygen(1) = the flags of its usage text (and it does not claim to be unbuilt).
KG=$BIN/skagent-keygen
if [ -x "$KG" ]; then
    usage=$("$KG" --help 2>&1 </dev/null | sed -n '/^usage:/,/^Security key options/p')
    flags_usage=$(printf '%s\n' "$usage" | grep -o -- '[[ ]-[A-Za-z]\+' | tr -d ' [-' | fold -w1 | sort -u | tr -d '\n')
    flags_page=$(sed -n 's/^\.It Fl \([A-Za-z]\)\( .*\)\{0,1\}$/\1/p' "$MAN/skagent-keygen.1" | sort -u | tr -d '\n')
    check_match "skagent-keygen --help lists its flags" "$flags_usage" '^[A-Za-z]{8,}$'
    check_eq "skagent-keygen(1) documents exactly the flags of its usage" "$flags_page" "$flags_usage"
    for o in $("$KG" --help 2>&1 | sed -n '/^Security key options/,$p' | tr ',' '\n' | sed -n 's/^[ :A-Za-z()-]*[ :]\([a-z-]*\)\(=.*\)\{0,1\}$/\1/p'); do
        check_match "skagent-keygen -O $o is in skagent-keygen(1)" "$(cat "$MAN/skagent-keygen.1")" "^\.It Cm $(re "$o")( |\$)"
    done
    check_rc "skagent-keygen is built: its page does not say it is not implemented" 1 \
        grep -q 'Not implemented yet' "$MAN/skagent-keygen.1"
else
    fail "skagent-keygen is built" "$KG missing (make)"
fi
# skagent.conf(5) = the keywords and choices of the parser (agent/policy/policy_config.cc).
PC=$SKAGENT_ROOT/agent/policy/policy_config.cc
if [ -f "$PC" ]; then
    kw_parser=$(grep -o 'iequals(kw, "[A-Za-z]*")' "$PC" | sed 's/.*"\(.*\)")/\1/' | sort -u)
    kw_page=$(sed -n 's/^\.It Cm \([A-Z][A-Za-z]*\)\( .*\)\{0,1\}$/\1/p' "$MAN/skagent.conf.5" | sort -u)
    check_match "the policy parser has keywords" "$kw_parser" '^Confirm$'
    check_eq "skagent.conf(5) documents exactly the parser's keywords" "$kw_page" "$kw_parser"
    # each choice (Confirm always, Notify askpass, ...) as ".It Cm Keyword Cm a | b" or "Cm b"
    names_value() { grep -Eq "^\.It Cm [A-Za-z]+ Cm (.* \| )?$1( |\$)|(^| )Cm $1( |\$)" "$MAN/skagent.conf.5"; }
    for v in $(grep -o '{"[a-z]*", [A-Za-z]*::' "$PC" | sed 's/{"\([a-z]*\)".*/\1/' | sort -u); do
        check "skagent.conf(5) names the value $v" names_value "$v"
    done
    check_rc "the agent reads skagent.conf: its page does not say it is not implemented" 1 \
        grep -q 'Not implemented yet' "$MAN/skagent.conf.5"
else
    check_match "no policy parser yet: skagent.conf(5) BUGS says so" "$(bugs skagent.conf.5)" 'Not implemented yet'
fi
check_match "skagent(1) BUGS lists what is not implemented" "$(bugs skagent.1)" 'Not implemented yet'

finish
