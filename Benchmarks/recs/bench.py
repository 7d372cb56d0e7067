#!/usr/bin/env python3
"""make bench-recs: Home and radio over a generated catalogue, on SQLite.

Writes TRACKS tracks (100,000 by default) by ARTISTS artists in 20 cities and
12 genres, each with a stored analysis (a real `based analyze` result of a
tone, its 54-dimension embedding replaced by a vector from one of 200 sound
clusters, and its tempo, energy and brightness drawn per cluster), USERS
listeners (10,000) with 40 plays each from two clusters of their own, and a
bench listener with the same kind of history, straight into a migrated
database. Starts the release server on it (workers off) and measures on
loopback, one connection, requests in turn:

- how long the server takes to read the catalogue into discovery and to
  train the collaborative model, and its memory after;
- GET /api/v1/me/home for the bench listener with wrk: p50/p95/p99;
- POST /api/v1/radio/{id}/next (one track a call, alternately reporting the
  previous one played or skipped) on a keep-alive connection from Python:
  p50/p95/p99 over RADIO_CALLS calls;
- in the same run, the naive reference for the candidate step: the exact
  nearest 150 tracks to a taste vector by scoring all TRACKS embeddings
  with numpy (one matrix-vector product and a partial sort), in-process, no
  HTTP, so it is flattered.

Prints a table and writes JSON to OUT.
"""
import json, math, os, random, shutil, sqlite3, subprocess, sys, tempfile, time, urllib.error, urllib.request, uuid

import numpy as np
from http.client import HTTPConnection

BIN = os.environ["BENCH_BIN"]
OUT = os.environ.get("OUT", "results.json")
TRACKS = int(os.environ.get("TRACKS", "100000"))
ARTISTS = int(os.environ.get("ARTISTS", str(max(10, TRACKS // 50))))
USERS = int(os.environ.get("USERS", "10000"))
SECONDS = int(os.environ.get("SECONDS", "10"))
RADIO_CALLS = int(os.environ.get("RADIO_CALLS", "500"))
CLUSTERS = 200
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from loopback import free_port, http, wrk  # noqa: E402

rng = random.Random(2026)
np_rng = np.random.default_rng(2026)
CITIES = ["Leipzig", "Berlin", "Hamburg", "Köln", "München", "Dresden", "Wien", "Zürich", "Prag", "Krakau",
          "Lyon", "Gent", "Utrecht", "Aarhus", "Malmö", "Bergen", "Turku", "Porto", "Bologna", "Graz"]
GENRES = ["techno", "house", "jazz", "folk", "punk", "ambient", "hip-hop", "indie", "metal", "soul", "dub", "classical"]


def uuid7(ms):
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    return str(uuid.UUID(int=value)).upper()


def template(work):
    """A real stored analysis to vary: `based analyze` of a three-second tone."""
    tone = os.path.join(work, "tone.wav")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=440:d=3", tone], check=True)
    return json.loads(subprocess.run([BIN, "analyze", tone], check=True, capture_output=True, text=True).stdout)


def generate(analysis):
    now = time.time()
    start_ms = int(now * 1000) - 300 * 86400 * 1000
    dimension = len(analysis["embedding"]["vector"])
    centres = np_rng.normal(size=(CLUSTERS, dimension))
    traits = [(rng.uniform(70, 170), rng.uniform(0.02, 0.4), rng.uniform(800, 4000)) for _ in range(CLUSTERS)]
    artists = [(uuid7(start_ms + n), f"artist{n}", f"Artist {n}", CITIES[n % len(CITIES)], rng.randrange(CLUSTERS)) for n in range(ARTISTS)]
    tracks, analyses, by_cluster = [], [], [[] for _ in range(CLUSTERS)]
    vectors = np.empty((TRACKS, dimension), dtype=np.float32)
    for n in range(TRACKS):
        artist = artists[rng.randrange(ARTISTS)]
        cluster = artist[4] if rng.random() < 0.7 else rng.randrange(CLUSTERS)
        vector = centres[cluster] + 0.6 * np_rng.normal(size=dimension)
        vector /= np.linalg.norm(vector)
        vectors[n] = vector
        track_id = uuid7(start_ms + 5000 + n * 20)
        tracks.append((track_id, artist[0], f"Track {n}", GENRES[cluster % len(GENRES)], now - rng.uniform(0, 300) * 86400))
        tempo, energy, brightness = traits[cluster]
        result = dict(analysis)
        result["embedding"] = dict(analysis["embedding"], vector=[float(x) for x in vector])
        result["tempo"] = dict(analysis["tempo"], bpm=tempo * rng.uniform(0.95, 1.05))
        result["features"] = dict(analysis["features"], rms=dict(analysis["features"]["rms"], mean=energy * rng.uniform(0.8, 1.2)),
                                  centroid=dict(analysis["features"]["centroid"], mean=brightness * rng.uniform(0.8, 1.2)))
        analyses.append((track_id, json.dumps(result, separators=(",", ":"))))
        by_cluster[cluster].append(n)
    return now, artists, tracks, analyses, vectors, by_cluster


def history(tracks, by_cluster, count):
    """A listener's plays: two clusters of their own, a few from anywhere; most heard to the end."""
    own = [c for c in rng.sample(range(CLUSTERS), 2) if by_cluster[c]] or [0]
    chosen = []
    for _ in range(count):
        pool = by_cluster[rng.choice(own)] if rng.random() < 0.85 else range(len(tracks))
        chosen.append(tracks[rng.choice(pool)][0])
    return chosen


def plays_rows(user, track_ids, now):
    rows = []
    for index, track in enumerate(track_ids):
        at = now - (len(track_ids) - index) * 3600 - rng.uniform(0, 600)
        skipped = rng.random() < 0.15
        rows.append((uuid7(int(at * 1000)), user, track, f"p{index}-{rng.getrandbits(32)}", at, 30.0 if skipped else 180.0,
                     0 if skipped else 1, 1 if skipped else 0, at, None, "recommendation"))
    return rows


def load(path, now, artists, tracks, analyses, listeners):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        "INSERT INTO users (id, username, username_key, email, email_key, password_hash, role, verified, display_name, bio, city, genres, links, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'x', ?, 0, ?, '', ?, '[]', '[]', ?, ?)",
        [(a[0], a[1], a[1], f"{a[1]}@example.org", f"{a[1]}@example.org", "artist", a[2], a[3], now, now) for a in artists]
        + [(u, f"listener{n}", f"listener{n}", f"listener{n}@example.org", f"listener{n}@example.org", "listener", f"Listener {n}",
            CITIES[n % len(CITIES)], now, now) for n, (u, _) in enumerate(listeners)])
    db.executemany(
        "INSERT INTO tracks (id, artist_id, title, featured, genre, tags, explicit, visibility, state, progress, original_hash, original_format,"
        " original_size, duration_seconds, created_at, updated_at) VALUES (?, ?, ?, '[]', ?, '[]', 0, 'public', 'ready', '{}', ?, 'mp3', 1000, 180.0, ?, ?)",
        [(t[0], t[1], t[2], t[3], f"{i:064x}", t[4], t[4]) for i, t in enumerate(tracks)])
    db.executemany(
        "INSERT INTO track_analyses (track_id, analysis_version, embedding_version, tempo_bpm, key_name, result, created_at) VALUES (?, ?, ?, NULL, NULL, ?, ?)",
        [(track, "based-analysis-1", "based-embedding-1", result, now) for track, result in analyses])
    for user, played in listeners:
        db.executemany(
            "INSERT INTO plays (id, user_id, track_id, client_play_id, started_at, position_seconds, completed, skipped, updated_at, device, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", plays_rows(user, played, now))
    db.commit()
    db.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(math.ceil(p / 100 * len(values))) - 1)]


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def log_seconds(path, message):
    for line in open(path):
        if message in line:
            try:
                return float(json.loads(line).get("seconds"))
            except Exception:
                return float(line.split("seconds=")[1].split()[0])
    return None


def radio_calls(port, token, radio, first):
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    previous, times = first, []
    for call in range(RADIO_CALLS):
        report = {"played": [previous]} if call % 2 == 0 else {"skipped": [previous]}
        body = json.dumps(dict(report, count=1))
        started = time.perf_counter()
        connection.request("POST", f"/api/v1/radio/{radio}/next", body=body, headers=headers)
        response = connection.getresponse()
        payload = json.loads(response.read())
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200 or not payload["items"]:
            raise SystemExit(f"radio next answered {response.status}: {payload}")
        previous = payload["items"][0]["track"]["id"]
    connection.close()
    return {"requests": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "p99_ms": percentile(times, 99)}


def naive_candidates(vectors, taste, calls=200):
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        scores = vectors @ taste
        top = np.argpartition(-scores, 150)[:150]
        top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - started) * 1000)
    return {"calls": calls, "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}


def main():
    work = tempfile.mkdtemp(prefix="based-bench-recs.")
    analysis = template(work)
    started = time.time()
    now, artists, tracks, analyses, vectors, by_cluster = generate(analysis)
    listeners = [(uuid7(int(now * 1000) - 10_000_000 + n), history(tracks, by_cluster, 40)) for n in range(USERS)]
    generated = time.time() - started
    env = dict(os.environ, BASED_DATA_DIR=os.path.join(work, "sqlite"), BASED_LOG_LEVEL="info", BASED_RATE_LIMIT="100000000", BASED_WORKERS="0")
    for name in ["BASED_TEST_POSTGRES_URL", "BENCH_BIN"]:
        env.pop(name, None)
    os.makedirs(env["BASED_DATA_DIR"], exist_ok=True)
    subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.time()
    load(os.path.join(env["BASED_DATA_DIR"], "based.sqlite"), now, artists, tracks, analyses, listeners)
    loaded = time.time() - started
    port = free_port()
    env["BASED_PORT"] = str(port)
    log_path = os.path.join(work, "server.log")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.time()
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        session = http("POST", base + "/api/v1/auth/register",
                       {"username": "bench", "email": "bench@example.org", "password": "loopback recs run 2026", "role": "listener"})
        token, me = session["accessToken"], session["user"]["id"].upper()
        http("PATCH", base + "/api/v1/me", {"city": CITIES[0], "genres": GENRES[:2]}, token)
        played = history(tracks, by_cluster, 60)
        db = sqlite3.connect(os.path.join(env["BASED_DATA_DIR"], "based.sqlite"), timeout=30)
        db.executemany(
            "INSERT INTO plays (id, user_id, track_id, client_play_id, started_at, position_seconds, completed, skipped, updated_at, device, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", plays_rows(me, played, now))
        db.commit()
        db.close()
        # Ready once Home answers and the model is trained (the log says when).
        while log_seconds(log_path, "discovery model trained") is None:
            time.sleep(0.5)
        ready = time.time() - t0
        memory = rss_mb(server.pid)
        home = http("GET", base + "/api/v1/me/home", token=token)
        shelves = {shelf["id"]: len(shelf["items"]) for shelf in home["shelves"]}
        home_latency = wrk(base, ["/api/v1/me/home"], work, "home", token, SECONDS)
        station = http("POST", base + "/api/v1/radio", {"trackId": str(uuid.UUID(played[-1])), "count": 1}, token)
        radio = radio_calls(port, token, station["id"], station["items"][0]["track"]["id"])
        taste = vectors[[i for i, t in enumerate(tracks) if t[0] in set(played)]].mean(axis=0)
        naive = naive_candidates(vectors, (taste / np.linalg.norm(taste)).astype(np.float32))
        results = {
            "tracks": TRACKS, "artists": ARTISTS, "users": USERS, "plays": USERS * 40 + len(played),
            "generate_s": generated, "load_s": loaded, "ready_after_start_s": ready,
            "catalogue_build_s": log_seconds(log_path, "discovery catalogue built"), "model_train_s": log_seconds(log_path, "discovery model trained"),
            "server_rss_mb": memory, "home_shelves": shelves, "home": home_latency, "radio_next": radio, "naive_exact_candidates": naive,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        if os.environ.get("KEEP_WORK"):
            print(f"bench-recs: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nbench-recs: {TRACKS:,} tracks, {ARTISTS:,} artists, {USERS:,} listeners, {results['plays']:,} plays (SQLite, release, loopback)")
    print(f"  catalogue into discovery {results['catalogue_build_s']:.1f} s, model trained in {results['model_train_s']:.1f} s, "
          f"ready {ready:.1f} s after start, {memory:.0f} MB resident")
    print(f"  Home shelves: {shelves}")
    print(f"  {'':32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9}")
    print(f"  {'GET /me/home':32} {home_latency['p50_ms']:8.2f} {home_latency['p95_ms']:8.2f} {home_latency['p99_ms']:8.2f} {home_latency['requests']:9}")
    print(f"  {'POST /radio/{id}/next':32} {radio['p50_ms']:8.2f} {radio['p95_ms']:8.2f} {radio['p99_ms']:8.2f} {radio['requests']:9}")
    print(f"  {'naive exact top-150 (numpy)':32} {naive['p50_ms']:8.2f} {naive['p95_ms']:8.2f} {'':>8} {naive['calls']:9}")
    print(f"  targets: Home p95 < 20 ms: {'met' if home_latency['p95_ms'] < 20 else 'MISSED'}; "
          f"radio next p95 < 10 ms: {'met' if radio['p95_ms'] < 10 else 'MISSED'}")
    with open(OUT, "w") as f:
        json.dump(results, f, indent=2)
    print(f"  JSON: {OUT}")


if __name__ == "__main__":
    main()
