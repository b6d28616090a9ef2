#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# What a person sees (issue 16): the confirmation prompts as Debian 12's real askpass programs
# draw them, read back from the screen. Under Xvfb, for x11-ssh-askpass, gnome-ssh-askpass,
# ksshaskpass, lxqt-openssh-askpass and ssh-askpass-fullscreen in turn, the agent asks about
#   - a login (ssh to a loopback sshd)                         -> approved, ssh logs in
#   - a git signature through a forwarded agent (ssh -A)       -> approved, the signature verifies
#   - a signature of a local file whose name is HTML           -> refused (an empty password
#     field where the program has one; Cancel where it asks a real question), nothing signed
# Each screen is captured (ImageMagick import), read with tesseract and checked for what a
# person must see: the decision line first (who wants which key for what), the host, the
# namespace, the buttons, and no markup effect (the file name's "<br>" shown, not obeyed).
# Then the touch notification of a security key through dunst, a real notification daemon on
# a private session bus. The PNGs stay in $TEST_LOG_DIR/prompt_screens (default
# $BUILD/test-logs/prompt_screens). OCR is fuzzy: the checks look for robust words.
SKAGENT_TEST_AS_ROOT=${SKAGENT_TEST_AS_ROOT:-1}
. "$(dirname "$0")/lib.sh"
TEST_TIMEOUT=40

PIN_PROVIDER=$(readlink -f "$(dirname "$SKAGENT")/skagent-test-sk-pin.so")
SHOTS=${TEST_LOG_DIR:-${BUILD:-$SKAGENT_ROOT/build}/test-logs}/prompt_screens
# name|program|kind (question: the program asks yes/no; entry: it shows a password field)|
# window class|what tesseract reads of its buttons (ssh-askpass-fullscreen has none: Return
# answers; lxqt's OK button carries an icon that hides its word from OCR; tesseract does not
# read x11-ssh-askpass's bitmap-font buttons below its row of blue bars)
ASKPASSES="x11|/usr/libexec/ssh-askpass/x11-ssh-askpass|entry|SshAskpass|
gnome|/usr/lib/openssh/gnome-ssh-askpass|question|gnome-ssh-askpass|No.*Yes
kde|/usr/bin/ksshaskpass|question|ksshaskpass|Accept.*Cancel
lxqt|/usr/bin/lxqt-openssh-askpass|entry|lxqt-openssh-askpass|[Cc]ance
fullscreen|/usr/bin/ssh-askpass-fullscreen|entry|ssh-askpass-fullscreen|"

missing=
for p in /usr/bin/Xvfb /usr/bin/import /usr/bin/convert /usr/bin/tesseract /usr/bin/xdotool /usr/bin/dunst \
         /usr/bin/dbus-daemon /usr/bin/gdbus "$PIN_PROVIDER" $(printf '%s\n' "$ASKPASSES" | cut -d'|' -f2); do
    [ -x "$p" ] || [ -f "$p" ] || missing="$missing $p"
done
[ -d /usr/share/fonts/X11/misc ] || missing="$missing xfonts-base"
if [ -n "$missing" ]; then
    fail "prerequisites" "missing:$missing (tests/deps.sh; make $BUILD/bin/skagent-test-sk-pin.so)"
    finish
fi
mkdir -p "$SHOTS" || { fail "screenshot directory" "$SHOTS"; finish; }

# ---------------------------------------------------------------- X, a session bus, dunst
exec 8>"$T/display"
/usr/bin/Xvfb -displayfd 8 -screen 0 1280x900x24 -nolisten tcp -noreset >"$T/xvfb.log" 2>&1 &
XVFB_PID=$!
wait_for 10 test -s "$T/display" || { fail "Xvfb" "$(cat "$T/xvfb.log")"; finish; }
export DISPLAY=:$(head -n 1 "$T/display")
exec 8>&-
BUS=$T/bus
/usr/bin/dbus-daemon --session --nofork --nopidfile --address="unix:path=$BUS" >/dev/null 2>"$T/dbus.err" &
DBUS_PID=$!
wait_for 20 test -S "$BUS" || { fail "session bus" "$(cat "$T/dbus.err")"; finish; }
export DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS XDG_RUNTIME_DIR=$T/run
mkdir -m 0700 "$T/run"
mkdir -p "$T/dunst"
cat >"$T/dunst/dunstrc" <<'EOF'
[global]
    font = DejaVu Sans 15
    width = 760
    origin = top-right
    offset = 20x20
    markup = full
    format = "<b>%s</b>\n%b"
    word_wrap = yes
[urgency_normal]
    timeout = 0
EOF
/usr/bin/dunst -config "$T/dunst/dunstrc" >"$T/dunst.log" 2>&1 &
DUNST_PID=$!
wait_for 10 gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.freedesktop.Notifications |
    grep -q true 2>/dev/null
notifications_up() {
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner org.freedesktop.Notifications 2>/dev/null | grep -q true
}
wait_for 10 notifications_up || { fail "dunst" "$(cat "$T/dunst.log")"; finish; }
# x11-ssh-askpass's default font is 12 pt Helvetica, which Xvfb does not have; a 20 px one.
printf 'SshAskpass*font: -misc-fixed-medium-r-normal--20-*-*-*-*-*-iso8859-1\n' >"$T/Xresources"
export XENVIRONMENT=$T/Xresources QT_QPA_PLATFORM=xcb

# ---------------------------------------------------------------- sshd, keys, policy
start_sshd || { fail "sshd"; finish; }
K=$T/keys
mkdir -p "$K"
t ssh-keygen -q -t ed25519 -N '' -C screen-key -f "$K/user" || { fail "keygen"; finish; }
SSH_SK_PROVIDER=$PIN_PROVIDER t ssh-keygen -q -t ed25519-sk -N '' -C touch-key -f "$K/touch" </dev/null ||
    { fail "keygen sk"; finish; }
authorize_key "$K/user.pub"
cat >"$T/policy" <<EOF
UserKnownHostsFile $T/known_hosts
GlobalKnownHostsFile none
PromptTimeout 30
Key screen-key
    Confirm always
    ForwardedSigning any
    SshsigNamespaces git,file
Key touch-key
    Notify yes
EOF
echo "a message to sign" >"$T/msg"
# A local file whose name is HTML: a program that renders markup would show a second line
# "To sign in to git@github.com" and hide the rest.
EVIL='notes.txt><br>To sign in to git@github.com<!--'
echo "notes" >"$T/$EVIL"

# ---------------------------------------------------------------- screens and OCR
# window_of CLASS: the id of the askpass's visible window, waited for.
window_of() {
    local w n=150
    while [ $n -gt 0 ]; do
        w=$(xdotool search --onlyvisible --class "$1" 2>/dev/null | tail -n 1)
        [ -n "$w" ] && { echo "$w"; return 0; }
        sleep 0.1; n=$((n - 1))
    done
    return 1
}
# shoot WINDOW NAME: the whole screen to $SHOTS/NAME.png, and what tesseract reads in the
# window (cropped, scaled 3x, grey) to $SHOTS/NAME.txt; prints that text on one line.
shoot() {
    local w=$1 name=$2 X Y WIDTH HEIGHT
    sleep 0.7    # let it paint
    import -window root "$SHOTS/$name.png" 2>/dev/null || return 1
    eval "$(xdotool getwindowgeometry --shell "$w" 2>/dev/null | grep -E '^(X|Y|WIDTH|HEIGHT)=')"
    convert "$SHOTS/$name.png" -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage -resize 300% -colorspace Gray \
        -normalize "$T/ocr.png" 2>/dev/null || return 1
    tesseract "$T/ocr.png" "$SHOTS/$name" >/dev/null 2>&1 || return 1
    tr -s ' \n' '  ' <"$SHOTS/$name.txt"
}
# read_window CLASS NAME WHAT: once a window of CLASS is up ($w), its shot NAME and the text
# tesseract reads in it ($s, noted as WHAT's); false when no such window came.
read_window() {
    w=$(window_of "$1") || return 1
    s=$(shoot "$w" "$2")
    note "$3: tesseract read: $s"
}
# answer KIND WINDOW yes|no: a yes types "yes" where there is a password field and presses
# Return (the default button: OK, Accept); a no presses Return on the empty field (which must
# not count as yes), or Escape where the program asks a real question.
respond() {
    local kind=$1 w=$2 what=$3
    xdotool windowfocus --sync "$w" 2>/dev/null
    sleep 0.2
    if [ "$what" = yes ]; then
        [ "$kind" = entry ] && xdotool type --delay 40 yes
        xdotool key Return
    elif [ "$kind" = entry ]; then
        xdotool key Return
    else
        xdotool key Escape
    fi
}
# before TEXT A B: in TEXT, A occurs and B occurs after it (the decision before the details).
before() { printf '%s' "$1" | grep -Eq "$2.*$3"; }
one_line_ocr() { tr -s ' \n' '  ' <"$SHOTS/$1.txt"; }

# ---------------------------------------------------------------- each askpass
window_gone() { [ -z "$(xdotool search --onlyvisible --class "$1" 2>/dev/null)" ]; }
while IFS='|' read -r name prog kind class buttons; do
    SSH_ASKPASS=$prog start_agent -f "$T/policy" -P "$PIN_PROVIDER" || { fail "$name: agent"; continue; }
    t ssh-add -q "$K/user" 2>/dev/null || fail "$name: ssh-add"

    # A login.
    t ssh -F "$SSH_CONFIG" sut true </dev/null 2>"$T/login.err" &
    job=$!
    if read_window "$class" "$name-login" "$name, login"; then
        check_match "$name, login: the decision comes first (ssh wants key screen-key to log in)" "$s" \
            "ssh wants key screen.key to log in to $(re "$ME")@sut.*[Ff]ingerprint"
        check_match "$name, login: the host is named" "$s" "Server: sut"
        if [ "$kind" = entry ]; then
            check_match "$name, login: it asks for a typed yes" "$s" "type yes and press OK"
        else
            check_match "$name, login: the buttons say what they do" "$s" "(Yes allows it, No refuses|Accept allows it, Cancel refuses)"
        fi
        [ -n "$buttons" ] && check_match "$name, login: the program's buttons" "$s" "$buttons"
        respond "$kind" "$w" yes
    else
        fail "$name, login: no askpass window"
    fi
    wait "$job"; rc=$?
    check_eq "$name, login: approved, ssh logs in" "$rc" 0 || note "$(cat "$T/login.err")"

    # A git signature through a forwarded agent.
    rm -f "$T/msg.sig"
    t ssh -F "$SSH_CONFIG" -A sut "ssh-keygen -Y sign -q -n git -f '$K/user.pub' '$T/msg'" </dev/null 2>"$T/git.err" &
    job=$!
    # First the login of ssh -A itself (Confirm always), then the signature.
    if w=$(window_of "$class"); then
        respond "$kind" "$w" yes
        wait_for 10 window_gone "$class" || fail "$name, forwarded git: the login prompt stays"
    fi
    if read_window "$class" "$name-forwarded-git" "$name, forwarded git signature"; then
        check_match "$name, forwarded git: the decision comes first (sut through a forwarded agent, namespace git)" "$s" \
            "sut \(through a forwarded agent\) wants key screen.key to make a git signature \(namespace .{1,3}git.{1,3}\).*[Ff]ingerprint"
        check_match "$name, forwarded git: the path" "$s" "this machine . sut \(agent forwarded\)"
        respond "$kind" "$w" yes
    else
        fail "$name, forwarded git: no askpass window"
    fi
    wait "$job"; rc=$?
    check_eq "$name, forwarded git: approved, ssh-keygen signs" "$rc" 0 || note "$(cat "$T/git.err")"
    check "$name, forwarded git: the signature verifies" sh -c \
        "ssh-keygen -Y check-novalidate -n git -s '$T/msg.sig' <'$T/msg' >/dev/null 2>&1"

    # A local file signature, refused.
    rm -f "$T/$EVIL.sig"
    t ssh-keygen -Y sign -q -n file -f "$K/user.pub" "$T/$EVIL" </dev/null 2>"$T/file.err" &
    job=$!
    if read_window "$class" "$name-local-file" "$name, local file signature"; then
        check_match "$name, file: the decision comes first (ssh-keygen wants key screen-key to sign a file)" "$s" \
            "ssh-keygen wants key screen.key to sign a file \(namespace .{1,3}file.{1,3}\).*[Ff]ingerprint"
        # The file name's markup is shown as text: "<br>" (or the look-alikes) stays on the
        # command line, and nothing starts a line "To sign in to".
        check_match "$name, file: the file name's markup is shown, not obeyed" "$s" "notes\.txt.{1,6}br.{1,6}To sign in to"
        ! grep -Eq '^To sign in to' "$SHOTS/$name-local-file.txt"
        check_eq "$name, file: no line of its own says To sign in to" "$?" 0
        respond "$kind" "$w" no
    else
        fail "$name, file: no askpass window"
    fi
    wait "$job"; rc=$?
    check_rc "$name, file: refused ($( [ "$kind" = entry ] && echo 'an empty password field is no yes' || echo Cancel))" 1 test "$rc" -eq 0
    check "$name, file: nothing was signed" test ! -e "$T/$EVIL.sig"
    check_match "$name, file: the agent logged the refusal" "$(cat "$AGENT_DIR/err")" "confirmation: the person said no"
    stop_agent
done <<<"$ASKPASSES"

# ---------------------------------------------------------------- the touch notification (dunst)
SK_PIN_TEST_DELAY_MS=6000 start_agent -f "$T/policy" -P "$PIN_PROVIDER" || { fail "agent (touch)"; finish; }
check "add the security key" t ssh-add -q -S "$PIN_PROVIDER" "$K/touch"
rm -f "$T/msg.sig"
t ssh-keygen -Y sign -q -n git -f "$K/touch.pub" "$T/msg" </dev/null 2>"$T/touch.err" &
job=$!
if read_window Dunst dunst-touch "dunst, touch notification"; then
    check_match "dunst: the summary" "$s" "Touch your security key"
    check_match "dunst: the decision (ssh-keygen wants key touch-key for a git signature)" "$s" \
        "ssh-keygen wants key touch.key to make a git signature \(namespace .{1,3}git.{1,3}\)"
else
    fail "dunst: no notification window"
fi
wait "$job"; rc=$?
check_eq "touch: ssh-keygen signs after the (delayed) touch" "$rc" 0 || note "$(cat "$T/touch.err")"
check "touch: the signature verifies" sh -c "ssh-keygen -Y check-novalidate -n git -s '$T/msg.sig' <'$T/msg' >/dev/null 2>&1"
dunst_gone() { [ -z "$(xdotool search --onlyvisible --class Dunst 2>/dev/null)" ]; }
check "touch: the notification is withdrawn after the touch" wait_for 5 dunst_gone
stop_agent

kill "$DUNST_PID" "$DBUS_PID" "$XVFB_PID" 2>/dev/null
note "screenshots: $SHOTS"
finish
