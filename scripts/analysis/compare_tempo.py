#!/usr/bin/env python3
"""Scores tempo estimates against the tempo the MIDI files declare, for Based
(JSON lines from `BasedAnalysisBench analyze`) and librosa's `beat_track` on the
same files, computed here (and kept next to the corpus, per librosa version).

Acc1: within 4 % of the declared tempo. Acc2: within 4 % of the declared tempo
times 1, 2, 1/2, 3 or 1/3. An octave error is a miss that Acc2 forgives.
Prints a Markdown table and the misses, writes JSON.

Usage: compare_tempo.py OUT_JSON NAME:CORPUS_DIR:BASED_JSONL…
"""
import json
import os
import sys

import librosa
import numpy as np

FACTORS = (2, 0.5, 3, 1 / 3)


def librosa_tempos(corpus, truth):
    """librosa's beat_track tempo per file, cached in CORPUS/librosa-tempo.json."""
    cache_path = os.path.join(corpus, "librosa-tempo.json")
    cache = {}
    if os.path.exists(cache_path):
        cache = json.load(open(cache_path))
        if cache.get("version") != librosa.__version__:
            cache = {}
    tempos = cache.setdefault("tempos", {})
    for entry in truth:
        name = os.path.basename(entry["file"])
        if name not in tempos:
            y, sr = librosa.load(entry["file"], sr=22050, mono=True)
            onset = librosa.onset.onset_strength(y=y, sr=sr)
            tempo, _ = librosa.beat.beat_track(onset_envelope=onset, sr=sr)
            tempos[name] = float(np.atleast_1d(tempo)[0])
    cache["version"] = librosa.__version__
    json.dump(cache, open(cache_path, "w"), indent=1)
    return tempos


def verdict(bpm, declared):
    if not bpm:
        return "miss"
    ratio = bpm / declared
    if abs(ratio - 1) <= 0.04:
        return "ok"
    if any(abs(ratio / f - 1) <= 0.04 for f in FACTORS):
        return "octave"
    return "miss"


def score(estimates, truth):
    counts = {"ok": 0, "octave": 0, "miss": 0}
    pieces = []
    for entry in truth:
        bpm = estimates.get(os.path.basename(entry["file"]))
        v = verdict(bpm, entry["bpm"])
        counts[v] += 1
        pieces.append({"file": os.path.basename(entry["file"]), "declared": entry["bpm"], "bpm": bpm, "verdict": v})
    n = len(truth)
    return {"pieces": n, "acc1": counts["ok"] / n, "acc2": (counts["ok"] + counts["octave"]) / n,
            "octave_errors": counts["octave"], "other_misses": counts["miss"], "per_piece": pieces}


def main():
    out_path = sys.argv[1]
    report = {"librosa": librosa.__version__, "corpora": {}}
    rows = []
    for spec in sys.argv[2:]:
        name, corpus, based_path = spec.split(":")
        truth = json.load(open(os.path.join(corpus, "truth.json")))
        based = {}
        for line in open(based_path):
            row = json.loads(line)
            if row.get("analysis"):
                based[os.path.basename(row["file"])] = row["analysis"]["tempo"]["bpm"]
        results = {"Based": score(based, truth), f"librosa {librosa.__version__} beat_track":
                   score(librosa_tempos(corpus, truth), truth)}
        report["corpora"][name] = results
        for tool, r in results.items():
            rows.append((name, tool, r))

    print("\n| corpus | pieces | tool | Acc1 (±4 %) | Acc2 (×1, 2, ½, 3, ⅓) | octave errors | other misses |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, tool, r in rows:
        print(f"| {name} | {r['pieces']} | {tool} | {r['acc1']:.3f} | {r['acc2']:.3f} | "
              f"{r['octave_errors']} | {r['other_misses']} |")
    print()
    for name, tool, r in rows:
        misses = [p for p in r["per_piece"] if p["verdict"] != "ok"]
        listed = ", ".join(f"{p['file'].split('-')[0]} {p['declared']}→{p['bpm']:.1f}" if p["bpm"] else
                           f"{p['file'].split('-')[0]} {p['declared']}→–" for p in misses)
        print(f"{name}, {tool} misses: {listed or 'none'}")
    json.dump(report, open(out_path, "w"), indent=1)
    print(f"\nJSON in {out_path}")


if __name__ == "__main__":
    main()
