#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Benchmarks OpenSSH's ssh-agent and skagent side by side with skagent-bench
# and prints one comparison table with the issue's targets; it exits non-zero when one is
# missed. Agent CPU per signature is divided by OpenSSL's raw signature measured in the run.
#
# Environment: BUILD (default <repo>/build), SKAGENT (default $BUILD/bin/skagent),
# SSH_AGENT_REF (default /usr/bin/ssh-agent), BENCH_SECONDS (per sign
# measurement, default 3), BENCH_BULK_KEYS (default 1000).
# Validate the harness without skagent: SKAGENT=/usr/bin/ssh-agent run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$root/build}
bench=$BUILD/bin/skagent-bench
ref_agent=${SSH_AGENT_REF:-/usr/bin/ssh-agent}
new_agent=${SKAGENT:-$BUILD/bin/skagent}
seconds=${BENCH_SECONDS:-3}
bulk=${BENCH_BULK_KEYS:-1000}
sk_provider=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so
# A virtual FIDO2 token (immediate touch) for the fido/ figures and the sk-vtoken sign rows:
# OpenSSH's agent signs through libskagent-sk.so (-S), skagent through "internal".
sk_lib=$BUILD/lib/libskagent-sk.so
vtoken=$BUILD/bin/skagent-vtoken
vtoken_pin=135790

[ -r "$sk_provider" ] || { echo "run.sh: missing $sk_provider (Debian package openssh-tests)" >&2; exit 1; }
for f in "$bench" "$ref_agent" "$new_agent" "$vtoken"; do
  [ -x "$f" ] || { echo "run.sh: missing $f (SKAGENT=/usr/bin/ssh-agent validates without skagent)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/skagent-bench.XXXXXX)
agent_pids=()
cleanup() {
  for pid in "${agent_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${agent_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -r "$sk_lib" ] || { echo "run.sh: missing $sk_lib (make $sk_lib)" >&2; exit 1; }

# The token runs for the whole benchmark; both agents (and their helpers) find it through
# $SKAGENT_VTOKEN.
mkdir -m 700 "$work/vtoken"
"$vtoken" --state "$work/vtoken/state" --hid-socket "$work/vtoken/hid.sock" \
  --control "$work/vtoken/ctl.sock" --pin "$vtoken_pin" > "$work/vtoken/log" 2>&1 &
agent_pids+=($!)
for _ in $(seq 100); do "$vtoken" ctl "$work/vtoken/ctl.sock" touches > /dev/null 2>&1 && break; sleep 0.05; done
export SKAGENT_VTOKEN=$work/vtoken/hid.sock
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Key files carry distinct comments; skagent-bench finds keys by comment.
make_keys() {
  local k=$work/keys
  mkdir -p "$k" "$work/bulk"
  ssh-keygen -q -t ed25519 -N '' -C bench-ed25519 -f "$k/ed25519"
  ssh-keygen -q -t ecdsa -b 256 -N '' -C bench-ecdsa-p256 -f "$k/ecdsa-p256"
  ssh-keygen -q -t rsa -b 3072 -N '' -C bench-rsa-3072 -f "$k/rsa-3072"
  ssh-keygen -q -t ed25519 -N '' -C bench-confirm -f "$k/confirm"
  SSH_SK_PROVIDER=$sk_provider ssh-keygen -q -t ed25519-sk -N '' -C bench-sk-ed25519 -f "$k/sk-ed25519"
  ssh-keygen -q -t ed25519-sk -w "$sk_lib" -N '' -C bench-sk-vtoken -f "$k/sk-vtoken" < /dev/null
  local t0; t0=$(now_ms)
  for i in $(seq -w 1 "$bulk"); do
    ssh-keygen -q -t ed25519 -N '' -C "bench-bulk-$i" -f "$work/bulk/k$i"
  done
  bulk_keygen_ms=$(( $(now_ms) - t0 ))
}

# start_agent NAME BINARY: the agent runs in the foreground (-D) in the
# background of this script, with the confirm prompt below as SSH_ASKPASS
# (OpenSSH's agent uses it only with DISPLAY set and SSH_ASKPASS_REQUIRE=force).
start_agent() {
  local dir=$work/$1
  mkdir -m 700 "$dir"
  cat > "$dir/askpass" <<ASKPASS
#!/bin/sh
# A confirm prompt that stays open 3 s, then answers yes (exit 0, no output).
# The file exists exactly while the prompt is open.
: > "$dir/prompt-open"
sleep 3
rm -f "$dir/prompt-open"
exit 0
ASKPASS
  chmod 700 "$dir/askpass"
  DISPLAY=:0 SSH_ASKPASS=$dir/askpass SSH_ASKPASS_REQUIRE=force \
    "$2" -D -a "$dir/sock" -P "$(dirname "$sk_provider")/*,$(dirname "$(readlink -f "$sk_lib")")/*" \
    > "$dir/agent.log" 2>&1 &
  agent_pids+=($!)
  echo $! > "$dir/pid"
  for _ in $(seq 100); do [ -S "$dir/sock" ] && return 0; sleep 0.05; done
  echo "run.sh: $2 did not create its socket; log:" >&2; cat "$dir/agent.log" >&2; exit 1
}

load_keys() {
  local sock=$work/$1/sock k=$work/keys
  SSH_AUTH_SOCK=$sock ssh-add -q "$k/ed25519" "$k/ecdsa-p256" "$k/rsa-3072"
  SSH_AUTH_SOCK=$sock ssh-add -q -S "$sk_provider" "$k/sk-ed25519"
  # OpenSSH's agent has no built-in way to the virtual token: it gets the library.
  if [ "$1" = ref ] || [ "$(basename "$new_agent")" = ssh-agent ]; then
    SSH_AUTH_SOCK=$sock ssh-add -q -S "$sk_lib" "$k/sk-vtoken"
  else
    SSH_AUTH_SOCK=$sock ssh-add -q "$k/sk-vtoken"
  fi
  SSH_AUTH_SOCK=$sock ssh-add -q -c "$k/confirm"
}

# A failed measurement leaves its rows at n/a; the rest still runs.
step() {
  local out=$1; shift
  "$bench" "$@" >> "$out" || echo "run.sh: '$*' failed" >&2
}

measure() {
  local dir=$work/$1 out=$work/$1.metrics
  local sock=$dir/sock pid; pid=$(cat "$dir/pid")
  : > "$out"
  # OpenSSL's own signature cost on this machine, now: what each agent's CPU per signature
  # (--pid: /proc/PID/stat over the run, all its threads) is divided by.
  step "$out" raw --seconds 1
  # The floor under a signature: the agent's CPU for a request it answers with no work.
  step "$out" roundtrip --socket "$sock" --seconds "$seconds" --pid "$pid"
  step "$out" sign --socket "$sock" --comment bench-ed25519 --name ed25519 --seconds "$seconds" --pid "$pid"
  step "$out" sign --socket "$sock" --comment bench-ecdsa-p256 --name ecdsa-p256 --seconds "$seconds" --pid "$pid"
  step "$out" sign --socket "$sock" --comment bench-rsa-3072 --name rsa-3072 --flags 4 --seconds "$seconds" --pid "$pid"
  step "$out" sign --socket "$sock" --comment bench-sk-ed25519 --name sk-ed25519 --seconds "$seconds"
  step "$out" sign --socket "$sock" --comment bench-sk-vtoken --name sk-vtoken --seconds "$seconds"
  step "$out" confirm --socket "$sock" --confirm-comment bench-confirm --fast-comment bench-ed25519 \
    --marker "$dir/prompt-open"
  step "$out" rss --pid "$pid" --name rss_base
  local t0; t0=$(now_ms)
  if SSH_AUTH_SOCK=$sock ssh-add -q "$work"/bulk/k*[0-9] 2>> "$dir/ssh-add.log"; then
    echo "bulk_add.ms $(( $(now_ms) - t0 ))" >> "$out"
  else
    echo "run.sh: ssh-add of the bulk keys failed for $1" >&2
  fi
  step "$out" list --socket "$sock"
  # The resident size of an idle agent holding the keys: skagent gives the freed list replies'
  # memory back a second after a burst (Server::trim_soon); both agents are measured after it.
  sleep 1.5
  step "$out" rss --pid "$pid" --name rss_1000
}

busy=$(pgrep -c cc1plus || true)
echo "skagent-bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${busy:-0} compiler(s) running at start"
if [ "${busy:-0}" -gt 0 ]; then
  echo "WARNING: compilers are running; throughput figures will be low and noisy"
fi
echo "OpenSSH: $ref_agent"
echo "skagent: $new_agent"

make_keys
echo "generated $bulk ed25519 key files with ssh-keygen in $bulk_keygen_ms ms"
start_agent ref "$ref_agent"
start_agent new "$new_agent"
load_keys ref
load_keys new
echo "measuring OpenSSH ($seconds s per sign measurement)..."
measure ref
echo "measuring skagent..."
measure new
echo
# A missed target fails the run, after everything below has printed.
report_status=0
"$bench" report --ref "$work/ref.metrics" --new "$work/new.metrics" || report_status=$?
echo
echo "sk-ed25519/vtoken rows: OpenSSH's ssh-agent with -S libskagent-sk.so, skagent with provider \"internal\"."
echo
# ML-DSA-44+Ed25519 (ssh-mldsa44-ed25519@openssh.com) needs OpenSSH 10.5 (9.2 has no such
# key): its ssh-agent, ssh-keygen and ssh-add from tests/openssh/build_latest.sh, beside skagent.
mldsa_rows() {
  local latest a k=$work/keys/mldsa44-ed25519 n
  latest=$(BUILD=$BUILD "$root/tests/openssh/build_latest.sh" 2>/dev/null) || {
    echo "sign mldsa44-ed25519: n/a (no OpenSSH 10.5 build: tests/openssh/build_latest.sh)"; return 0; }
  "$latest/ssh-keygen" -q -t mldsa44-ed25519 -N '' -C bench-mldsa44-ed25519 -f "$k"
  start_agent ref105 "$latest/ssh-agent"
  for a in ref105 new; do
    SSH_AUTH_SOCK=$work/$a/sock "$latest/ssh-add" -q "$k"
    : > "$work/$a.mldsa"
    step "$work/$a.mldsa" sign --socket "$work/$a/sock" --comment bench-mldsa44-ed25519 \
      --name mldsa44-ed25519 --seconds "$seconds"
  done
  for n in 8 1; do
    echo "sign mldsa44-ed25519, $n client(s): OpenSSH 10.5 ssh-agent" \
      "$(awk -v m="sign.mldsa44-ed25519.c$n.ops_per_s" '$1 == m {printf "%.0f/s", $2}' "$work/ref105.mldsa")," \
      "skagent $(awk -v m="sign.mldsa44-ed25519.c$n.ops_per_s" '$1 == m {printf "%.0f/s", $2}' "$work/new.mldsa")"
  done
}
mldsa_rows
echo
# The fido figures always print (the table, then the overhead metrics); a missed
# 1 ms target or a failed measurement makes the whole run fail, after the output.
fido_status=0
"$bench" fido --vtoken "$work/vtoken/hid.sock" --pin "$vtoken_pin" --rounds "${BENCH_FIDO_ROUNDS:-200}" \
  > "$work/fido.metrics" 2>&1 || fido_status=$?
grep -v '^fido\.' "$work/fido.metrics" || true
grep '^fido\..*\.overhead_us' "$work/fido.metrics" || true
if [ "$fido_status" -ne 0 ]; then
  echo "run.sh: fido/ benchmark failed (skagent-bench fido exit $fido_status): see above" >&2
  exit 1
fi
if [ "$report_status" -ne 0 ]; then
  echo "run.sh: skagent missed a target (see the targets table above)" >&2
  exit 1
fi
