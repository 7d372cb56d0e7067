#!/usr/bin/env bash
# Installs the reference tooling the analysis accuracy suite compares against
# (librosa from PyPI), and icalendar for the calendar tests, into a virtual environment outside the work tree, once.
# Safe to run again; prints the venv's python on the last line.
set -euo pipefail

venv=${BASED_PYTHON_VENV:-$HOME/.cache/based/python-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import librosa, numpy, scipy" >/dev/null 2>&1; then
    echo "install-python-tools: installing librosa into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check librosa >&2
fi
# The calendar tests parse Based's .ics files with the icalendar package.
if ! "$venv/bin/python" -c "import icalendar" >/dev/null 2>&1; then
    echo "install-python-tools: installing icalendar into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check icalendar >&2
fi
echo "$venv/bin/python"
