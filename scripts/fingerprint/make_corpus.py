#!/usr/bin/env python3
"""Writes the fingerprint benchmark's tracks: COUNT distinct pieces of generated MIDI
(random key, mode, tempo, chord progression, melody, accompaniment pattern, drum
groove, General MIDI programs for lead, harmony and bass, tuning, mix and a human
looseness of timing and velocity), each rendered with
fluidsynth and the General MIDI soundfont to 16-bit stereo FLAC at 44.1 kHz, about
30 to 45 seconds long. Piece i depends only on i, so a larger COUNT adds pieces and
a rerun renders only what is missing.

Usage: make_corpus.py OUT_DIR COUNT [JOBS]   (writes OUT_DIR/track-NNNNN.flac)
"""
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "analysis"))
from make_midi_corpus import TPQ, chord_tones, track_chunk  # noqa: E402
from make_midi_corpus import note as play  # noqa: E402

MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11]
MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10]
# General MIDI programs (0-based) by role: pianos, organs, guitars, strings, brass,
# reeds, pipes, synth leads and pads, ethnic and percussive instruments.
LEADS = [0, 1, 4, 6, 11, 12, 13, 21, 22, 24, 25, 26, 40, 41, 56, 57, 60, 64, 65, 66, 68, 71, 72, 73, 74, 75,
         79, 80, 81, 82, 84, 85, 104, 105, 108, 109]
HARMONIES = [0, 2, 4, 5, 7, 16, 17, 19, 24, 25, 27, 46, 48, 49, 50, 52, 61, 88, 89, 90, 91, 92, 94, 95]
BASSES = [32, 33, 34, 35, 36, 37, 38, 39, 42, 43, 58, 70]


def piece(index):
    rng = random.Random(1_000_003 * index + 17)
    tonic = rng.randrange(12)
    scale = MINOR_SCALE if rng.random() < 0.45 else MAJOR_SCALE
    bpm = rng.uniform(72, 168)
    beats_per_bar = rng.choice([4, 4, 4, 3])
    seconds = rng.uniform(30, 42)
    bars = max(6, int(seconds * bpm / 60 / beats_per_bar))
    progression = [0] + [rng.choice([1, 2, 3, 4, 5, 6]) for _ in range(rng.choice([3, 4, 5, 7]))]
    lead, harmony, bass = rng.choice(LEADS), rng.choice(HARMONIES), rng.choice(BASSES)
    pattern = rng.choice(["block", "arpeggio", "comp", "broken"])
    drums = rng.choice(["none", "rock", "shuffle", "four", "half"])
    swing = rng.choice([0, 0, 40, 80])
    tempo = int(round(60_000_000 / bpm))
    meta = [(0, b"\xff\x51\x03" + tempo.to_bytes(3, "big"))]
    events = [(0, bytes([0xC0, harmony])), (0, bytes([0xC1, bass])), (0, bytes([0xC2, lead]))]
    # A performance and a mix of its own, as two recordings of even the same chord on the
    # same instrument differ: a tuning within ±30 cents (pitch bend, ±2 semitones = ±8192),
    # each part's level, reverb and chorus, and every note's timing (σ 8 ms) and velocity.
    # Without this, two pieces that hold one chord on one program share bit-identical audio.
    bend = 8192 + int(rng.uniform(-30, 30) / 100 * 4096)
    for channel in (0, 1, 2, 9):
        if channel != 9:
            events.append((0, bytes([0xE0 | channel, bend & 0x7F, bend >> 7])))
        for controller, low, high in ((7, 75, 120), (91, 0, 90), (93, 0, 60)):
            events.append((0, bytes([0xB0 | channel, controller, rng.randint(low, high)])))
    ticks_per_second = TPQ * bpm / 60

    def note(events, channel, tick, length, pitch, velocity):
        tick = max(0, tick + int(round(rng.gauss(0, 0.008) * ticks_per_second)))
        velocity = max(1, min(127, velocity + rng.randint(-8, 8)))
        play(events, channel, tick, length, pitch, velocity)
    base = 48 + tonic - (12 if tonic > 6 else 0)
    beat = TPQ
    bar_len = beats_per_bar * beat
    # A motif of rhythm (in eighths) the melody varies on, so each piece has its own tune.
    motif = [rng.random() < 0.7 for _ in range(2 * beats_per_bar)]
    previous = 7
    for bar in range(bars):
        degree = progression[bar % len(progression)]
        start = bar * bar_len
        tones = chord_tones(scale, degree)
        velocity = rng.randint(60, 90)
        if pattern == "block":
            for t in tones:
                note(events, 0, start, bar_len - 10, base + t, velocity)
        elif pattern == "arpeggio":
            for i in range(2 * beats_per_bar):
                note(events, 0, start + i * beat // 2, beat // 2, base + tones[i % 3] + 12 * (i // 3 % 2), velocity)
        elif pattern == "comp":
            for b in range(beats_per_bar):
                if b % 2 or rng.random() < 0.3:
                    for t in tones:
                        note(events, 0, start + b * beat + beat // 2 * (b % 2), beat // 3, base + 12 + t, velocity)
        else:
            for i, t in enumerate(tones + [tones[1]]):
                note(events, 0, start + i * bar_len // 4, bar_len // 4, base + t + 12 * (i == 3), velocity)
        for b in range(beats_per_bar):
            interval = tones[0] if b % 2 == 0 else rng.choice(tones)
            note(events, 1, start + b * beat, beat - 30, base - 12 + interval, 100 if b == 0 else 80)
        for eighth in range(2 * beats_per_bar):
            if not motif[eighth] and rng.random() < 0.85:
                continue
            if eighth % 2 == 0 and rng.random() < 0.6:
                target = degree + rng.choice([0, 2, 4]) + 7
            else:
                target = previous + rng.choice([-2, -1, 1, 2])
            target = max(5, min(26, target))
            previous = target
            degree_pitch = scale[target % 7] + 12 * (target // 7)
            length = beat // 2 * (2 if eighth + 1 < 2 * beats_per_bar and not motif[eighth + 1] else 1)
            tick = start + eighth * beat // 2 + (swing if eighth % 2 else 0)
            note(events, 2, tick, length - 10, base + 12 + degree_pitch, rng.randint(80, 110))
        if drums != "none":
            for b in range(beats_per_bar):
                t = start + b * beat
                if drums == "four" or (b % 2 == 0 and drums in ("rock", "shuffle")) or (b == 0 and drums == "half"):
                    note(events, 9, t, 60, 36, 110)
                if b % 2 == 1 and drums != "half" or (b == 2 and drums == "half"):
                    note(events, 9, t, 60, 38, 95)
                for e in range(2 if drums != "shuffle" else 3):
                    note(events, 9, t + e * beat // (2 if drums != "shuffle" else 3), 40, 42 if drums != "four" else 46, 70)
    end = bars * bar_len
    for t in chord_tones(scale, 0):
        note(events, 0, end, 2 * beat, base + t, 70)
    header = b"MThd" + bytes([0, 0, 0, 6, 0, 1, 0, 2, TPQ >> 8, TPQ & 0xFF])
    return header + track_chunk(meta) + track_chunk(events)


def render(out, index, soundfont):
    flac = os.path.join(out, f"track-{index:05d}.flac")
    if os.path.exists(flac):
        return
    midi = os.path.join(out, f"track-{index:05d}.mid")
    with open(midi, "wb") as f:
        f.write(piece(index))
    partial = flac + ".part.flac"
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", "44100", "-o", "synth.lock-memory=0",
                    "-o", "synth.dynamic-sample-loading=1", "-T", "flac", "-F", partial, soundfont, midi],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.replace(partial, flac)
    os.remove(midi)


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    soundfont = os.environ.get("BASED_SOUNDFONT", "/usr/share/sounds/sf2/FluidR3_GM.sf2")
    os.makedirs(out, exist_ok=True)
    with ThreadPoolExecutor(jobs) as pool:
        for _ in pool.map(lambda i: render(out, i, soundfont), range(count)):
            pass


if __name__ == "__main__":
    main()
