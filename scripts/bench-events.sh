#!/usr/bin/env bash
# make bench-events: a release build of Based, then on SQLite and a throwaway
# PostgreSQL: 1,000 listeners rushing a tier of 100, the door (check-in and a
# second scan), and nearby shows over 100,000 events next to the naive scan.
# See Benchmarks/events/bench.py. Exits non-zero when the rush oversells,
# undersells or loses a waitlist entry. Everything it starts is stopped.
#   USERS=1000 CAPACITY=100 EVENTS=100000 VENUES=10000 scripts/bench-events.sh
#   BENCH_BIN=/path/to/based  measure an existing release binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scratch=${BENCH_SCRATCH:-.build}
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    swift build -c release --product based --scratch-path "$scratch"
    bin=$PWD/$scratch/release/based
fi
mkdir -p "$scratch/bench-events"
export BENCH_BIN=$bin OUT=$(cd "$scratch/bench-events" && pwd)/results.json
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
scripts/with-postgres.sh python3 Benchmarks/events/bench.py
