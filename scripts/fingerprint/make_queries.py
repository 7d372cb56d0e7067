#!/usr/bin/env python3
"""Writes the fingerprint benchmark's queries and its manifest.

Clips: for each condition, QUERIES catalogue tracks picked at random, each cut at a
random offset to 5 seconds (ending before the soundfont's silent tail) and degraded:
  mp3            re-encoded to MP3 at 64 kbit/s (every condition ends in MP3 unless said)
  lowrate        resampled to 22,050 Hz mono, MP3 at 32 kbit/s
  white+10dB     white noise at 10 dB SNR (signal power over noise power, whole clip)
  white+0dB      white noise at 0 dB SNR
  pink+10dB      pink (1/f) noise at 10 dB SNR
  pink+0dB       pink noise at 0 dB SNR
  speed+2%       played 2 % fast (asetrate: pitch and tempo up), speed-2% likewise slow
  tempo+2%       time-stretched 2 % faster, pitch kept (atempo), tempo-2% likewise slower
  phone-room     a room (two echoes), a phone's band (300-3,400 Hz at 8 kHz), pink noise at
                 10 dB, AMR-like bitrate (MP3 at 16 kbit/s): a phone held up at a show
Outsiders: OUTSIDERS tracks rendered the same way but not in the catalogue, two clips
each (MP3, and one other condition in turn), which must not match confidently.
Whole files: WHOLE catalogue tracks re-uploaded as noisy MP3 (white noise at 10 dB,
and pink at 0 dB), and WHOLE outsiders the same way, for the comparison with
Chromaprint's fpcalc on whole-file re-upload detection.

Usage: make_queries.py TRACKS_DIR WORK_DIR CATALOGUE OUTSIDERS QUERIES WHOLE SIZES [JOBS]
(SIZES comma-separated; JOBS ffmpeg pipelines at once, default 2). Writes WORK_DIR/manifest.json; files already made are kept.
"""
import json
import os
import random
import subprocess
import sys
from multiprocessing import Pool

import numpy as np

RATE = 44100
CLIP = 5.0
CONDITIONS = ["mp3", "lowrate", "white+10dB", "white+0dB", "pink+10dB", "pink+0dB",
              "speed+2%", "speed-2%", "tempo+2%", "tempo-2%", "phone-room"]


def music_end(path):
    """Seconds to the end of the last 100 ms louder than -40 dBFS: the soundfont's release
    and reverb tail after it is near-silence that nothing could identify."""
    samples = read(path).mean(axis=1)
    block = RATE // 10
    levels = np.sqrt(np.mean(samples[: len(samples) // block * block].reshape(-1, block) ** 2, axis=1))
    loud = np.nonzero(levels > 10 ** (-40 / 20))[0]
    return (loud[-1] + 1) / 10 if len(loud) else 0.0


def read(path, start=0.0, seconds=None):
    """Stereo float32 samples of `path` from `start`, as (frames, 2)."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{start:.4f}", "-i", path]
    if seconds is not None:
        command += ["-t", f"{seconds:.4f}"]
    command += ["-ac", "2", "-ar", str(RATE), "-f", "f32le", "-"]
    data = subprocess.run(command, check=True, capture_output=True).stdout
    return np.frombuffer(data, dtype=np.float32).reshape(-1, 2)


def noise(kind, shape, rng):
    white = rng.standard_normal(shape)
    if kind == "white":
        return white
    # Pink: white noise shaped by 1/sqrt(f) in the frequency domain (power falls 3 dB an octave).
    spectrum = np.fft.rfft(white, axis=0)
    frequencies = np.fft.rfftfreq(shape[0], 1 / RATE)
    frequencies[0] = frequencies[1]
    spectrum /= np.sqrt(frequencies)[:, None]
    return np.fft.irfft(spectrum, n=shape[0], axis=0)


def add_noise(samples, kind, snr_db, rng):
    n = noise(kind, samples.shape, rng)
    signal_power = float(np.mean(samples.astype(np.float64) ** 2))
    noise_power = float(np.mean(n ** 2))
    n *= np.sqrt(signal_power / (noise_power * 10 ** (snr_db / 10)))
    mixed = samples + n
    peak = float(np.max(np.abs(mixed)))
    return (mixed / peak * 0.9 if peak > 0.99 else mixed).astype(np.float32)


def encode(samples, out, filters=None, codec=("-c:a", "libmp3lame", "-b:a", "64k"), rate_args=()):
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", "-"]
    if filters:
        command += ["-af", filters]
    command += list(rate_args) + list(codec) + [out]
    subprocess.run(command, input=samples.astype(np.float32).tobytes(), check=True)


def degrade(samples, condition, out, rng):
    """Writes `samples` (5 s, or a little more for speed changes) degraded by `condition`."""
    frames = int(CLIP * RATE)
    if condition == "mp3":
        encode(samples[:frames], out)
    elif condition == "lowrate":
        encode(samples[:frames], out, codec=("-c:a", "libmp3lame", "-b:a", "32k"), rate_args=("-ar", "22050", "-ac", "1"))
    elif condition.startswith(("white", "pink")):
        kind, snr = condition.split("+")
        encode(add_noise(samples[:frames], kind, float(snr[:-2]), rng), out)
    elif condition.startswith("speed"):
        factor = 1 + float(condition[5:-1]) / 100
        encode(samples, out, filters=f"asetrate={RATE * factor:.0f},aresample={RATE},atrim=duration={CLIP}")
    elif condition.startswith("tempo"):
        factor = 1 + float(condition[5:-1]) / 100
        encode(samples, out, filters=f"atempo={factor},atrim=duration={CLIP}")
    elif condition == "phone-room":
        room = samples[:frames].copy()
        for delay, gain in ((0.023, 0.5), (0.061, 0.3)):
            shift = int(delay * RATE)
            room[shift:] += gain * samples[:frames - shift]
        noisy = add_noise(room, "pink", 10, rng)
        encode(noisy, out, filters="highpass=f=300,lowpass=f=3400",
               codec=("-c:a", "libmp3lame", "-b:a", "16k"), rate_args=("-ar", "8000", "-ac", "1"))
    else:
        raise ValueError(condition)


def track(tracks_dir, index):
    return os.path.abspath(os.path.join(tracks_dir, f"track-{index:05d}.flac"))


def make_file(item):
    """One query file, unless it exists; its noise is seeded by its number, so files
    come out the same whichever worker makes them."""
    path, start, condition, out, number = item
    if os.path.exists(out):
        return
    rng = np.random.default_rng(number)
    if start is None:
        kind, snr = condition.split("+")
        encode(add_noise(read(path), kind, float(snr[:-2]), rng), out + ".part.mp3")
    else:
        degrade(read(path, start, CLIP + 0.3), condition, out + ".part.mp3", rng)
    os.replace(out + ".part.mp3", out)


def main():
    tracks_dir, work, catalogue_size, outsiders, per_condition, whole, sizes = sys.argv[1:8]
    jobs = int(sys.argv[8]) if len(sys.argv) > 8 else 2
    catalogue_size, outsiders, per_condition, whole = map(int, (catalogue_size, outsiders, per_condition, whole))
    sizes = [int(s) for s in sizes.split(",") if int(s) <= catalogue_size] or [catalogue_size]
    if catalogue_size not in sizes:
        sizes.append(catalogue_size)
    clips = os.path.join(work, "clips")
    wholes = os.path.join(work, "whole")
    os.makedirs(clips, exist_ok=True)
    os.makedirs(wholes, exist_ok=True)
    rng = random.Random(20260517)
    # Clips come from the smallest catalogue size, so they are in every index measured.
    pool = min(sizes)
    picks = [(index, condition, index) for condition in CONDITIONS
             for index in rng.sample(range(pool), min(per_condition, pool))]
    # Each outsider twice: as a plain MP3, and in one of the other conditions in turn.
    picks += [(catalogue_size + number, condition, -1) for number in range(outsiders)
              for condition in ("mp3", CONDITIONS[1 + number % (len(CONDITIONS) - 1)])]
    with Pool(jobs) as workers:
        ends = dict(zip(sorted({p[0] for p in picks}),
                        workers.map(music_end, [track(tracks_dir, i) for i in sorted({p[0] for p in picks})])))
        queries, work_items = [], []
        for number, (index, condition, truth) in enumerate(picks):
            start = round(rng.uniform(0, max(0.0, ends[index] - CLIP)), 3)
            name = f"{'out' if truth < 0 else 'cat'}-{index:05d}-{condition.replace('%', 'pc')}-{start:.3f}.mp3"
            out = os.path.join(clips, name)
            work_items.append((track(tracks_dir, index), start, condition, out, number))
            queries.append({"file": os.path.abspath(out), "track": truth, "condition": condition, "offset": start})
        whole_files = []
        chosen = [(i, i) for i in rng.sample(range(pool), min(whole, pool))]
        chosen += [(catalogue_size + n, -1) for n in range(min(whole, outsiders))]
        for index, truth in chosen:
            for condition in ("white+10dB", "pink+0dB"):
                out = os.path.join(wholes, f"{'out' if truth < 0 else 'cat'}-{index:05d}-{condition}.mp3")
                work_items.append((track(tracks_dir, index), None, condition, out, len(work_items) + 100_000))
                whole_files.append({"file": os.path.abspath(out), "track": truth, "condition": "whole " + condition})
        workers.map(make_file, work_items, chunksize=8)

    manifest = {"catalogue": [track(tracks_dir, i) for i in range(catalogue_size)], "sizes": sorted(sizes),
                "queries": queries, "wholeFiles": whole_files}
    with open(os.path.join(work, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
