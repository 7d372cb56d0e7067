#!/usr/bin/env bash
# make bench-fingerprint: Based's landmark fingerprints (BasedAnalysis, release build)
# over a catalogue of N tracks rendered from generated MIDI, queried with 5 s clips at
# random offsets under MP3, a lower rate, white and pink noise at 10 and 0 dB SNR,
# ±2 % speed and tempo, and a phone in a room; plus clips of OUTSIDERS tracks not in the
# catalogue (which must not match) and whole noisy re-uploads. Chromaprint's fpcalc
# answers the same files as the reference. Prints tables and writes
# SCRATCH/bench-fingerprint/results.json. See scripts/fingerprint/*.py.
#   N=100 scripts/bench-fingerprint.sh      (default 1,000 catalogue tracks)
#   OUTSIDERS=200 QUERIES=200 WHOLE=50      outsider tracks, clips per condition, whole files each way
#   SIZES=250,500,1000                      catalogue sizes the query time is measured at
#   BENCH_SCRATCH=.build-x                  build folder (default .build); the corpus is cached under it
#   BENCH_BUILD_JOBS=1                      swift build -j; RENDER_JOBS=2 fluidsynth and fpcalc processes
#   PIN_CPU=                                do not pin the Swift bench to a core (default core 0)
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-1000}
outsiders=${OUTSIDERS:-200}
queries=${QUERIES:-200}
whole=${WHOLE:-50}
sizes=${SIZES:-$((n / 4)),$((n / 2)),$n}
scratch=${BENCH_SCRATCH:-.build}
jobs=${RENDER_JOBS:-2}
work=$scratch/bench-fingerprint
run=$work/n$n

scripts/install-deps.sh
# Chromaprint's command-line tool, the reference, from Debian's packages.
if ! command -v fpcalc >/dev/null 2>&1; then
    echo "bench-fingerprint: installing libchromaprint-tools (fpcalc)" >&2
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libchromaprint-tools >/dev/null
fi
# numpy (noise, Chromaprint's comparisons) in the project's venv, as scripts/install-python-tools.sh makes it.
venv=${BASED_PYTHON_VENV:-$HOME/.cache/based/python-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
if ! "$venv/bin/python" -c "import numpy; numpy.bitwise_count" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "numpy>=2" >&2
fi
python=$venv/bin/python

mkdir -p "$run"
if ! swift build -c release --product BasedFingerprintBench --scratch-path "$scratch" ${BENCH_BUILD_JOBS:+-j "$BENCH_BUILD_JOBS"} >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || tail -n 20 "$work/build.log" >&2
    echo "bench-fingerprint: the build failed (log: $work/build.log)" >&2
    exit 1
fi
grep -E "warning: .*(Sources|Benchmarks)/" "$work/build.log" >&2 || true
bench=$(swift build -c release --product BasedFingerprintBench --scratch-path "$scratch" --show-bin-path)/BasedFingerprintBench

echo "bench-fingerprint: rendering $((n + outsiders)) tracks (cached in $work/tracks-v2)" >&2
python3 scripts/fingerprint/make_corpus.py "$work/tracks-v2" $((n + outsiders)) "$jobs"
echo "bench-fingerprint: cutting and degrading the queries" >&2
"$python" scripts/fingerprint/make_queries.py "$work/tracks-v2" "$run" "$n" "$outsiders" "$queries" "$whole" "$sizes" "$jobs"

pin=""
if [ -n "${PIN_CPU-0}" ] && command -v taskset >/dev/null 2>&1; then pin="taskset -c ${PIN_CPU-0}"; fi
echo "bench-fingerprint: Based" >&2
$pin "$bench" "$run/manifest.json" "$run/based.json"
echo "bench-fingerprint: Chromaprint (fpcalc)" >&2
"$python" scripts/fingerprint/chromaprint.py "$run/manifest.json" "$work/fpcalc" "$run/chromaprint.json" "$jobs"
"$python" scripts/fingerprint/report.py "$run/based.json" "$run/chromaprint.json" "$work/results.json"
