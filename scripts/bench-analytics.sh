#!/usr/bin/env bash
# make bench-analytics: artists' dashboards with PLAYS stored plays
# (10,000,000 unless given) on a release build, next to the naive GROUP BY
# over raw plays; the rollup's speed and lag. See Benchmarks/analytics/bench.py.
# Everything it starts is stopped at the end.
#   PLAYS=1000000 SECONDS=5 scripts/bench-analytics.sh
#   BENCH_BIN=/path/to/based  measure an existing release binary instead of building one
#   REUSE=1  keep the last run's database (same sizes) and measure the dashboards again
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
scripts/install-deps.sh
scratch=${BENCH_SCRATCH:-.build}
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    swift build -c release --product based --scratch-path "$scratch"
    bin=$PWD/$scratch/release/based
fi
work="$scratch/bench-analytics"
[ "${REUSE:-0}" = 1 ] || rm -rf "$work"
mkdir -p "$work"
export BENCH_BIN=$bin WORK=$(cd "$work" && pwd)
export OUT=$WORK/results.json
python3 Benchmarks/analytics/bench.py
