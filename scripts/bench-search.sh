#!/usr/bin/env bash
# make bench-search: a release build of Based, a generated catalogue of
# TRACKS tracks (1,000,000 unless given; a tenth as many artists and
# releases) written straight into SQLite and then into a throwaway
# PostgreSQL, and search, suggestions and a 10,000-track playlist measured
# with wrk on loopback next to the naive LIKE '%q%' over the same tables.
# See Benchmarks/search/bench.py. Everything it starts is stopped at the end.
#   TRACKS=100000 SECONDS=5 scripts/bench-search.sh
#   BENCH_BIN=/path/to/based  measure an existing release binary instead of building one
#   DATABASES=sqlite  only SQLite;  DATABASES=none  only the index alone;  KEEP_WORK=1  keep the generated files
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
swift build -c release --product BasedSearchBench --scratch-path "$scratch"
export INDEX_BIN=$PWD/$scratch/release/BasedSearchBench
mkdir -p "$scratch/bench-search"
export BENCH_BIN=$bin OUT=$(cd "$scratch/bench-search" && pwd)/results.json
scripts/with-postgres.sh python3 Benchmarks/search/bench.py
