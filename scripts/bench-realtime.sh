#!/usr/bin/env bash
# make bench-realtime: a release build of Based on SQLite and the realtime load
# generator (Benchmarks/RealtimeBench) on loopback. Measures sockets held,
# server memory per socket, direct-message latency at a steady rate and room
# fan-out latency, next to the targets of issue 5 point 10; then the burst
# phase: BURST_CONVERSATIONS group conversations of BURST_MEMBERS members
# whose sockets all send into them at once, BURST_MESSAGES per conversation,
# every socket checked to receive every seq of its conversation once and in
# order (BURST_CONVERSATIONS=0 skips it). Everything it starts is stopped at
# the end. Results: $SCRATCH/bench-realtime/results.json.
# Then the same room fan-out against realtime-reference, a bare SwiftNIO
# broadcast server (no accounts, no database): the floor on these cores.
# Results: $SCRATCH/bench-realtime/reference.json (REFERENCE=0 skips it).
# SCRATCH is the server's build directory (swift build --scratch-path), .build
# unless given.
#   CLIENTS=2000 RATE=500 ROOM=1000 scripts/bench-realtime.sh [more realtime-bench options]
#   SCRATCH=.build-bench BURST_CONVERSATIONS=20 BURST_MEMBERS=8 BURST_MESSAGES=2000 scripts/bench-realtime.sh
#   BENCH_BIN=/path/to/based scripts/bench-realtime.sh   (measure an existing release binary)
# Exits non-zero when the burst phase counts a message lost, duplicated or out
# of order on any socket (or could not run), when the harness fails, or when
# the server exits during the run; never because a latency target was missed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scratch=${SCRATCH:-.build}
if [ -n "${BENCH_BIN:-}" ]; then
    # An existing release binary (make bench-stream takes the same).
    mkdir -p "$scratch"
    scratch=$(cd "$scratch" && pwd)
    bin=$BENCH_BIN
else
    swift build -c release --scratch-path "$scratch" --product based
    scratch=$(cd "$scratch" && pwd)
    bin=$scratch/release/based
fi
(
    cd Benchmarks/RealtimeBench
    swift build -c release --product realtime-bench
    if [ "${REFERENCE:-1}" = 1 ]; then swift build -c release --product realtime-reference; fi
)
bench=$PWD/Benchmarks/RealtimeBench/.build/release/realtime-bench
reference=$PWD/Benchmarks/RealtimeBench/.build/release/realtime-reference

work=$(mktemp -d /tmp/based-bench-realtime.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
pid=""
# Stops a server; a graceful stop closes every socket first, so give it a
# minute: a run never overlaps the shutdown of the one before.
stop() {
    if [ -n "$1" ] && kill "$1" 2>/dev/null; then
        for _ in $(seq 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}
ref_pid=""
cleanup() {
    stop "$pid"
    stop "$ref_pid"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
# 10,000 sockets on each side of loopback; root may raise the hard limit, anyone the soft one.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# bcrypt at its cheapest and rate limits out of the way: registering thousands
# of users is set-up here, not what is measured. Tokens outlive the run.
export BASED_DATA_DIR=$work/data
export BASED_BCRYPT_COST=4 BASED_RATE_LIMIT=100000000 BASED_AUTH_RATE_LIMIT=100000000 BASED_MESSAGE_FLOOD=0
export BASED_ACCESS_TOKEN_SECONDS=7200 BASED_WORKERS=0 BASED_LOG_LEVEL=error
"$bin" migrate >/dev/null
BASED_PORT=$port "$bin" serve > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "bench-realtime: the server did not start"; cat "$work/server.log"; exit 1; }

results=$scratch/bench-realtime
mkdir -p "$results"
status=0
"$bench" --url "http://127.0.0.1:$port" --server-pid "$pid" \
    --clients "${CLIENTS:-10000}" --rate "${RATE:-1000}" --room "${ROOM:-5000}" \
    --burst-conversations "${BURST_CONVERSATIONS:-10}" --burst-members "${BURST_MEMBERS:-8}" --burst-messages "${BURST_MESSAGES:-2000}" \
    --json "$results/results.json" "$@" || status=$?
if ! kill -0 "$pid" 2>/dev/null; then
    echo "bench-realtime: the server exited during the run; its log:"
    tail -n 50 "$work/server.log"
    status=1
fi
stop "$pid"
pid=""

if [ "${REFERENCE:-1}" = 1 ] && [ "${ROOM:-5000}" -gt 0 ]; then
    echo
    echo "reference: the same room fan-out against a bare SwiftNIO broadcast server"
    ref_port=$(free_port)
    "$reference" "$ref_port" > "$work/reference.log" 2>&1 &
    ref_pid=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ref_port") 2>/dev/null && break; sleep 0.1; done
    "$bench" --reference --url "http://127.0.0.1:$ref_port" --server-pid "$ref_pid" \
        --clients "$(( ${ROOM:-5000} + 1 ))" --room "${ROOM:-5000}" \
        --json "$results/reference.json" "$@" || status=$?
fi
exit "$status"
