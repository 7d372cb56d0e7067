#!/usr/bin/env bash
# make bench-recs: Home and radio of a release build of Based over a generated
# catalogue of TRACKS tracks (100,000 unless given), each with a stored
# analysis, and USERS listeners (10,000) with 40 plays each, written straight
# into SQLite; GET /me/home with wrk and POST /radio/{id}/next from Python on
# loopback, next to the exact top-150 by numpy over the same embeddings. See
# Benchmarks/recs/bench.py. Everything it starts is stopped at the end.
#   TRACKS=20000 USERS=2000 SECONDS=5 scripts/bench-recs.sh
#   BENCH_BIN=/path/to/based  measure an existing release binary instead of building one
#   KEEP_WORK=1               keep the generated database (about 600 MB at 100,000 tracks)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
scripts/install-deps.sh
venv=${BASED_PYTHON_VENV:-$HOME/.cache/based/python-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
"$venv/bin/python" -c "import numpy" >/dev/null 2>&1 || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check numpy >&2
scratch=${BENCH_SCRATCH:-.build}
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    scripts/build-quietly.sh -c release --product based --scratch-path "$scratch"
    bin=$PWD/$scratch/release/based
fi
mkdir -p "$scratch/bench-recs"
export BENCH_BIN=$bin OUT=$(cd "$scratch/bench-recs" && pwd)/results.json
"$venv/bin/python" Benchmarks/recs/bench.py
