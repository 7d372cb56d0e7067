#!/usr/bin/env bash
# Plays a freshly uploaded track in real headless Chromium through signed
# URLs: progressive Opus, AAC and MP3, and HLS. Prints what the browser saw
# (duration, how far playback got) and fails if any of them did not play.
#   scripts/check-browser-playback.sh          (uses .build/debug/based)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
python3 -c "import selenium" 2>/dev/null || pip install -q selenium
bin=${BASED_BINARY:-$PWD/.build/debug/based}
[ -x "$bin" ] || swift build --product based

work=$(mktemp -d /tmp/based-browser.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM
export BASED_DATA_DIR=$work/data
BASED_NEW_PASSWORD="browser check 2026" "$bin" user create --username player --email p@example.org --role artist >/dev/null
BASED_PORT=$port BASED_LOG_LEVEL=error "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
token=$(curl -sf -X POST "$base/api/v1/auth/sign-in" -H 'content-type: application/json' \
    -d '{"login":"player","password":"browser check 2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
ffmpeg -nostdin -v error -f lavfi -i "sine=f=440:d=20" -ac 2 "$work/tone.flac"
id=$(curl -sf -X POST "$base/api/v1/tracks?filename=tone.flac" -H "authorization: Bearer $token" --data-binary "@$work/tone.flac" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 300); do
    state=$(curl -sf "$base/api/v1/tracks/$id" -H "authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = processing ] || break
    sleep 0.2
done
[ "$state" = ready ] || { echo "track is $state"; exit 1; }
curl -sf -X POST "$base/api/v1/tracks/$id/stream-url" -H "authorization: Bearer $token" > "$work/link.json"
python3 - "$base" "$work/link.json" <<'PY'
import json, sys
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
base, link = sys.argv[1], json.load(open(sys.argv[2]))
options = Options()
for flag in ["--headless=new", "--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--disable-gpu"]:
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
driver.set_script_timeout(30)
driver.get(base + "/health")
failed = 0
for label, src in [("opus", link["url"] + "&format=opus"), ("aac", link["url"] + "&format=aac"),
                   ("mp3", link["url"] + "&format=mp3"), ("hls", link["hlsUrl"])]:
    result = driver.execute_async_script("""
        const [src, done] = arguments; const audio = new Audio(); audio.muted = true;
        audio.onerror = () => done({error: audio.error && audio.error.code});
        audio.src = src;
        audio.play().then(() => setTimeout(() => done({duration: audio.duration, played: audio.currentTime}), 2000))
             .catch(e => done({error: String(e)}));
    """, base + src)
    ok = "error" not in result and abs(result["duration"] - 20) < 0.5 and result["played"] > 1
    failed += not ok
    print(f"{label:5} {'plays' if ok else 'FAILED'} {result}")
driver.quit()
print(f"browser playback: {4 - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
