#!/usr/bin/env bash
# Installs what Based needs from Debian's packages, once: ffmpeg (media),
# PostgreSQL 15 server binaries (the test suite's second database), FFTW,
# libsoxr and libFLAC (BasedAnalysis's FFT, resampler and FLAC decoder),
# OpenBLAS and LAPACKE (BasedDiscovery's collaborative model),
# fluidsynth and a General MIDI soundfont (the demo library and the analysis
# accuracy suite), zbar (the browser suite reads a ticket's QR code).
# Safe to run again; it only installs what is missing.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
# Data exports are ZIP files.
command -v zip >/dev/null 2>&1 && command -v unzip >/dev/null 2>&1 || need+=(zip unzip)
# Demo music and the analysis corpus are MIDI rendered with a General MIDI soundfont.
[ -f /usr/include/fftw3.h ] && pkg-config --exists fftw3f 2>/dev/null || need+=(libfftw3-dev pkg-config)
[ -f /usr/include/soxr.h ] && pkg-config --exists soxr 2>/dev/null || need+=(libsoxr-dev pkg-config)
[ -f /usr/include/FLAC/stream_decoder.h ] && pkg-config --exists flac 2>/dev/null || need+=(libflac-dev pkg-config)
# BasedDiscovery's collaborative model: OpenBLAS and LAPACKE.
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev pkg-config)
[ -f /usr/include/lapacke.h ] || need+=(liblapacke-dev)
command -v fluidsynth >/dev/null 2>&1 || need+=(fluidsynth)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3 python3-venv)
# The browser suite scans a ticket's QR code as the phone shows it, as a door scanner would.
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
echo "install-deps: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
