#!/usr/bin/env python3
"""Writes the tempo/key test corpus: Standard MIDI files that declare their tempo
(set_tempo) and key (key_signature), one per major and minor key plus extras,
in several styles (band with drums, piano without drums, waltz, slow ballad,
syncopated funk), then renders each with fluidsynth and a General MIDI soundfont.

The ground truth is what the files declare, written to truth.json; nothing here
reads the analysis. Usage:

    make_midi_corpus.py OUT_DIR [COUNT] [--seed N] [--programs SET] [--tempo LOW-HIGH]

The defaults (seed 4, the "default" programs, each style's own tempo range) write
the corpus of `make test-analysis`; `make bench-tempo` also renders one with
another seed, the "other" General MIDI programs and one wide tempo range.
"""
import argparse
import json
import os
import random
import struct
import subprocess
import sys

PITCH_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
# Number of sharps (+) or flats (-) for key_signature, indexed by tonic pitch class.
MAJOR_SF = [0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5]
MINOR_SF = [-3, 4, -1, -6, 1, -4, 3, -2, 5, 0, -5, 2]
MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11]
MINOR_SCALE = [0, 2, 3, 5, 7, 8, 11]  # harmonic minor: the raised 7th makes V major
MAJOR_PROGRESSIONS = [[0, 4, 5, 3], [0, 3, 4, 0], [0, 5, 3, 4], [0, 3, 0, 4]]
MINOR_PROGRESSIONS = [[0, 5, 3, 4], [0, 3, 4, 0], [0, 6, 5, 4], [0, 3, 0, 4]]
TPQ = 480
# General MIDI programs (harmony, bass, melody) per style, by set.
PROGRAMS = {
    "default": {"band": (0, 33, 81), "piano": (0, 0, 0), "waltz": (48, 32, 73),
                "ballad": (4, 32, 71), "funk": (16, 36, 62)},
    # No program of the default set: guitar, plucked and bowed strings, reeds, brass, a pad.
    "other": {"band": (27, 34, 56), "piano": (46, 42, 40), "waltz": (21, 58, 22),
              "ballad": (89, 35, 66), "funk": (7, 38, 61)},
}


def vlq(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, (value & 0x7F) | 0x80)
        value >>= 7
    return bytes(out)


def track_chunk(events):
    """events: (tick, bytes) in any order → an MTrk chunk with delta times."""
    events.sort(key=lambda e: (e[0], e[1][0] & 0xF0 == 0x90))
    data, last = b"", 0
    for tick, payload in events:
        data += vlq(tick - last) + payload
        last = tick
    data += vlq(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + data


def note(events, channel, tick, length, pitch, velocity):
    events.append((tick, bytes([0x90 | channel, pitch, velocity])))
    events.append((tick + length, bytes([0x80 | channel, pitch, 0])))


def chord_tones(scale, degree):
    return [scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]


def piece(index, tonic, minor, bpm, style, rng, program_set="default"):
    scale = MINOR_SCALE if minor else MAJOR_SCALE
    progression = rng.choice(MINOR_PROGRESSIONS if minor else MAJOR_PROGRESSIONS)
    beats_per_bar = 3 if style == "waltz" else 4
    bars = max(8, int(round(bpm * 30 / 60 / beats_per_bar)))  # about 30 seconds
    tempo = int(round(60_000_000 / bpm))
    sf = (MINOR_SF if minor else MAJOR_SF)[tonic]
    meta = [(0, b"\xff\x51\x03" + tempo.to_bytes(3, "big")),
            (0, b"\xff\x58\x04" + bytes([beats_per_bar, 2, 24, 8])),
            (0, b"\xff\x59\x02" + struct.pack("b", sf) + bytes([1 if minor else 0]))]
    programs = PROGRAMS[program_set][style]
    events = [(0, bytes([0xC0, programs[0]])), (0, bytes([0xC1, programs[1]])), (0, bytes([0xC2, programs[2]]))]
    base = 48 + tonic  # chords around C3..B3
    beat = TPQ
    bar_len = beats_per_bar * beat
    for bar in range(bars):
        degree = progression[bar % len(progression)]
        start = bar * bar_len
        tones = chord_tones(scale, degree)
        final = bar == bars - 1
        if final:
            degree, tones = 0, chord_tones(scale, 0)
        # Harmony: block chords, arpeggios or comping depending on style.
        if style == "piano":
            for i in range(beats_per_bar * 2):
                pitch = base + tones[i % 3] + (12 if i % 6 >= 3 else 0)
                note(events, 0, start + i * beat // 2, beat // 2, pitch, 70 if i % 2 else 85)
        elif style == "funk":
            for offset in (0, beat * 3 // 2, beat * 5 // 2, beat * 3):
                for t in tones:
                    note(events, 0, start + offset, beat // 3, base + 12 + t, 80)
        else:
            for t in tones:
                note(events, 0, start, bar_len - 10, base + t, 72)
        # Bass: root on the beats, fifth on the off-beats.
        for b in range(beats_per_bar):
            interval = tones[0] if b % 2 == 0 else tones[2]
            vel = 100 if b == 0 else 85
            note(events, 1, start + b * beat, beat - 20, base - 12 + interval, vel)
        # Melody: chord tones on strong beats, scale steps between.
        previous = tones[0] + 12
        for b in range(beats_per_bar):
            for half in (0, 1):
                if final and (b or half):
                    break
                if half and rng.random() < 0.4:
                    continue
                if half == 0 and b % 2 == 0:
                    target = rng.choice(tones) + 12
                else:
                    step = rng.choice([-2, -1, 1, 2])
                    pos = min(max(scale.index(previous % 12) if previous % 12 in scale else 0, 0), 6)
                    target = scale[(pos + step) % 7] + 12 * (previous // 12)
                previous = target
                length = bar_len if final else beat // 2 if half else beat
                note(events, 2, start + b * beat + half * beat // 2, length - 10, base + 12 + target, 90)
        # Drums (channel 10) for styles that have them.
        if style in ("band", "funk", "waltz") and not final:
            for b in range(beats_per_bar):
                t = start + b * beat
                if style == "waltz":
                    note(events, 9, t, 60, 36 if b == 0 else 42, 100 if b == 0 else 70)
                    continue
                if b % 2 == 0:
                    note(events, 9, t, 60, 36, 110)
                else:
                    note(events, 9, t, 60, 38, 100)
                for e in (0, 1):
                    note(events, 9, t + e * beat // 2, 40, 42, 70 if e else 85)
                if style == "funk" and b == 3:
                    note(events, 9, t + beat * 3 // 4, 40, 36, 90)
        elif style == "ballad" and not final:
            note(events, 9, start, 60, 36, 90)
            note(events, 9, start + 2 * beat, 60, 38, 80)
    header = b"MThd" + struct.pack(">IHHH", 6, 1, 2, TPQ)
    return header + track_chunk(meta) + track_chunk(events)


def main():
    parser = argparse.ArgumentParser(description="Writes and renders the MIDI tempo/key corpus.")
    parser.add_argument("out")
    parser.add_argument("count", nargs="?", type=int, default=32)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--programs", choices=sorted(PROGRAMS), default="default")
    parser.add_argument("--tempo", help="LOW-HIGH BPM for every style (default: each style's own range)")
    args = parser.parse_args()
    out, count = args.out, args.count
    tempo_range = tuple(int(v) for v in args.tempo.split("-")) if args.tempo else None
    soundfont = os.environ.get("BASED_SOUNDFONT", "/usr/share/sounds/sf2/FluidR3_GM.sf2")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(args.seed)
    styles = ["band", "piano", "funk", "waltz", "ballad"]
    truth = []
    for i in range(count):
        tonic = (i * 7) % 12
        minor = (i // 12) % 2 == 1 if i < 24 else i % 2 == 1
        style = styles[i % len(styles)]
        low, high = tempo_range or {"ballad": (60, 85), "waltz": (90, 150), "funk": (90, 115)}.get(style, (75, 170))
        bpm = round(rng.uniform(low, high))
        name = f"piece{i:02d}-{PITCH_NAMES[tonic]}{'m' if minor else ''}-{bpm}bpm-{style}"
        midi = os.path.join(out, name + ".mid")
        wav = os.path.join(out, name + ".wav")
        with open(midi, "wb") as f:
            f.write(piece(i, tonic, minor, bpm, style, rng, args.programs))
        if not os.path.exists(wav):
            subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", "44100", "-F", wav, soundfont, midi],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        truth.append({"file": wav, "midi": midi, "bpm": bpm, "tonic": tonic,
                      "mode": "minor" if minor else "major", "style": style,
                      "key": f"{PITCH_NAMES[tonic]} {'minor' if minor else 'major'}"})
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)


if __name__ == "__main__":
    main()
