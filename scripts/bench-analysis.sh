#!/usr/bin/env bash
# make bench-analysis: times the release build of BasedAnalysis on 1-, 4- and
# 10-minute tracks next to librosa computing the same features on the same files
# in the same run, both pinned to one core (taskset) with one BLAS/OpenMP thread.
# Prints a table and writes .build/bench-analysis/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
python=$(scripts/install-python-tools.sh | tail -n 1)
scripts/build-quietly.sh -c release --product BasedAnalysisBench
bench=$(swift build -c release --product BasedAnalysisBench --show-bin-path)/BasedAnalysisBench
work=.build/bench-analysis
corpus=.build/analysis-accuracy/corpus
mkdir -p "$work"
python3 scripts/analysis/make_midi_corpus.py "$corpus" 32

# Tracks of the wanted lengths: the rendered pieces back to back, as 16-bit stereo FLAC.
ls "$corpus"/piece*.wav | while read -r f; do echo "file '$(realpath "$f")'"; done > "$work/concat.txt"
for minutes in 1 4 10; do
    track=$work/track-${minutes}min.flac
    [ -s "$track" ] || ffmpeg -nostdin -v error -y -stream_loop -1 -f concat -safe 0 -i "$work/concat.txt" \
        -t $((minutes * 60)) -ac 2 -ar 44100 -sample_fmt s16 "$track"
done

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
pin="taskset -c 0"
command -v taskset >/dev/null 2>&1 || pin=""
runs=${BASED_BENCH_RUNS:-3}
: > "$work/runs.jsonl"
for minutes in 1 4 10; do
    track=$work/track-${minutes}min.flac
    # librosa's first call in a process compiles numba kernels; warm its cache once.
    [ "$minutes" = 1 ] && $pin "$python" scripts/analysis/bench_librosa.py "$track" >/dev/null
    for run in $(seq "$runs"); do
        echo "{\"tool\":\"based\",\"minutes\":$minutes,\"result\":$($pin "$bench" time "$track")}" >> "$work/runs.jsonl"
        echo "{\"tool\":\"librosa\",\"minutes\":$minutes,\"result\":$($pin "$python" scripts/analysis/bench_librosa.py "$track")}" >> "$work/runs.jsonl"
    done
done

python3 - "$work/runs.jsonl" "$work/results.json" <<'PY'
import json, statistics, sys, platform, os
runs = [json.loads(l) for l in open(sys.argv[1])]
rows = []
# Wall time is the target; CPU time is printed too because it moves less when
# other work shares the machine (both tools are pinned to the same core).
print("\n| track | Based wall (s) | Based CPU incl. decoding (s) | Based peak RSS (MB) | librosa wall (s) | librosa CPU (s) | librosa peak RSS (MB) | librosa / Based (wall) | (CPU) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for minutes in (1, 4, 10):
    ours = [r["result"] for r in runs if r["tool"] == "based" and r["minutes"] == minutes]
    theirs = [r["result"] for r in runs if r["tool"] == "librosa" and r["minutes"] == minutes]
    ow = statistics.median(r["wallSeconds"] for r in ours)
    oc = statistics.median(r["cpuSeconds"] + r["ffmpegCpuSeconds"] for r in ours)
    om = max(r["peakMemoryMB"] for r in ours)
    tw = statistics.median(r["wallSeconds"] for r in theirs)
    tc = statistics.median(r["cpuSeconds"] for r in theirs)
    tm = max(r["peakMemoryMB"] for r in theirs)
    rows.append({"minutes": minutes, "based_wall_s": ow, "based_cpu_s": oc, "based_peak_mb": om,
                 "librosa_wall_s": tw, "librosa_cpu_s": tc, "librosa_peak_mb": tm, "speedup": tw / ow,
                 "cpu_speedup": tc / oc, "runs": len(ours)})
    print(f"| {minutes} min | {ow:.3f} | {oc:.3f} | {om:.0f} | {tw:.3f} | {tc:.3f} | {tm:.0f} | {tw / ow:.1f}× | {tc / oc:.1f}× |")
json.dump({"machine": platform.platform(), "cpus": os.cpu_count(), "pinned_to_one_core": True, "rows": rows},
          open(sys.argv[2], "w"), indent=1)
print(f"\nmedian of {rows[0]['runs']} runs each, pinned to one core; JSON in {sys.argv[2]}")
PY
