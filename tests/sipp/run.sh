#!/usr/bin/env bash
# SIPp interop: CALLS calls (uac -> switchboard -> uas) through the Lua
# sample, which must all succeed. Needs `sipp` (Debian: sip-tester) and a
# built binary (BIN, default target/release/switchboard).
#
#   tests/sipp/run.sh [CALLS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/../.."
CALLS=${1:-1000}
RATE=${2:-100}
BIN=${BIN:-target/release/switchboard}
PROXY_PORT=${PROXY_PORT:-5560}
UAS_PORT=${UAS_PORT:-5590}
UAC_PORT=${UAC_PORT:-5570}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" -E -f samples/lua/kamailio.cfg -A SB_PORT="$PROXY_PORT" -n 2 >"$work/switchboard.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    grep -q "started with" "$work/switchboard.log" && break
    sleep 0.1
done
grep -q "started with" "$work/switchboard.log" || { cat "$work/switchboard.log"; exit 1; }

# -bg forks; the parent prints the child's PID (and exits 99).
bg=$(sipp -sf tests/sipp/uas.xml -i 127.0.0.1 -p "$UAS_PORT" -nostdin -bg \
    -trace_err -error_file "$work/uas_err.log" 2>&1 || true)
uas_pid=$(echo "$bg" | sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p')
[ -n "$uas_pid" ] || { echo "uas did not start: $bg"; exit 1; }
pids+=("$uas_pid")

timeout 30 sipp -sf tests/sipp/register.xml -i 127.0.0.1 -p "$UAC_PORT" -s service \
    -key uas_port "$UAS_PORT" -m 1 -nostdin -timeout 10s "127.0.0.1:$PROXY_PORT" >/dev/null

start=$(date +%s)
set +e
timeout 300 sipp -sf tests/sipp/uac.xml -i 127.0.0.1 -p "$UAC_PORT" -s service -m "$CALLS" -r "$RATE" \
    -l 500 -nostdin -timeout 120s -trace_stat -stf "$work/uac.csv" \
    -trace_err -error_file "$work/uac_err.log" "127.0.0.1:$PROXY_PORT" >/dev/null
rc=$?
set -e
end=$(date +%s)
stats=$(tail -1 "$work/uac.csv" 2>/dev/null || true)
header=$(head -1 "$work/uac.csv" 2>/dev/null || true)
col() { echo "$header" | tr ';' '\n' | grep -nx "$1" | cut -d: -f1; }
ok=$(echo "$stats" | cut -d';' -f"$(col SuccessfulCall\(C\))")
failed=$(echo "$stats" | cut -d';' -f"$(col FailedCall\(C\))")
echo "sipp: $CALLS calls at $RATE/s through switchboard: ${ok:-?} successful, ${failed:-?} failed, $((end - start)) s"
if [ "$rc" -ne 0 ] || [ "${failed:-1}" != "0" ] || [ "${ok:-0}" != "$CALLS" ]; then
    echo "sipp failed (exit $rc)"
    head -50 "$work/uac_err.log" 2>/dev/null || true
    tail -50 "$work/switchboard.log"
    echo "sipp: ${ok:-0} passed, $((CALLS - ${ok:-0})) failed"
    exit 1
fi
# A closing line in the plain "N passed, N failed" form (calls).
echo "sipp: $ok passed, 0 failed"
