#!/usr/bin/env bash
# make bench-ann: Based's HNSW index (BasedDiscovery, release build) against
# hnswlib (PyPI) on the same N vectors of 64 dimensions, both single-threaded
# with M=16 and ef_construction=200, pinned to one core: build time, memory
# per vector, and recall@10 and queries/s for ef in 10…160 against the exact
# ground truth of 1,000 queries. See Benchmarks/ann/bench.py.
#   N=100000 scripts/bench-ann.sh            (default 1,000,000)
#   DATA=uniform                             isotropic noise instead of the Gaussian mixture
#   BENCH_SCRATCH=.build-x                   build folder (default .build); data and JSON go under it
#   BENCH_BUILD_JOBS=1                       swift build -j
#   PIN_CPU=                                 do not pin to a core (default core 0)
#   ROUNDS=2                                 alternating query rounds per ef (3 passes each)
#   KEEP_INDEXES=1                           keep both saved indexes (hundreds of MB at 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-1000000}
distribution=${DATA:-clustered}
scratch=${BENCH_SCRATCH:-.build}
work=$scratch/bench-ann
data=$work/$distribution-$n

# hnswlib beside librosa in the project's venv, installed once (as scripts/install-python-tools.sh does).
venv=${BASED_PYTHON_VENV:-$HOME/.cache/based/python-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
if ! "$venv/bin/python" -c "import hnswlib, numpy" >/dev/null 2>&1; then
    echo "bench-ann: installing hnswlib into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check hnswlib numpy >&2
fi
python=$venv/bin/python

mkdir -p "$work"
if ! swift build -c release --product BasedDiscoveryBench --scratch-path "$scratch" ${BENCH_BUILD_JOBS:+-j "$BENCH_BUILD_JOBS"} >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || tail -n 20 "$work/build.log" >&2
    echo "bench-ann: the build failed (log: $work/build.log)" >&2
    exit 1
fi
grep -E "warning: .*(Sources|Benchmarks)/" "$work/build.log" >&2 || true
bench=$(swift build -c release --product BasedDiscoveryBench --scratch-path "$scratch" --show-bin-path)/BasedDiscoveryBench

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
pin=""
if [ -n "${PIN_CPU-0}" ] && command -v taskset >/dev/null 2>&1; then pin="taskset -c ${PIN_CPU-0}"; fi

if [ ! -s "$data/meta.json" ]; then
    "$python" Benchmarks/ann/bench.py generate "$data" --n "$n" --distribution "$distribution"
fi
[ -s "$data/truth.i32" ] || $pin "$bench" truth "$data"

# Builds one after the other; each saves its index for the query runs.
$pin "$bench" build "$data" --index "$work/based.index" > "$work/builds.jsonl"
$pin "$python" Benchmarks/ann/bench.py hnswlib-build "$data" --index "$work/hnswlib.index" >> "$work/builds.jsonl"

# Query runs alternate between the tools, ROUNDS times per ef.
: > "$work/queries.jsonl"
for round in $(seq "${ROUNDS:-2}"); do
    for ef in 10 20 40 80 160; do
        $pin "$bench" query "$data" --index "$work/based.index" --ef "$ef" --runs 3 >> "$work/queries.jsonl"
        $pin "$python" Benchmarks/ann/bench.py hnswlib-query "$data" --index "$work/hnswlib.index" --ef "$ef" --runs 3 >> "$work/queries.jsonl"
    done
done
"$python" Benchmarks/ann/bench.py report "$work/builds.jsonl" "$work/queries.jsonl" "$work/results-$distribution-$n.json" --meta "$data/meta.json"
[ -n "${KEEP_INDEXES:-}" ] || rm -f "$work/based.index" "$work/hnswlib.index"
