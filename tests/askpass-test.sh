#!/bin/sh
# Recording SSH_ASKPASS program for tests.
#
# Every call appends one line to $ASKPASS_LOG:
#     <SSH_ASKPASS_PROMPT or "-">|<prompt argument, newlines turned into spaces>
# and answers from the first line of $ASKPASS_CONTROL (or $ASKPASS_ANSWER when there is no
# control file):
#     !cancel      exit 1 without output (the person pressed Cancel)
#     anything     print it and exit 0 ("yes" to confirm, or a password)
# With neither set it cancels, so a prompt nobody expected can never succeed by accident.
prompt=$(printf '%s' "${1:-}" | tr '\n' ' ')
if [ -n "${ASKPASS_LOG:-}" ]; then
    printf '%s|%s\n' "${SSH_ASKPASS_PROMPT:--}" "$prompt" >>"$ASKPASS_LOG"
fi
answer='!cancel'
if [ -n "${ASKPASS_CONTROL:-}" ] && [ -f "$ASKPASS_CONTROL" ]; then
    answer=$(head -n 1 "$ASKPASS_CONTROL")
elif [ -n "${ASKPASS_ANSWER+set}" ]; then
    answer=$ASKPASS_ANSWER
fi
if [ "$answer" = '!cancel' ]; then
    exit 1
fi
printf '%s\n' "$answer"
exit 0
