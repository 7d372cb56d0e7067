#!/usr/bin/env bash
# `swift build ARGS…` that prints only our own warnings and the errors, and
# fails when the build fails, so a script never goes on to run a stale binary.
# The whole output is kept in .build/build-quietly.log.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
log=.build/build-quietly.log
swift build "$@" >"$log" 2>&1
status=$?
grep -E "error|warning: .*Sources/" "$log"
if [ $status -ne 0 ]; then
    echo "swift build $* failed (exit $status); last lines of $log:" >&2
    tail -n 20 "$log" >&2
fi
exit $status
