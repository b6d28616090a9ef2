#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Recording SSH_ASKPASS program for tests.
#
# Every call appends one line to $ASKPASS_LOG:
#     <SSH_ASKPASS_PROMPT or "-">|<prompt argument, newlines turned into spaces>
# and answers from the first line of $ASKPASS_CONTROL (or $ASKPASS_ANSWER when there is no
# control file):
#     !cancel      exit 1 without output (the person pressed Cancel)
#     !sleep N     wait N seconds, then cancel (a person who never answers)
#     anything     print it and exit 0 ("yes" to confirm, or a password)
# With neither set it cancels, so a prompt nobody expected can never succeed by accident.
# When the file $ASKPASS_QUEUE has lines, the first one is taken (and removed) instead, so a
# test can script several different answers. $ASKPASS_LAST, when set, receives the last prompt
# exactly as given (newlines kept).
prompt=$(printf '%s' "${1:-}" | tr '\n' ' ')
if [ -n "${ASKPASS_LOG:-}" ]; then
    printf '%s|%s\n' "${SSH_ASKPASS_PROMPT:--}" "$prompt" >>"$ASKPASS_LOG"
fi
if [ -n "${ASKPASS_LAST:-}" ]; then
    printf '%s\n' "${1:-}" >"$ASKPASS_LAST"
fi
answer='!cancel'
if [ -n "${ASKPASS_QUEUE:-}" ] && [ -s "$ASKPASS_QUEUE" ]; then
    answer=$(head -n 1 "$ASKPASS_QUEUE")
    sed -i 1d "$ASKPASS_QUEUE"
elif [ -n "${ASKPASS_CONTROL:-}" ] && [ -f "$ASKPASS_CONTROL" ]; then
    answer=$(head -n 1 "$ASKPASS_CONTROL")
elif [ -n "${ASKPASS_ANSWER+set}" ]; then
    answer=$ASKPASS_ANSWER
fi
case $answer in
    '!cancel') exit 1 ;;
    '!sleep '*) sleep "${answer#!sleep }"; exit 1 ;;
esac
printf '%s\n' "$answer"
exit 0
