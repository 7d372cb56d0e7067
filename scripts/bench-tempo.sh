#!/usr/bin/env bash
# make bench-tempo: tempo accuracy against the tempo MIDI files declare, Based's
# release build next to librosa's beat_track on the same files. Two corpora
# rendered with fluidsynth, 60–180 BPM: "tuning" (make_midi_corpus.py's own seed
# and programs), on which the tempo estimator's octave decision was tuned, and
# "evaluation" (another seed, other General MIDI programs), which it never saw.
# Prints a table (Acc1, Acc2, octave errors) and writes .build/bench-tempo/tempo.json.
# PIECES= to change the size of each corpus; BASED_SCRATCH_PATH= to build elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
python=$(scripts/install-python-tools.sh | tail -n 1)
scratch=${BASED_SCRATCH_PATH:-.build}
scripts/build-quietly.sh -c release --product BasedAnalysisBench --scratch-path "$scratch"
bench=$(swift build -c release --product BasedAnalysisBench --scratch-path "$scratch" --show-bin-path)/BasedAnalysisBench

work=.build/bench-tempo
pieces=${PIECES:-48}
mkdir -p "$work"
echo "== rendering the corpora ($pieces pieces each) =="
python3 scripts/analysis/make_midi_corpus.py "$work/tuning" "$pieces" --tempo 60-180
python3 scripts/analysis/make_midi_corpus.py "$work/evaluation" "$pieces" --seed 2026 --programs other --tempo 60-180

echo "== analysing =="
specs=()
for corpus in tuning evaluation; do
    "$bench" analyze "$work/$corpus"/piece*.wav > "$work/$corpus/based.jsonl"
    specs+=("$corpus:$work/$corpus:$work/$corpus/based.jsonl")
done

echo "== scoring, with librosa's beat_track on the same files =="
"$python" scripts/analysis/compare_tempo.py "$work/tempo.json" "${specs[@]}" | tee "$work/tempo.md"
