#!/usr/bin/env bash
# The whole test suite: builds once, runs every test on SQLite, then every
# test again on a real PostgreSQL that it starts itself, and reports both.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# Python references some Swift tests call (icalendar parses our .ics files).
scripts/install-python-tools.sh >/dev/null

# Feature boundaries (docs/decisions.md): a feature reaches another only
# through its service. The self-test shows each rule firing on a violation.
echo "== Feature boundaries =="
if python3 scripts/check-boundaries.py --self-test >/dev/null && python3 scripts/check-boundaries.py; then :; else
    echo "boundaries: FAILED (the list above names each crossing)"
    exit 1
fi

swift build --build-tests

status=0
# A suite gets a budget (BASED_SUITE_SECONDS, 1,200 s: four times its usual
# run here); one that outlives it is stopped and the tests it was still
# running are named, so a hang fails in minutes, saying where, and never eats
# CI's whole allowance.
suite_seconds=${BASED_SUITE_SECONDS:-1200}
run_suite() {
    local name=$1 log=$2 rc=0
    shift 2
    echo "== $name =="
    timeout -k 30 "$suite_seconds" "$@" >"$log" 2>&1 || rc=$?
    [ $rc -eq 0 ] || status=1
    # A test's app still running after a minute, and a service not stopping, say so in the log (withTestApp, NamedService).
    grep -E "^(✘|✔ Test run|with-postgres|withTestApp:)|error:|Fatal error|has not stopped" "$log" | head -200 || true
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        # swift test starts the test binary in a process group of its own, which the signal does not reach.
        pkill -KILL -f "$(pwd)/.build/.*/basedPackageTests.xctest" 2>/dev/null || true
        echo "$name: stopped after ${suite_seconds}s; tests started and not finished:"
        comm -23 <(sed -nE 's/^◇ Test (".*") started\.$/\1/p' "$log" | sort -u) \
                 <(sed -nE 's/^[✔✘➜] Test (".*")( with [0-9]+ test cases?)? (passed|failed|skipped).*/\1/p' "$log" | sort -u) | sed 's/^/    /'
    fi
}
run_suite "SQLite" .build/test-sqlite.log env BASED_TEST_DATABASE=sqlite swift test --skip-build
run_suite "PostgreSQL" .build/test-postgres.log env BASED_TEST_DATABASE=postgres scripts/with-postgres.sh swift test --skip-build
# Subsonic apps' view: /rest through py-opensonic (and raw calls for XML and bad input), on both databases.
echo "== Subsonic API (py-opensonic) =="
if timeout -k 30 900 scripts/test-subsonic.sh >.build/test-subsonic.log 2>&1; then :; else status=1; fi
grep -E "^(✘|subsonic:)" .build/test-subsonic.log || true
# Needs no database, so it runs once rather than per database.
echo "== Analysis accuracy (librosa, MIDI corpus, ffmpeg ebur128) =="
if timeout -k 30 1200 scripts/test-analysis.sh >.build/test-analysis.log 2>&1; then :; else status=1; fi
grep -E "^(FAIL|[0-9]+ pieces|3-hour file|analysis:)" .build/test-analysis.log || true

# Real headless Chromium plays a track through signed progressive and HLS URLs.
echo "== Browser playback (headless Chromium) =="
if timeout -k 30 600 scripts/check-browser-playback.sh >.build/test-browser.log 2>&1; then :; else status=1; fi
grep -E "^(opus|aac|mp3|hls) " .build/test-browser.log || true

# The web app's journeys in real headless Chromium, found by role and name,
# with axe-core on every view and the browser console checked.
echo "== Web app (headless Chromium, axe-core) =="
if timeout -k 30 900 scripts/test-web.sh >.build/test-web.log 2>&1; then :; else status=1; fi
grep -E "^(✔|✘|    |axe)" .build/test-web.log || true

summary() {
    local log=$1 name=$2
    local passed failed
    passed=$(grep -E "^✔ Test .* passed" "$log" | grep -cv "^✔ Test run" || true)
    failed=$(grep -E "^✘ Test .* failed" "$log" | grep -cv "^✘ Test run" || true)
    echo "$name: $passed passed, $failed failed"
}
echo "== Summary (tests per database; a parameterised test counts once) =="
summary .build/test-sqlite.log "SQLite"
summary .build/test-postgres.log "PostgreSQL"
grep -E "^subsonic: " .build/test-subsonic.log | tail -2 || echo "subsonic: did not finish (see .build/test-subsonic.log)"
grep -E "^browser playback:" .build/test-browser.log || echo "browser playback: did not finish (see .build/test-browser.log)"
grep -E "^web journeys:" .build/test-web.log || echo "web journeys: did not finish (see .build/test-web.log)"
grep -E "^analysis:" .build/test-analysis.log || echo "analysis: did not finish (see .build/test-analysis.log)"
exit $status
