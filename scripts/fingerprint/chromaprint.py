#!/usr/bin/env python3
"""The reference in `make bench-fingerprint`: Chromaprint's fpcalc on the same files.

Every catalogue track, clip and whole file gets `fpcalc -raw` (cached in CACHE_DIR, one
JSON per file). A query is compared with every catalogue track by bit error rate
(differing bits over all bits of the overlap), at every alignment: a clip anywhere
inside the track, a whole file within ±2 s of the start with at least half of it
overlapping. The best track is Chromaprint's answer, with its bit error rate.

Usage: chromaprint.py MANIFEST.json CACHE_DIR OUT.json [JOBS]
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def raw(path, cache):
    key = os.path.join(cache, os.path.abspath(path).strip("/").replace("/", "_") + ".json")
    if os.path.exists(key):
        with open(key) as f:
            return np.array(json.load(f), dtype=np.uint32)
    result = subprocess.run(["fpcalc", "-raw", "-json", "-length", "600", path], capture_output=True, text=True)
    # fpcalc 1.5 reports "Error decoding audio frame (End of file)" at the end of many
    # files and exits non-zero, though it printed the whole fingerprint: take what it printed.
    try:
        values = json.loads(result.stdout).get("fingerprint", [])
    except ValueError:
        values = []
    with open(key + ".part", "w") as f:
        json.dump(values, f)
    os.replace(key + ".part", key)
    return np.array(values, dtype=np.uint32)


class Catalogue:
    def __init__(self, fingerprints):
        self.lengths = np.array([len(f) for f in fingerprints])
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        self.track_of = np.repeat(np.arange(len(fingerprints)), self.lengths)
        self.flat = np.concatenate(fingerprints) if fingerprints else np.zeros(0, np.uint32)

    def clip(self, query):
        """Best (track, bit error rate) with the whole clip inside a track."""
        n = len(query)
        if n == 0 or len(self.flat) < n:
            return None, 1.0
        windows = np.lib.stride_tricks.sliding_window_view(self.flat, n)
        errors = np.bitwise_count(windows ^ query[None, :]).sum(axis=1, dtype=np.int64)
        # A window must start and end in the same track.
        valid = self.track_of[: len(errors)] == self.track_of[n - 1:]
        errors = np.where(valid, errors, np.iinfo(np.int64).max)
        best = int(np.argmin(errors))
        return int(self.track_of[best]), float(errors[best]) / (32 * n)

    def whole(self, query, shift=16):
        """Best (track, bit error rate) within ±shift items (about ±2 s), overlapping at least half."""
        if len(query) == 0 or len(self.lengths) == 0:
            return None, 1.0
        width = int(self.lengths.max())
        matrix = np.zeros((len(self.lengths), width), np.uint32)
        present = np.zeros((len(self.lengths), width), bool)
        for track, (start, length) in enumerate(zip(self.starts, self.lengths)):
            matrix[track, :length] = self.flat[start:start + length]
            present[track, :length] = True
        best, best_rate = None, 1.0
        for offset in range(-shift, shift + 1):
            # Query item i lines up with reference item i - offset.
            q = query[max(0, offset):]
            lo = max(0, -offset)
            n = min(len(q), width - lo)
            if n <= 0:
                continue
            errors = np.bitwise_count(matrix[:, lo:lo + n] ^ q[None, :n]).astype(np.int64)
            overlap = present[:, lo:lo + n].sum(axis=1)
            errors = np.where(present[:, lo:lo + n], errors, 0).sum(axis=1)
            enough = overlap >= np.maximum(1, np.minimum(len(query), self.lengths) // 2)
            rates = np.where(enough, errors / np.maximum(1, 32 * overlap), 1.0)
            track = int(np.argmin(rates))
            if rates[track] < best_rate:
                best, best_rate = track, float(rates[track])
        return best, best_rate


def main():
    manifest_path, cache, out = sys.argv[1:4]
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    with open(manifest_path) as f:
        manifest = json.load(f)
    os.makedirs(cache, exist_ok=True)
    files = manifest["catalogue"] + [q["file"] for q in manifest["queries"] + manifest["wholeFiles"]]
    with ThreadPoolExecutor(jobs) as pool:
        prints = dict(zip(files, pool.map(lambda p: raw(p, cache), files)))
    catalogue = Catalogue([prints[p] for p in manifest["catalogue"]])
    answers = []
    for query in manifest["queries"]:
        track, rate = catalogue.clip(prints[query["file"]])
        answers.append({"file": query["file"], "condition": query["condition"], "truth": query["track"],
                        "found": track, "bitErrorRate": rate, "items": len(prints[query["file"]])})
    whole = []
    for query in manifest["wholeFiles"]:
        track, rate = catalogue.whole(prints[query["file"]])
        whole.append({"file": query["file"], "condition": query["condition"], "truth": query["track"],
                      "found": track, "bitErrorRate": rate})
    with open(out, "w") as f:
        json.dump({"answers": answers, "wholeFileAnswers": whole}, f)


if __name__ == "__main__":
    main()
