#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: initdb into a temporary
# directory, start it on a free loopback port, export BASED_TEST_POSTGRES_URL,
# run the command, and always stop the server and delete its files.
#   scripts/with-postgres.sh swift test --skip-build
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "with-postgres: no PostgreSQL server binaries; run scripts/install-deps.sh" >&2; exit 1; }

dir=$(mktemp -d /tmp/based-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# PostgreSQL refuses to run as root; use the postgres account when we are root.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

stop() {
    as_pg "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT INT TERM

as_pg "$pg_bin/initdb" -D "$dir/data" -U based --auth=trust --no-sync -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" \
    start >/dev/null
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U based based_test

export BASED_TEST_POSTGRES_URL="postgres://based@127.0.0.1:$port/based_test?sslmode=disable"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
