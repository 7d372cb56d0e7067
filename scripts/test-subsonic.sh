#!/usr/bin/env bash
# The Subsonic API (/rest) through a real client library: py-opensonic from
# PyPI (installed once into a virtual environment outside the work tree) plus
# raw calls for XML and bad input, against the debug server on a free
# loopback port with a throwaway data dir; on SQLite, then on a throwaway
# PostgreSQL. Builds nothing: it uses BASED_BIN (default .build/debug/based).
# Prints a line per test and `subsonic: N passed, M failed (sqlite)` per database.
#   scripts/test-subsonic.sh
#   BASED_BIN=/tmp/based scripts/test-subsonic.sh
#   SUBSONIC_DATABASES=sqlite scripts/test-subsonic.sh     (one database only)
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.."

bin=${BASED_BIN:-$PWD/.build/debug/based}
unset BASED_BIN   # the server refuses BASED_* variables that are not its settings

# One database, in a child process of this script (with-postgres.sh wraps the PostgreSQL one).
if [ "${1:-}" = "--database" ]; then
    database=$2 python=$3
    work=$(mktemp -d /tmp/based-subsonic.XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    pid=""
    cleanup() {
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
        rm -rf "$work" || true
    }
    trap cleanup EXIT INT TERM
    mkdir -p "$work/data"
    database_url=sqlite:$work/data/based.sqlite
    if [ "$database" = postgres ]; then
        database_url=$BASED_TEST_POSTGRES_URL
        unset BASED_TEST_POSTGRES_URL
    fi
    # Wrong credentials count towards the sign-in limit; the run sends many on purpose.
    BASED_DATA_DIR=$work/data BASED_DATABASE_URL=$database_url BASED_PORT=$port BASED_LOG_LEVEL=error \
        BASED_AUTH_RATE_LIMIT=100000 BASED_RATE_LIMIT=100000 BASED_BCRYPT_COST=4 BASED_ACCESS_TOKEN_SECONDS=3600 \
        "$bin" serve >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
    if ! curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
        tail -20 "$work/server.log"
        echo "subsonic: 0 passed, 1 failed ($database)"
        exit 1
    fi
    status=0
    "$python" scripts/subsonic/client_test.py "http://127.0.0.1:$port" "$work" "$database" || status=1
    if ! kill -0 "$pid" 2>/dev/null; then echo "the server died during the run"; status=1; fi
    if [ $status -ne 0 ]; then echo "-- server log (last lines) --"; tail -20 "$work/server.log"; fi
    exit $status
fi

[ -x "$bin" ] || { echo "subsonic: $bin is missing; build it first (swift build)"; echo "subsonic: 0 passed, 1 failed"; exit 1; }
command -v ffmpeg >/dev/null 2>&1 || scripts/install-deps.sh

# py-opensonic (its API is read from this version's source: see scripts/subsonic/client_test.py).
venv=${SUBSONIC_VENV:-$HOME/.cache/based/subsonic-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import libopensonic, requests; assert libopensonic.__version__ == '10.4.1'" >/dev/null 2>&1; then
    echo "test-subsonic: installing py-opensonic into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "py-opensonic==10.4.1" requests >&2
fi

status=0
log_dir=$(mktemp -d /tmp/based-subsonic-logs.XXXXXX)
trap 'rm -rf "$log_dir"' EXIT
for database in ${SUBSONIC_DATABASES:-sqlite postgres}; do
    echo "== Subsonic ($database) =="
    if [ "$database" = postgres ]; then
        runner=(scripts/with-postgres.sh "$self" --database postgres "$venv/bin/python")
    else
        runner=("$self" --database sqlite "$venv/bin/python")
    fi
    if BASED_BIN=$bin "${runner[@]}" 2>&1 | tee "$log_dir/$database.log"; then :; else status=1; fi
    grep -q "^subsonic: .* 0 failed" "$log_dir/$database.log" || status=1
done
echo "== Summary =="
for database in ${SUBSONIC_DATABASES:-sqlite postgres}; do
    grep -E "^subsonic: " "$log_dir/$database.log" | tail -1 || echo "subsonic: did not finish ($database)"
done
exit $status
