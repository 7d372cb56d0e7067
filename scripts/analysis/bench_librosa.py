#!/usr/bin/env python3
"""Times librosa computing the features Based computes, on one file, in this process:
load (soxr_hq to 22,050 Hz mono), spectral centroid, bandwidth, roll-off, RMS, ZCR,
20 MFCCs, STFT chroma, onset strength, tempo and beats (beat_track). Key and
loudness have no librosa counterpart, so librosa is spared them. Prints JSON.

Usage: bench_librosa.py FILE
"""
import json
import resource
import sys
import time

import numpy as np
import librosa

path = sys.argv[1]
start = time.perf_counter()
cpu_start = time.process_time()
y, sr = librosa.load(path, sr=22050, mono=True)
S = np.abs(librosa.stft(y))
features = [
    librosa.feature.spectral_centroid(S=S, sr=sr),
    librosa.feature.spectral_bandwidth(S=S, sr=sr),
    librosa.feature.spectral_rolloff(S=S, sr=sr),
    librosa.feature.rms(y=y),
    librosa.feature.zero_crossing_rate(y),
    librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20),
    librosa.feature.chroma_stft(S=S ** 2, sr=sr),
]
onset = librosa.onset.onset_strength(y=y, sr=sr)
tempo, beats = librosa.beat.beat_track(onset_envelope=onset, sr=sr)
summary = [(float(np.mean(f)), float(np.std(f))) for f in features]
wall = time.perf_counter() - start
print(json.dumps({
    "file": path,
    "durationSeconds": len(y) / sr,
    "wallSeconds": wall,
    "cpuSeconds": time.process_time() - cpu_start,
    "peakMemoryMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "tempo": float(np.atleast_1d(tempo)[0]),
}))
