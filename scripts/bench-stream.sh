#!/usr/bin/env bash
# make bench-stream: a release build of Based and nginx (serving the same
# files) side by side on loopback. See Benchmarks/stream/bench.py for what is
# measured. Everything it starts is stopped at the end.
#   STREAMS=5000 scripts/bench-stream.sh
#   BENCH_SCRATCH=.build-x    build into (and write the JSON under) another scratch path than .build
#   BENCH_BIN=/path/to/based  measure an existing release binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
scripts/install-deps.sh
scratch=${BENCH_SCRATCH:-.build}
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    swift build -c release --product based --scratch-path "$scratch"
    bin=$PWD/$scratch/release/based
fi

work=$(mktemp -d /tmp/based-bench.XXXXXX)
chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
nport=$(free_port)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export BASED_DATA_DIR=$work/data
"$bin" migrate >/dev/null
BASED_NEW_PASSWORD="loopback stream test 2026" "$bin" user create --username bench --email bench@example.org --role artist >/dev/null
BASED_PORT=$port BASED_RATE_LIMIT=100000000 BASED_LOG_LEVEL=error "$bin" serve > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1"
token=$(curl -sf -X POST "$base/auth/sign-in" -H 'content-type: application/json' \
    -d '{"login":"bench","password":"loopback stream test 2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')

# A 30 s piece of pink noise and tone, and a 10-minute WAV for throughput.
ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=d=30:c=pink:a=0.2" -f lavfi -i "sine=f=330:d=30" -filter_complex amix=inputs=2 -ac 2 "$work/short.flac"
ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=d=600:c=brown:a=0.2" -ac 2 -ar 44100 "$work/long.wav"
upload() { curl -sf -X POST "$base/tracks?filename=$(basename "$1")" -H "authorization: Bearer $token" --data-binary "@$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
short=$(upload "$work/short.flac")
long=$(upload "$work/long.wav")
for id in "$short" "$long"; do
    for _ in $(seq 600); do
        state=$(curl -sf "$base/tracks/$id" -H "authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
        [ "$state" = processing ] || break
        sleep 0.5
    done
    [ "$state" = ready ] || { echo "bench-stream: track $id is $state"; exit 1; }
done
signed() { curl -sf -X POST "$base/tracks/$1/stream-url" -H "authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"].split("?",1)[1])'; }

cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 16384; }
http {
    sendfile on;
    tcp_nopush on;
    access_log off;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$nport;
        root $work/data/media;
    }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.3

mkdir -p "$scratch"
python3 Benchmarks/stream/bench.py --based "127.0.0.1:$port" --nginx "127.0.0.1:$nport" \
    --track "$short" --big-track "$long" --signed-query "$(signed "$short")" --big-signed-query "$(signed "$long")" \
    --media-root "$work/data/media" --streams "${STREAMS:-1000}" --stream-seconds 30 --json "$scratch/bench-stream.json"
