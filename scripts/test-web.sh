#!/usr/bin/env bash
# The web app in real headless Chromium: starts the debug server on a free
# loopback port with a throwaway data dir, seeds an artist (two generated
# tracks, one titled with HTML), a venue with a show, three cities of the
# gazetteer (the map's place suggestions), and drives the main
# journeys by role and accessible name (scripts/web/journeys.py), with axe-core
# on every view and the browser console checked. Builds nothing: it uses
# BASED_BIN (default .build/debug/based, which scripts/test.sh builds).
#   scripts/test-web.sh
#   BASED_BIN=.build-web/debug/based scripts/test-web.sh
#   WEB_JOURNEYS=register_and_play,venue_studio,shows scripts/test-web.sh   (only these journeys)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
python3 -c "import selenium" 2>/dev/null || pip install -q selenium
python3 -c "import axe_selenium_python" 2>/dev/null || pip install -q axe-selenium-python
# axe-selenium-python bundles axe-core 3.1; axe-playwright-python's wheel carries a
# current axe-core 4.x (WCAG 2.2 rules), which the journeys inject instead. Only
# its script is used, so its dependencies (Playwright) are not installed.
python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('axe_playwright_python') is None)" 2>/dev/null \
    || pip install -q --no-deps axe-playwright-python
command -v ffmpeg >/dev/null 2>&1 || scripts/install-deps.sh

bin=${BASED_BIN:-$PWD/.build/debug/based}
unset BASED_BIN   # the server refuses BASED_* variables that are not its settings
[ -x "$bin" ] || { echo "web: $bin is missing; build it first (swift build)"; echo "web journeys: 0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/based-web.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
pid=""
# The last journey stops the server itself, so a failed kill must not end the clean-up (set -e holds in traps).
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work" || true
}
trap cleanup EXIT INT TERM
ffmpeg -nostdin -v error -f lavfi -i "sine=f=330:d=30" -ac 2 "$work/tone-a.flac"
ffmpeg -nostdin -v error -f lavfi -i "sine=f=550:d=12" -ac 2 "$work/tone-b.flac"
# Music for "What's playing?": a melody over a bass line, and what the browser's
# fake microphone hears of it (12 s from 8 s in, with some room noise).
melody="0.35*sin(2*PI*t*220*pow(2,mod(floor(t*4)*7+3,24)/12))+0.25*sin(2*PI*t*82.5*pow(2,mod(floor(t*2)*5+1,12)/12))"
ffmpeg -nostdin -v error -f lavfi -i "aevalsrc=exprs='$melody':s=44100:d=30" -ac 2 "$work/melody.flac"
ffmpeg -nostdin -v error -ss 8 -t 12 -i "$work/melody.flac" -f lavfi -i "anoisesrc=color=pink:amplitude=0.03:r=44100" \
    -filter_complex "[0:a][1:a]amix=inputs=2:duration=first:normalize=0" -ac 1 -ar 44100 -c:a pcm_s16le "$work/mic.wav"

# The admin of the moderation journey (admins are made on the command line only).
BASED_DATA_DIR=$work/data BASED_BCRYPT_COST=4 BASED_LOG_LEVEL=error BASED_NEW_PASSWORD="listen to local music 2026" \
    "$bin" user create --username web_admin --email admin@example.org --role admin >/dev/null

# A few cities for the map's place suggestions (GeoNames' format; the real gazetteer is imported by an admin).
printf '%s\t%s\t%s\t%s\t%s\t%s\tP\tPPLA2\t%s\t\t%s\t\t\t\t%s\t\t\t%s\t2024-01-01\n' \
    2644688 Leeds Leeds Lids 53.79648 -1.54785 GB ENG 455123 Europe/London \
    2644668 Leicester Leicester "" 52.6386 -1.13169 GB ENG 508916 Europe/London \
    2879139 Leipzig Leipzig Leipsic 51.33962 12.37129 DE 13 504971 Europe/Berlin >"$work/places.txt"
BASED_DATA_DIR=$work/data BASED_LOG_LEVEL=error "$bin" places import "$work/places.txt" >/dev/null

# 30-second access tokens (the least allowed): the app renews through the cookie
# endpoint all through the run, so rotation in a real browser is exercised too.
BASED_DATA_DIR=$work/data BASED_PORT=$port BASED_LOG_LEVEL=error BASED_WEB_DIR=$PWD/Public \
    BASED_AUTH_RATE_LIMIT=1000 BASED_BCRYPT_COST=4 BASED_ACCESS_TOKEN_SECONDS=30 "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/server.log"; echo "web journeys: 0 passed, 1 failed"; exit 1; }

status=0
python3 scripts/web/journeys.py "http://127.0.0.1:$port" "$work" "$pid" || status=1
if [ $status -ne 0 ]; then echo "-- server log (last lines) --"; tail -20 "$work/server.log"; fi
exit $status
