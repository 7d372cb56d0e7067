#!/usr/bin/env bash
# make bench-web: the web app's speed in headless Chromium on loopback (issue 13).
# Builds the release server (unless BASED_BIN names a binary), starts it on a free
# 127.0.0.1 port with a throwaway data dir, seeds an artist with TRACKS generated
# tracks (uploaded through the API, processed to ready) and a listener, starts
# nginx on another free port to serve the floor (the very rendition the app played,
# progressive or HLS, and bare pages), and runs Benchmarks/web/bench.py: a cold load
# of Home signed in (time to the view, JS+CSS bytes against the 100 KB budget), click
# on "Play <title>" → `playing` in the app (cache disabled) next to the same bytes
# from nginx, and the player bar's Next → `playing` (cache enabled: the kept stream
# links and the preloader). Everything it starts is stopped at the end. JSON: .build/bench-web/results.json (BENCH_SCRATCH=dir for another folder).
#   scripts/bench-web.sh
#   BASED_BIN=/path/to/based scripts/bench-web.sh      measure an existing binary (no build)
#   LOADS=7 PLAYS=60 TRACKS=4 TRACK_SECONDS=15 scripts/bench-web.sh   cold-load samples, plays per case, tracks and their length
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || pip install -q selenium
command -v ffmpeg >/dev/null 2>&1 || scripts/install-deps.sh
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

scratch=${BENCH_SCRATCH:-.build}
bin=${BASED_BIN:-${BENCH_BIN:-}}
if [ -n "$bin" ]; then
    build="given binary $bin"
else
    swift build -c release --product based --scratch-path "$scratch"
    bin=$PWD/$scratch/release/based
    build=release
fi
unset BASED_BIN BENCH_BIN   # the server refuses BASED_* variables that are not its settings
[ -x "$bin" ] || { echo "bench-web: $bin is missing"; exit 1; }

work=$(mktemp -d /tmp/based-bench-web.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/floor"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
nport=$(free_port)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
    sleep 0.3
    rm -rf "$work" || true
}
trap cleanup EXIT INT TERM

password="listen to local music 2026"
export BASED_DATA_DIR=$work/data
BASED_PORT=$port BASED_LOG_LEVEL=error BASED_WEB_DIR=$PWD/Public BASED_RATE_LIMIT=100000000 BASED_AUTH_RATE_LIMIT=100000 \
    BASED_BCRYPT_COST=4 "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/server.log"; echo "bench-web: the server did not start"; exit 1; }
base="http://127.0.0.1:$port/api/v1"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
register() {
    curl -sf -X POST "$base/auth/register" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"email\":\"$1@example.org\",\"password\":\"$password\",\"role\":\"$2\"}" | json '["accessToken"]'
}

# The artist's tracks: a tone over pink noise each, at its own pitch, uploaded at once and processed together.
artist=$(register bench_artist artist)
register bench_listener listener >/dev/null
curl -sf -X PATCH "$base/me" -H "authorization: Bearer $artist" -H 'content-type: application/json' -d '{"displayName":"Bench Artist"}' >/dev/null
ids=()
titles=()
for n in $(seq "${TRACKS:-4}"); do
    ffmpeg -nostdin -v error -f lavfi -i "sine=f=$((165 * (n + 1))):d=${TRACK_SECONDS:-15}" -f lavfi -i "anoisesrc=d=${TRACK_SECONDS:-15}:c=pink:a=0.05" \
        -filter_complex amix=inputs=2 -ac 2 -ar 44100 "$work/tone-$n.flac"
    title="Bench Tone $n"
    ids+=("$(curl -sf -X POST "$base/tracks?filename=tone-$n.flac&title=Bench%20Tone%20$n" -H "authorization: Bearer $artist" \
        -H 'content-type: audio/flac' --data-binary "@$work/tone-$n.flac" | json '["id"]')")
    titles+=("$title")
done
started=$(date +%s)
for id in "${ids[@]}"; do
    state=processing
    while [ "$state" = processing ] && [ $(( $(date +%s) - started )) -lt 300 ]; do
        sleep 0.5
        state=$(curl -sf "$base/tracks/$id" -H "authorization: Bearer $artist" | json '["state"]')
    done
    [ "$state" = ready ] || { echo "bench-web: track $id is $state"; tail -20 "$work/server.log"; exit 1; }
done
echo "bench-web: ${#ids[@]} tracks ready in $(( $(date +%s) - started )) s"
python3 - "$work/tracks.json" "${ids[@]}" <<'PY'
import json, sys
ids = sys.argv[2:]
json.dump([{"id": i, "title": f"Bench Tone {n}"} for n, i in enumerate(ids, start=1)], open(sys.argv[1], "w"))
PY

# nginx for the floor: the bench puts the files the app played (an Opus/AAC/MP3 file or HLS playlists and segments),
# the other kind of the same link for reading, and bare pages into $work/floor. Its own types (Opus in Ogg: audio/ogg).
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    sendfile on;
    tcp_nopush on;
    access_log $work/nginx-access.log;
    types {
        text/html html;
        text/javascript js;
        application/vnd.apple.mpegurl m3u8;
        audio/mp4 mp4 m4s m4a;
        audio/ogg ogg opus;
        audio/mpeg mp3;
    }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$nport;
        root $work/floor;
    }
}
NGINX
"$nginx_bin" -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"
for _ in $(seq 50); do [ -f "$work/nginx.pid" ] && break; sleep 0.1; done

mkdir -p "$scratch/bench-web"
python3 Benchmarks/web/bench.py --app "http://127.0.0.1:$port" --floor "http://127.0.0.1:$nport" --floor-root "$work/floor" \
    --nginx-log "$work/nginx-access.log" --tracks "$work/tracks.json" --login bench_listener --password "$password" \
    --loads "${LOADS:-7}" --plays "${PLAYS:-60}" --build "$build" --binary "$bin" --json "$scratch/bench-web/results.json"
