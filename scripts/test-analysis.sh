#!/usr/bin/env bash
# The analysis accuracy suite (issue 4): renders the MIDI corpus with fluidsynth,
# analyses it with a release build, and compares against librosa, the tempo and
# key the MIDI files declare, and ffmpeg's ebur128, all computed in this run.
# Then pushes a 3-hour file through the whole path and checks memory stays flat.
# Needs no database; scripts/test.sh runs it once. Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
python=$(scripts/install-python-tools.sh | tail -n 1)
scripts/build-quietly.sh -c release --product BasedAnalysisBench
bench=$(swift build -c release --product BasedAnalysisBench --show-bin-path)/BasedAnalysisBench

work=.build/analysis-accuracy
corpus=$work/corpus
mkdir -p "$corpus"
echo "== rendering the MIDI corpus =="
python3 scripts/analysis/make_midi_corpus.py "$corpus" "${BASED_ANALYSIS_PIECES:-32}"

# The same music in other containers, layouts and rates, for the loudness comparison.
first=$(ls "$corpus"/piece00-*.wav)
second=$(ls "$corpus"/piece02-*.wav)
make_variant() {
    [ -s "$corpus/$1" ] || ffmpeg -nostdin -v error -y -i "$2" "${@:3}" "$corpus/$1"
}
make_variant loudness-stereo.mp3 "$first" -af volume=-9dB -b:a 192k
make_variant loudness-surround-5.1.wav "$second" -af "pan=5.1|FL=c0|FR=c1|FC=0.5*c0+0.5*c1|LFE=c0|BL=0.5*c0|BR=0.5*c1"
make_variant loudness-8k.wav "$first" -ar 8000
make_variant loudness-192k.flac "$second" -ar 192000

echo "== analysing =="
"$bench" analyze "$corpus"/*.wav "$corpus"/loudness-* > "$work/based.jsonl"

echo "== comparing with librosa, the MIDI declarations and ffmpeg ebur128 =="
status=0
"$python" scripts/analysis/compare_references.py "$work/based.jsonl" "$corpus/truth.json" \
    "${BASED_ANALYSIS_LIBROSA_FILES:-8}" "$work/accuracy.json" | tee "$work/accuracy.md" || status=1

echo "== a 3-hour file =="
long=$work/three-hours.flac
[ -s "$long" ] || ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=220:sample_rate=8000" \
    -f lavfi -i "anoisesrc=r=8000:a=0.02" -filter_complex amix=inputs=2 -t 10800 "$long"
"$bench" time "$long" | tee "$work/three-hours.json"
"$python" - "$work/three-hours.json" <<'PY' || status=1
import json, sys
t = json.load(open(sys.argv[1]))
ok = abs(t["durationSeconds"] - 10800) < 1 and t["peakMemoryMB"] < 400
print(f"3-hour file: {t['durationSeconds']:.0f} s analysed, peak memory {t['peakMemoryMB']:.0f} MB "
      f"(3 hours of 22,050 Hz float samples would be {10800 * 22050 * 4 / 2**20:.0f} MB)")
print("long file: " + ("1 passed, 0 failed" if ok else "0 passed, 1 failed"))
sys.exit(0 if ok else 1)
PY
if [ $status -eq 0 ]; then echo "analysis: 2 passed, 0 failed"; else echo "analysis: 0 passed, 1 failed"; fi
exit $status
