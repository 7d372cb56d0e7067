#!/usr/bin/env python3
"""Compares Based's analysis (JSON lines from `BasedAnalysisBench analyze`) with
references nobody in this project wrote, computed here in the same run:
librosa's features on the same files, the tempo and key the MIDI files declare,
and ffmpeg's ebur128 filter. Prints Markdown tables, writes JSON, and exits 1
when a threshold of issue 4 is missed.

Usage: compare_references.py SWIFT_JSONL TRUTH_JSON LIBROSA_COUNT OUT_JSON
"""
import json
import os
import re
import subprocess
import sys

import librosa
import numpy as np

PITCH_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def librosa_features(path):
    y, sr = librosa.load(path, sr=22050, mono=True)  # soxr_hq, channel mean
    return {
        "centroid": float(np.mean(librosa.feature.spectral_centroid(y=y, sr=sr))),
        "bandwidth": float(np.mean(librosa.feature.spectral_bandwidth(y=y, sr=sr))),
        "rolloff": float(np.mean(librosa.feature.spectral_rolloff(y=y, sr=sr, roll_percent=0.85))),
        "rms": float(np.mean(librosa.feature.rms(y=y))),
        "zcr": float(np.mean(librosa.feature.zero_crossing_rate(y))),
        "mfcc": np.mean(librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20), axis=1).tolist(),
        "chroma": np.mean(librosa.feature.chroma_stft(y=y, sr=sr), axis=1).tolist(),
        "onset": float(np.mean(librosa.onset.onset_strength(y=y, sr=sr))),
    }


def ebur128(path):
    out = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    summary = out[out.rfind("Summary:"):]
    def grab(label):
        m = re.search(label + r":\s+(-?[\d.]+|-inf)", summary)
        return float(m.group(1)) if m and m.group(1) != "-inf" else None
    return {"I": grab("I"), "LRA": grab("LRA"), "peak": grab("Peak")}


def mirex(ref_tonic, ref_mode, est_tonic, est_mode):
    """mir_eval's weighted key score (MIREX): exact 1, fifth 0.5, relative 0.3, parallel 0.2."""
    if est_tonic is None:
        return 0.0
    if ref_tonic == est_tonic and ref_mode == est_mode:
        return 1.0
    if ref_mode == est_mode and (est_tonic - ref_tonic) % 12 == 7:
        return 0.5
    if ref_mode == "major" and est_mode == "minor" and (est_tonic - ref_tonic) % 12 == 9:
        return 0.3
    if ref_mode == "minor" and est_mode == "major" and (est_tonic - ref_tonic) % 12 == 3:
        return 0.3
    if ref_tonic == est_tonic:
        return 0.2
    return 0.0


def main():
    swift_path, truth_path, librosa_count, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ours = {}
    for line in open(swift_path):
        row = json.loads(line)
        if row.get("analysis"):
            ours[os.path.abspath(row["file"])] = row["analysis"]
    truth = json.load(open(truth_path))
    failures = []
    report = {"librosa": [], "pieces": [], "loudness": []}

    # (a) librosa on the same files.
    print(f"\n### Features against librosa {librosa.__version__} (means over the track)\n")
    print("| file | centroid | bandwidth | roll-off | RMS | ZCR | max MFCC 1–12 Δ (dB) | chroma r |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for entry in truth[:librosa_count]:
        a = ours.get(os.path.abspath(entry["file"]))
        if a is None:
            failures.append(f"no analysis for {entry['file']}")
            continue
        ref = librosa_features(entry["file"])
        f = a["features"]
        row = {"file": entry["file"]}
        cells = []
        for name, key in [("centroid", "centroid"), ("bandwidth", "bandwidth"), ("rolloff", "rolloff"),
                          ("rms", "rms"), ("zcr", "zeroCrossingRate")]:
            rel = (f[key]["mean"] - ref[name]) / ref[name] if ref[name] else 0.0
            row[name] = {"based": f[key]["mean"], "librosa": ref[name], "relative": rel}
            cells.append(f"{rel * 100:+.2f} %")
            if abs(rel) > 0.02:
                failures.append(f"{name} off by {rel * 100:.2f} % on {entry['file']}")
        mfcc_delta = [f["mfcc"][k]["mean"] - ref["mfcc"][k] for k in range(20)]
        worst = max(abs(d) for d in mfcc_delta[1:13])
        row["mfcc_delta"] = mfcc_delta
        if worst > 1.0:
            failures.append(f"MFCC mean off by {worst:.2f} dB on {entry['file']}")
        chroma = [c["mean"] for c in f["chroma"]]
        r = float(np.corrcoef(chroma, ref["chroma"])[0, 1])
        row["chroma_r"] = r
        if r < 0.95:
            failures.append(f"chroma correlation {r:.3f} on {entry['file']}")
        print(f"| {entry['file'].split('/')[-1]} | " + " | ".join(cells) + f" | {worst:.2f} | {r:.4f} |")
        report["librosa"].append(row)

    # (b) tempo and key against what the MIDI files declare.
    print("\n### Tempo and key against the MIDI files' declarations\n")
    print("| piece | declared | Based BPM | tempo | declared key | Based key | MIREX |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    exact = octave = 0
    key_scores = []
    for entry in truth:
        a = ours.get(os.path.abspath(entry["file"]))
        bpm = a["tempo"]["bpm"] if a else None
        verdict = "miss"
        if bpm:
            ratio = bpm / entry["bpm"]
            if abs(ratio - 1) <= 0.04:
                verdict, exact = "ok", exact + 1
            elif any(abs(ratio / m - 1) <= 0.04 for m in (2, 0.5, 3, 1 / 3)):
                verdict, octave = "octave", octave + 1
        est_tonic = a["key"].get("pitchClass") if a else None
        est_mode = a["key"].get("mode") if a else None
        score = mirex(entry["tonic"], entry["mode"], est_tonic, est_mode)
        key_scores.append(score)
        est_name = a["key"].get("name") if a else None
        print(f"| {entry['file'].split('/')[-1].removesuffix('.wav')} | {entry['bpm']} | "
              f"{bpm:.1f} | {verdict} | {entry['key']} | {est_name} | {score} |" if bpm else
              f"| {entry['file'].split('/')[-1]} | {entry['bpm']} | – | miss | {entry['key']} | {est_name} | {score} |")
        report["pieces"].append({"file": entry["file"], "declared_bpm": entry["bpm"], "bpm": bpm, "tempo": verdict,
                                 "declared_key": entry["key"], "key": est_name, "mirex": score})
    n = len(truth)
    tempo_accuracy = exact / n
    key_score = sum(key_scores) / n
    print(f"\n{n} pieces: tempo within 4 %: {exact}/{n} = {tempo_accuracy:.1%}; octave errors: {octave}; "
          f"MIREX weighted key score: {key_score:.3f}")
    report.update({"pieces_count": n, "tempo_accuracy": tempo_accuracy, "octave_errors": octave,
                   "mirex_key_score": key_score})
    if n < 30:
        failures.append(f"only {n} pieces")
    if tempo_accuracy < 0.90:
        failures.append(f"tempo accuracy {tempo_accuracy:.1%} < 90 %")
    if key_score < 0.85:
        failures.append(f"MIREX key score {key_score:.3f} < 0.85")

    # Loudness against ffmpeg's ebur128 filter.
    print("\n### Loudness against ffmpeg's ebur128 filter\n")
    print("| file | ffmpeg I | Based I | ffmpeg LRA | Based LRA | ffmpeg true peak | Based true peak |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path, a in ours.items():
        if not any(path == os.path.abspath(e["file"]) for e in truth[:librosa_count]) and "loudness" not in path:
            continue
        ref = ebur128(path)
        l = a["loudness"]
        tp = l["truePeakDBTP"]
        print(f"| {path.split('/')[-1]} | {ref['I']} | {l['integratedLUFS']:.2f} | {ref['LRA']} | {l['rangeLU']:.2f} | "
              f"{ref['peak']} | {tp if tp is None else round(tp, 2)} |")
        report["loudness"].append({"file": path, "ffmpeg": ref, "based": l})
        if ref["I"] is not None and abs(ref["I"] - l["integratedLUFS"]) > 0.5:
            failures.append(f"integrated loudness {l['integratedLUFS']:.2f} vs ffmpeg {ref['I']} on {path}")
        if ref["LRA"] is not None and abs(ref["LRA"] - l["rangeLU"]) > 1.0:
            failures.append(f"loudness range {l['rangeLU']:.2f} vs ffmpeg {ref['LRA']} on {path}")

    report["failures"] = failures
    json.dump(report, open(out_path, "w"), indent=1)
    print()
    for failure in failures:
        print("FAIL:", failure)
    passed = not failures
    print(f"analysis accuracy: {'1 passed, 0 failed' if passed else '0 passed, 1 failed'}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
