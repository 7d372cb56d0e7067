#!/usr/bin/env bash
# Walks register → sign in → refresh → refresh-token reuse against a running
# server (default http://127.0.0.1:8080) and prints each status.
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
name="demo$RANDOM$RANDOM"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
post() { curl -s -o /tmp/based-demo.json -w '%{http_code}' -X POST "$base$1" -H 'content-type: application/json' -d "$2"; }

echo "health:   $(curl -s "$base/health")"
echo "register: $(post /api/v1/auth/register "{\"username\":\"$name\",\"email\":\"$name@example.org\",\"password\":\"correct horse battery\",\"role\":\"listener\"}")"
echo "sign in:  $(post /api/v1/auth/sign-in "{\"login\":\"$name\",\"password\":\"correct horse battery\"}")"
first=$(json refreshToken < /tmp/based-demo.json)
echo "refresh:  $(post /api/v1/auth/refresh "{\"refreshToken\":\"$first\"}")"
second=$(json refreshToken < /tmp/based-demo.json)
echo "reuse:    $(post /api/v1/auth/refresh "{\"refreshToken\":\"$first\"}") $(json code < /tmp/based-demo.json)"
echo "rotated:  $(post /api/v1/auth/refresh "{\"refreshToken\":\"$second\"}") $(json code < /tmp/based-demo.json) (the family was revoked)"
rm -f /tmp/based-demo.json
