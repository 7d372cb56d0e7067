#!/usr/bin/env python3
"""Prints `make bench-fingerprint`'s tables from the Swift bench's results and
Chromaprint's answers, and writes both, summarised, to one JSON.

Based identifies a clip when its best match is the right track and confident.
Chromaprint has no confidence of its own for a clip, so it is given the most
favourable one there is: the lowest bit error rate any outsider clip reached (so it,
too, makes no false match on them); its best guess, right or wrong, is shown beside.

Usage: report.py BASED.json CHROMAPRINT.json OUT.json
"""
import json
import platform
import os
import statistics
import sys

CONDITIONS = ["mp3", "lowrate", "white+10dB", "white+0dB", "pink+10dB", "pink+0dB",
              "speed+2%", "speed-2%", "tempo+2%", "tempo-2%", "phone-room"]


def pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(len(values) * p + 0.999999) - 1))] if values else 0.0


def main():
    based_path, chroma_path, out = sys.argv[1:4]
    with open(based_path) as f:
        based = json.load(f)
    with open(chroma_path) as f:
        chroma = json.load(f)
    full = based["runs"][-1]
    answers = full["answers"]
    theirs = {a["file"]: a for a in chroma["answers"]}
    outsider_rates = [a["bitErrorRate"] for a in chroma["answers"] if a["truth"] < 0]
    chroma_threshold = min(outsider_rates) if outsider_rates else 0.0

    rows = []
    print(f"\n{full['tracks']} catalogue tracks; clips of 5 s at random offsets\n")
    print("| condition | clips | Based top-1 (confident) | Based best guess | offset within 0.1 s | Based false matches on outsiders | "
          "Chromaprint top-1 (at zero false matches) | Chromaprint best guess |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for condition in CONDITIONS:
        positives = [a for a in answers if a["condition"] == condition and a["truth"] >= 0]
        negatives = [a for a in answers if a["condition"] == condition and a["truth"] < 0]
        if not positives and not negatives:
            continue
        confident = sum(a["confident"] and a["found"] == a["truth"] for a in positives)
        guessed = sum(a["found"] == a["truth"] for a in positives)
        aligned = sum(a["found"] == a["truth"] and abs(a["offset"] - a["truthOffset"]) <= 0.1 for a in positives)
        false = sum(a["confident"] for a in negatives)
        ref = [theirs[a["file"]] for a in positives if a["file"] in theirs]
        ref_top = sum(r["found"] == r["truth"] and r["bitErrorRate"] < chroma_threshold for r in ref)
        ref_guess = sum(r["found"] == r["truth"] for r in ref)
        row = {"condition": condition, "clips": len(positives), "based_top1": pct(confident, len(positives)),
               "based_best_guess": pct(guessed, len(positives)), "based_offset_ok": pct(aligned, len(positives)),
               "outsider_clips": len(negatives), "based_false_matches": false,
               "chromaprint_top1": pct(ref_top, len(ref)), "chromaprint_best_guess": pct(ref_guess, len(ref))}
        rows.append(row)
        print(f"| {condition} | {len(positives)} | {row['based_top1']:.1f} % | {row['based_best_guess']:.1f} % | "
              f"{row['based_offset_ok']:.1f} % | {false} of {len(negatives)} | {row['chromaprint_top1']:.1f} % | "
              f"{row['chromaprint_best_guess']:.1f} % |")
    negatives = [a for a in answers if a["truth"] < 0]
    false_total = sum(a["confident"] for a in negatives)
    positives = [a for a in answers if a["truth"] >= 0]
    true_scores = sorted(a["score"] for a in positives if a["found"] == a["truth"] and a["confident"])
    outsider_scores = sorted(a["score"] for a in negatives)
    print(f"\nfalse matches on outsider clips: {false_total} of {len(negatives)} "
          f"(outsiders' best score: max {max(outsider_scores, default=0)}, p99 {percentile(outsider_scores, 0.99)}; "
          f"a confident match needs {based['minimumVotes']} votes and {based['runnerUpRatio']}× the runner-up)")
    print(f"Chromaprint's threshold: bit error rate below {chroma_threshold:.3f} (the best outsider clip)")

    print("\n| tracks | landmarks | index (MB) | index build (s) | query p50 (ms) | query p95 (ms) | query max (ms) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for run in based["runs"]:
        print(f"| {run['tracks']} | {run['landmarks']:,} | {run['indexMB']:.1f} | {run['buildSeconds']:.2f} | "
              f"{run['queryMsP50']:.2f} | {run['queryMsP95']:.2f} | {run['queryMsMax']:.2f} |")
    runs = based["runs"]
    slope = ((runs[-1]["queryMsP50"] - runs[0]["queryMsP50"]) / (runs[-1]["tracks"] - runs[0]["tracks"]) * 1000
             if len(runs) > 1 else 0.0)
    fingerprint_ms = [a["fingerprintMs"] for a in answers]
    print(f"\nquery p50 grows by {slope:.2f} ms per 1,000 tracks; a clip's fingerprint (ffmpeg decode included): "
          f"p50 {percentile(fingerprint_ms, 0.5):.1f} ms, p95 {percentile(fingerprint_ms, 0.95):.1f} ms")
    print(f"{based['landmarksPerSecond']:.1f} landmarks and {based['peaksPerSecond']:.1f} peaks per second of audio; "
          f"{full['landmarks'] / full['tracks']:.0f} landmarks per track; catalogue fingerprinted at "
          f"{based['fingerprintSecondsPerTrack'] * 1000:.0f} ms a track; rank() agrees with the index: {based['rankAgreesWithIndex']}")

    whole_rows = []
    theirs_whole = {a["file"]: a for a in chroma["wholeFileAnswers"]}
    whole = full.get("wholeFileAnswers") or []
    out_rates = [theirs_whole[a["file"]]["bitErrorRate"] for a in whole if a["truth"] < 0 and a["file"] in theirs_whole]
    whole_threshold = min(out_rates) if out_rates else 0.0
    print("\nWhole-file re-upload (noisy MP3 of a catalogue track; outsiders must not match)\n")
    print("| condition | files | Based identified | Based false matches | Chromaprint identified (at zero false matches) | "
          "Chromaprint best guess | Chromaprint bit error rate, originals (median) | outsiders (lowest) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for condition in sorted({a["condition"] for a in whole}):
        pos = [a for a in whole if a["condition"] == condition and a["truth"] >= 0]
        neg = [a for a in whole if a["condition"] == condition and a["truth"] < 0]
        ref_pos = [theirs_whole[a["file"]] for a in pos]
        ref_neg = [theirs_whole[a["file"]] for a in neg]
        row = {"condition": condition, "files": len(pos),
               "based_identified": pct(sum(a["confident"] and a["found"] == a["truth"] for a in pos), len(pos)),
               "based_false_matches": sum(a["confident"] for a in neg), "outsider_files": len(neg),
               "chromaprint_identified": pct(sum(r["found"] == r["truth"] and r["bitErrorRate"] < whole_threshold
                                                 for r in ref_pos), len(ref_pos)),
               "chromaprint_best_guess": pct(sum(r["found"] == r["truth"] for r in ref_pos), len(ref_pos)),
               "chromaprint_ber_median": statistics.median([r["bitErrorRate"] for r in ref_pos]) if ref_pos else None,
               "chromaprint_ber_outsiders_min": min([r["bitErrorRate"] for r in ref_neg], default=None)}
        whole_rows.append(row)
        print(f"| {condition} | {len(pos)} | {row['based_identified']:.1f} % | {row['based_false_matches']} of {len(neg)} | "
              f"{row['chromaprint_identified']:.1f} % | {row['chromaprint_best_guess']:.1f} % | "
              f"{row['chromaprint_ber_median'] or 0:.3f} | {row['chromaprint_ber_outsiders_min'] or 0:.3f} |")

    summary = {"machine": platform.platform(), "cpus": os.cpu_count(), "version": based["version"],
               "catalogue_tracks": full["tracks"], "conditions": rows, "false_matches": false_total,
               "outsider_clips": len(negatives), "outsider_best_score": max(outsider_scores, default=0),
               "lowest_confident_true_score": true_scores[0] if true_scores else None,
               "chromaprint_clip_threshold": chroma_threshold, "chromaprint_whole_threshold": whole_threshold,
               "query_p50_slope_ms_per_1000_tracks": slope,
               "clip_fingerprint_ms_p50": percentile(fingerprint_ms, 0.5),
               "clip_fingerprint_ms_p95": percentile(fingerprint_ms, 0.95),
               "sizes": [{k: v for k, v in r.items() if k not in ("answers", "wholeFileAnswers")} for r in runs],
               "landmarks_per_second": based["landmarksPerSecond"], "peaks_per_second": based["peaksPerSecond"],
               "rank_agrees_with_index": based["rankAgreesWithIndex"], "whole_files": whole_rows,
               "minimum_votes": based["minimumVotes"], "runner_up_ratio": based["runnerUpRatio"]}
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"\nJSON in {out}")


if __name__ == "__main__":
    main()
