#!/usr/bin/env bash
# Walks register → sign in → refresh → refresh-token reuse against a running
# server (default http://127.0.0.1:8080) and prints each status. The first
# reuse is within the 20-second grace (an answer lost on the way is retried)
# and rotates; the one after the grace revokes the session (takes 21 s).
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
echo "retry:    $(post /api/v1/auth/refresh "{\"refreshToken\":\"$first\"}") (within the grace: an answer lost on the way, retried)"
sleep 21
echo "reuse:    $(post /api/v1/auth/refresh "{\"refreshToken\":\"$first\"}") $(json code < /tmp/based-demo.json) (after the grace)"
echo "rotated:  $(post /api/v1/auth/refresh "{\"refreshToken\":\"$second\"}") $(json code < /tmp/based-demo.json) (the family was revoked)"
rm -f /tmp/based-demo.json
