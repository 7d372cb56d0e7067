#!/usr/bin/env bash
# The README's screenshots, from the real app: starts the server on a free
# loopback port with a throwaway data dir and the demo library (`based serve
# --demo`, as `make run` does), waits for the demo tracks to be processed, and
# has headless Chromium (scripts/web/screenshots.py) sign in as the demo
# listener, an artist and the venue and save the main views at a phone size
# (412×915) and a desktop size (1440×900) in docs/screenshots/. Builds nothing:
# it uses BASED_BIN (default .build/debug/based). Safe to run again; it
# replaces the pictures. Needs fluidsynth and a General MIDI soundfont for the
# demo music (make deps / scripts/install-deps.sh).
#   scripts/web/screenshots.sh
#   BASED_BIN=.build/release/based SCREENSHOTS_DIR=/tmp/shots scripts/web/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
python3 -c "import selenium" 2>/dev/null || pip install -q selenium
command -v ffmpeg >/dev/null 2>&1 && command -v fluidsynth >/dev/null 2>&1 || scripts/install-deps.sh

bin=${BASED_BIN:-$PWD/.build/debug/based}
unset BASED_BIN   # the server refuses BASED_* variables that are not its settings
[ -x "$bin" ] || { echo "screenshots: $bin is missing; build it first (swift build)"; exit 1; }
out=${SCREENSHOTS_DIR:-$PWD/docs/screenshots}
unset SCREENSHOTS_DIR

work=$(mktemp -d /tmp/based-screenshots.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
pid=""
driver=""
# The driver first (it closes its browsers on TERM), then the server.
cleanup() {
    if [ -n "$driver" ]; then kill "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; fi
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work" || true
}
trap cleanup EXIT INT TERM

# The two cities of the demo library, for the place names (`make run` imports the whole gazetteer).
printf '%s\t%s\t%s\t%s\t%s\t%s\tP\tPPLA\t%s\t\t%s\t\t\t\t%s\t\t\t%s\t2024-01-01\n' \
    2879139 Leipzig Leipzig Leipsic 51.33962 12.37129 DE 13 504971 Europe/Berlin \
    2911522 Halle "Halle (Saale)" Halle 51.48158 11.97947 DE 14 234107 Europe/Berlin >"$work/places.txt"
BASED_DATA_DIR=$work/data BASED_LOG_LEVEL=error "$bin" places import "$work/places.txt" >/dev/null

BASED_DATA_DIR=$work/data BASED_PORT=$port BASED_LOG_LEVEL=error BASED_WEB_DIR=$PWD/Public \
    BASED_AUTH_RATE_LIMIT=1000 BASED_BCRYPT_COST=4 "$bin" serve --demo >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/server.log"; echo "screenshots: the server did not start"; exit 1; }

# Pictures of this run only: the old ones go once the new ones are all taken.
mkdir -p "$out"
fresh="$work/shots"
python3 scripts/web/screenshots.py "http://127.0.0.1:$port" "$fresh" &
driver=$!
status=0
wait "$driver" || status=$?
driver=""
[ $status -eq 0 ] || { echo "-- server log (last lines) --"; tail -20 "$work/server.log"; exit 1; }

# Smaller files, losslessly, with whatever PNG optimiser is already installed.
if command -v oxipng >/dev/null 2>&1; then oxipng -q -o 2 --strip safe "$fresh"/*.png
elif command -v optipng >/dev/null 2>&1; then optipng -quiet -o2 -strip all "$fresh"/*.png
fi
rm -f "$out"/phone-*.png "$out"/desktop-*.png
cp "$fresh"/*.png "$out"/
echo "screenshots: $(ls "$fresh" | wc -l) pictures, $(du -ch "$out"/*.png | tail -n 1 | cut -f1) in ${out#"$PWD"/}"
