#!/usr/bin/env bash
# make bench-subsonic: a release build of Based, a generated library of
# TRACKS tracks (100,000 unless given; a tenth as many artists and albums,
# bench-search's catalogue) written straight into SQLite and then into a
# throwaway PostgreSQL, and the Subsonic API measured with wrk on loopback:
# search3 and every getAlbumList2 type (p50/p95/p99), a full search3 sync
# (empty query, 500 a page), each next to its REST equivalent in the same run.
# See Benchmarks/subsonic/bench.py. Everything it starts is stopped at the end.
#   TRACKS=20000 SECONDS=3 scripts/bench-subsonic.sh
#   BENCH_BIN=/path/to/based  measure an existing release binary instead of building one
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
mkdir -p "$scratch/bench-subsonic"
export BENCH_BIN=$bin OUT=$(cd "$scratch/bench-subsonic" && pwd)/results.json
scripts/with-postgres.sh python3 Benchmarks/subsonic/bench.py
