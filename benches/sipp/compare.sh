#!/usr/bin/env bash
# switchboard vs Kamailio, side by side in one run: the SAME sample
# (SAMPLE=lua: kamailio.cfg + KEMI Lua script; SAMPLE=native: the routing
# blocks of kamailio.cfg — Kamailio 5.6 loads both unchanged) under the
# same SIPp load (tests/sipp scenarios: uac -> proxy -> uas).
#
#   S1  calls at a fixed rate: CPU-ms per 1000 calls (scheduler runtime), failed calls, peak
#       memory (PSS, shared memory counted once) during S1
#   S2  REGISTER refreshes at a fixed rate: CPU-ms per 1000 REGISTERs
#   S3  highest call rate of a fixed ladder (5 s each) at which at least
#       98% of the calls succeed (Kamailio loses ~0.5-1% of calls here: it
#       forwards a 180 after the 200, which SIPp's caller rejects); the failures at that rate, and the peak
#       memory over the whole run
#
# Needs: sipp (sip-tester), kamailio + kamailio-lua-modules (+
# kamailio-perl-modules for the app_perl cfg) (Debian), a release build. Prints a Markdown table. Bounded: every SIPp run has -m.
#
#   benches/sipp/compare.sh            # defaults below
#   RATE=300 CALLS=6000 benches/sipp/compare.sh
#   SERVERS=switchboard LADDER=500 benches/sipp/compare.sh   # one side, quick
#   SAMPLE=native benches/sipp/compare.sh    # samples/native instead of samples/lua
#   CFG=benches/sipp/perl/kamailio.cfg benches/sipp/compare.sh   # app_perl
#   SOAK=600 CFG=benches/sipp/perl/kamailio.cfg benches/sipp/compare.sh  # 10 min S2, PSS per minute
#   SPLIT=1 benches/sipp/compare.sh   # S1 under perf: kernel vs user CPU per call (needs perf)
set -euo pipefail
cd "$(dirname "$0")/../.."
SB=${SB:-target/release/switchboard}
SAMPLE=${SAMPLE:-lua}
CFG=${CFG:-samples/$SAMPLE/kamailio.cfg}
CFG_DIR=$(dirname "$CFG")
RATE=${RATE:-300}
CALLS=${CALLS:-6000}
REGS=${REGS:-10000}
LADDER=${LADDER:-"500 1000 1500 2000 3000 4000"}
PORT=5660 UAS_PORT=5690 UAC_PORT=5670
work=$(mktemp -d)
server_pgid=""
uas_pid=""
cleanup() {
    [ -n "$uas_pid" ] && kill "$uas_pid" 2>/dev/null || true
    [ -n "$server_pgid" ] && kill -- "-$server_pgid" 2>/dev/null || true
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT

pids_of() { pgrep -g "$1" || true; }
# CPU time of every thread of every process of the group, in µs: the
# scheduler's own runtime (/proc/PID/task/TID/schedstat, nanoseconds).
# utime+stime from /proc/PID/stat is sampled at the 4 ms tick, which for
# servers that wake for ~100 µs at a time is mostly an artefact of when
# the tick lands (measured: off by 2x either way between runs).
cpu_us() {
    local t=0 p f
    for p in $(pids_of "$1"); do
        for f in /proc/"$p"/task/*/schedstat; do
            [ -r "$f" ] || continue
            t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0) / 1000))
        done
    done
    echo "$t"
}
# Proportional set size of the group in KiB (shared memory counted once).
pss_kb() {
    local t=0 p
    for p in $(pids_of "$1"); do
        t=$((t + $(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
    done
    echo "$t"
}

start_server() {
    local name=$1
    case $name in
    switchboard) setsid "$SB" -E -f "$CFG" -A SB_PORT=$PORT >"$work/$name.log" 2>&1 & ;;
    # Kamailio resolves the script path against its working directory
    # (switchboard against the cfg's directory): -w points it there.
    kamailio) setsid kamailio -DD -E -f "$CFG" -A SB_PORT=$PORT -m 512 -M 32 \
        -w "$PWD/$CFG_DIR" -Y "$work" >"$work/$name.log" 2>&1 & ;;
    esac
    server_pgid=$!
    sleep 2
    bg=$(sipp -sf tests/sipp/uas.xml -i 127.0.0.1 -p $UAS_PORT -nostdin -bg 2>&1 || true)
    uas_pid=$(echo "$bg" | sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p')
    timeout 30 sipp -sf tests/sipp/register.xml -i 127.0.0.1 -p $UAC_PORT -s service -key uas_port $UAS_PORT \
        -m 1 -nostdin -timeout 10s 127.0.0.1:$PORT >/dev/null
}

stop_server() {
    kill "$uas_pid" 2>/dev/null || true
    kill -- "-$server_pgid" 2>/dev/null || true
    sleep 1
    uas_pid="" server_pgid=""
}

# run_calls RATE N -> "ok failed"
run_calls() {
    rm -f "$work/uac.csv"
    # SIPp's own -timeout does not fire when an overloaded server stops
    # answering: bound every run from outside too.
    timeout 150 sipp -sf tests/sipp/uac.xml -i 127.0.0.1 -p $UAC_PORT -s service -m "$2" -r "$1" -l 2000 \
        -nostdin -timeout 120s -trace_stat -stf "$work/uac.csv" 127.0.0.1:$PORT >/dev/null 2>&1 || true
    stats "$work/uac.csv"
}
run_regs() {
    rm -f "$work/reg.csv"
    timeout 150 sipp -sf tests/sipp/register.xml -i 127.0.0.1 -p $UAC_PORT -s service -key uas_port $UAS_PORT \
        -m "$2" -r "$1" -nostdin -timeout 120s -trace_stat -stf "$work/reg.csv" 127.0.0.1:$PORT >/dev/null 2>&1 || true
    stats "$work/reg.csv"
}
stats() {
    local h l col_ok col_f
    h=$(head -1 "$1") l=$(tail -1 "$1")
    col_ok=$(echo "$h" | tr ';' '\n' | grep -nx 'SuccessfulCall(C)' | cut -d: -f1)
    col_f=$(echo "$h" | tr ';' '\n' | grep -nx 'FailedCall(C)' | cut -d: -f1)
    echo "$(echo "$l" | cut -d';' -f"$col_ok") $(echo "$l" | cut -d';' -f"$col_f")"
}

# measure NAME: prints one table row
measure() {
    local name=$1 peak=0 sampler
    start_server "$name"
    ( while sleep 0.2; do pss_kb "$server_pgid"; done ) >"$work/pss.$name" &
    sampler=$!
    local c0 c1 ok failed
    c0=$(cpu_us "$server_pgid")
    read -r ok failed < <(run_calls "$RATE" "$CALLS")
    c1=$(cpu_us "$server_pgid")
    local s1_cpu=$(( (c1 - c0) / CALLS ))
    local s1="$ok/$CALLS ok"
    local s1_peak
    s1_peak=$(sort -n "$work/pss.$name" | tail -1)
    c0=$(cpu_us "$server_pgid")
    read -r ok failed < <(run_regs "$RATE" "$REGS")
    c1=$(cpu_us "$server_pgid")
    local s2_cpu=$(( (c1 - c0) / REGS ))
    local s2="$ok/$REGS ok"
    local best=0 best_failed=- r n
    for r in $LADDER; do
        n=$((r * 5))
        read -r ok failed < <(run_calls "$r" "$n")
        if [ "${ok:-0}" -ge $((n * 98 / 100)) ]; then best=$r best_failed="$failed/$n"; else break; fi
    done
    kill "$sampler" 2>/dev/null || true
    peak=$(sort -n "$work/pss.$name" | tail -1)
    stop_server
    echo "| $name | $s1_cpu | $s1 | $((s1_peak / 1024)) | $s2_cpu | $s2 | $best ($best_failed failed) | $((peak / 1024)) |"
}

# soak NAME: S2 (REGISTER refreshes at $RATE/s) for $SOAK seconds; PSS
# every minute — does memory grow?
soak() {
    local name=$1 samples=() ok failed
    start_server "$name"
    (timeout $((SOAK + 60)) sipp -sf tests/sipp/register.xml -i 127.0.0.1 -p $UAC_PORT -s service -key uas_port $UAS_PORT \
        -m $((RATE * SOAK)) -r "$RATE" -nostdin -timeout $((SOAK + 30))s -trace_stat -stf "$work/soak.csv" \
        127.0.0.1:$PORT >/dev/null 2>&1 || true) &
    local load=$!
    for _ in $(seq 0 60 "$SOAK"); do
        samples+=("$(( $(pss_kb "$server_pgid") / 1024 ))")
        sleep 60
    done
    wait "$load"
    read -r ok failed < <(stats "$work/soak.csv")
    stop_server
    echo "| $name | $ok ok, $failed failed | ${samples[*]} |"
}

# split NAME: S1 under `perf record -e cpu-clock` (every process of the
# server): CPU per call in the kernel (receive, send, wake-ups, context
# switches: the same work for any server) and in user space (the
# server's own), in µs. perf's sampling adds its own overhead to both.
split() {
    local name=$1 rec ok failed
    start_server "$name"
    perf record -q -F 10000 -e cpu-clock -p "$(pids_of "$server_pgid" | paste -sd,)" -o "$work/perf.data" \
        >/dev/null 2>&1 &
    rec=$!
    sleep 1
    read -r ok failed < <(run_calls "$RATE" "$CALLS")
    kill -INT "$rec"
    wait "$rec" || true
    stop_server
    perf report -i "$work/perf.data" --stdio --sort dso -F period,dso 2>/dev/null | awk -v n="$CALLS" -v name="$name" '
        /^#/ || NF < 2 { next }
        { t += $1; if ($2 == "[kernel.kallsyms]") k += $1 }
        END { printf "| %s | %d | %d | %d | %d%% |\n", name, t / n / 1000, k / n / 1000, (t - k) / n / 1000, 100 * k / t }'
}

# table FUNCTION TITLE HEADER: a Markdown table, one row per server
table() {
    local fn=$1 title=$2 header=$3 server
    echo "$title"
    echo
    echo "$header"
    echo "$header" | sed 's/[^|]\+/ --- /g'
    for server in ${SERVERS:-kamailio switchboard}; do
        "$fn" "$server"
    done
}

if [ -n "${SPLIT:-}" ]; then
    table split "S1 under perf: $CALLS calls at $RATE/s through $CFG; µs per call" \
        "| server | CPU | kernel | user | kernel share |"
    exit 0
fi

if [ -n "${SOAK:-}" ]; then
    table soak "Soak: REGISTERs at $RATE/s for $SOAK s through $CFG; PSS (MiB) every 60 s" \
        "| server | REGISTERs | PSS MiB, one sample a minute |"
    exit 0
fi

table measure "S1: $CALLS calls at $RATE/s; S2: $REGS REGISTERs at $RATE/s; S3 ladder: $LADDER calls/s for 5 s each" \
    "| server | S1 CPU-ms / 1000 calls | S1 calls | S1 peak PSS MiB | S2 CPU-ms / 1000 REGISTERs | S2 | S3 max calls/s (≥ 98% ok) | peak PSS MiB (whole run) |"
