#!/usr/bin/env python3
"""make bench-analytics: artists' dashboards over PLAYS stored plays (10,000,000 by default).

Writes ARTISTS artists (1,000) with TRACKS_PER_ARTIST tracks (10) and
LISTENERS listeners (50,000, in 40 cities) straight into a migrated SQLite
database, then PLAYS listens spread over the last 365 days (artists and
tracks Zipf-popular; about half completed, a quarter skipped; sources mixed)
together with the facts the server records for them, in arrival order. Then,
against the release server on loopback:

- the rollup: a fact recorded through the API queues the job, which folds the
  whole backlog into the per-day aggregates; facts per second;
- GET /api/v1/analytics/artists/{id} for the most played artist and for a
  middling one, over 365 days by day, 52 weeks by week and 12 months by
  month, and one track's 30 days: p50/p95/p99 with wrk, one connection,
  after three requests of each to warm the server up;
- in the same run, the naive query as the reference: the same series, sources
  and cities computed from the raw plays (GROUP BY over plays joined with
  tracks and users) in-process with Python's sqlite3 (no HTTP, so flattered);
- rollup lag: a play reported through the API until the dashboard counts it,
  ten times.

Prints a table and writes JSON to OUT.
"""
import json, math, os, random, sqlite3, subprocess, sys, time, urllib.parse, urllib.request, uuid

BIN = os.environ["BENCH_BIN"]
OUT = os.environ.get("OUT", "results.json")
PLAYS = int(os.environ.get("PLAYS", "10000000"))
ARTISTS = int(os.environ.get("ARTISTS", "1000"))
TRACKS_PER_ARTIST = int(os.environ.get("TRACKS_PER_ARTIST", "10"))
LISTENERS = int(os.environ.get("LISTENERS", "50000"))
SECONDS = int(os.environ.get("SECONDS", "10"))
WORK = os.environ["WORK"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from loopback import free_port, http, wrk as wrk_paths  # noqa: E402
rng = random.Random(2026)
DAY = 86400
SOURCES = ["recommendation", "radio", "search", "playlist", "artist", "release", "library", "feed", "subsonic", None]
SOURCE_WEIGHTS = [20, 10, 15, 20, 10, 5, 10, 5, 4, 1]
CITIES = [f"City {n}" for n in range(40)]

def ident(n, kind):
    return str(uuid.UUID(int=(kind << 120) | n)).upper()

def zipf_table(n, s=1.0):
    weights = [1 / (rank + 1) ** s for rank in range(n)]
    total, cumulative = 0.0, []
    for w in weights:
        total += w
        cumulative.append(total)
    return cumulative, total

def pick(table):
    cumulative, total = table
    x = rng.random() * total
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x: lo = mid + 1
        else: hi = mid
    return lo

def load(path, now):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    users = "id, username, username_key, email, email_key, password_hash, role, verified, display_name, bio, genres, links, city, created_at, updated_at"
    rows = [(ident(a, 1), f"artist{a}", f"artist{a}", f"artist{a}@example.org", f"artist{a}@example.org", "x", "artist", 0, f"Artist {a}", "",
             "[]", "[]", CITIES[a % len(CITIES)], now - 400 * DAY, now - 400 * DAY) for a in range(ARTISTS)]
    rows += [(ident(l, 2), f"listener{l}", f"listener{l}", f"listener{l}@example.org", f"listener{l}@example.org", "x", "listener", 0,
              f"Listener {l}", "", "[]", "[]", CITIES[l % len(CITIES)], now - 400 * DAY, now - 400 * DAY) for l in range(LISTENERS)]
    db.executemany(f"INSERT INTO users ({users}) VALUES ({','.join('?' * 15)})", rows)
    tracks = "id, artist_id, title, featured, tags, explicit, visibility, state, progress, original_hash, original_format, original_size, duration_seconds, created_at, updated_at"
    db.executemany(f"INSERT INTO tracks ({tracks}) VALUES ({','.join('?' * 15)})", (
        (ident(a * TRACKS_PER_ARTIST + t, 3), ident(a, 1), f"Track {t} of {a}", "[]", "[]", 0, "public", "ready", "{}",
         f"{a * TRACKS_PER_ARTIST + t:064x}", "mp3", 1000, 180.0, now - 400 * DAY, now - 400 * DAY)
        for a in range(ARTISTS) for t in range(TRACKS_PER_ARTIST)))
    db.commit()
    artist_table, track_table, listener_table = zipf_table(ARTISTS), zipf_table(TRACKS_PER_ARTIST, 0.8), zipf_table(LISTENERS, 0.6)
    source_table = ([sum(SOURCE_WEIGHTS[:i + 1]) for i in range(len(SOURCE_WEIGHTS))], sum(SOURCE_WEIGHTS))
    start = now - 365 * DAY
    # Listener hashes as the server keeps them: one 64-bit value per listener.
    hashes = [rng.getrandbits(63) - (1 << 62) for _ in range(LISTENERS)]
    def plays_and_facts():
        for n in range(PLAYS):
            at = start + (n / PLAYS) * 365 * DAY  # arrival order
            artist = pick(artist_table)
            track = artist * TRACKS_PER_ARTIST + pick(track_table)
            listener = pick(listener_table)
            source = SOURCES[pick(source_table)]
            completed = rng.random() < 0.5
            skipped = not completed and rng.random() < 0.5
            yield n, at, artist, track, listener, source, completed, skipped
    play_rows, fact_rows, facts = [], [], 0
    def flush():
        db.executemany("INSERT INTO plays (id, user_id, track_id, client_play_id, started_at, position_seconds, completed, skipped, updated_at, source) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?)", play_rows)
        db.executemany("INSERT INTO analytics_facts (kind, owner_id, track_id, day, listener, city, source, recorded_at) VALUES (?,?,?,?,?,?,?,?)", fact_rows)
        play_rows.clear(); fact_rows.clear()
    for n, at, artist, track, listener, source, completed, skipped in plays_and_facts():
        user, track_id, owner, day = ident(listener, 2), ident(track, 3), ident(artist, 1), int(at // DAY)
        play_rows.append((ident(n, 4), user, track_id, f"p{n}", at, 60.0, int(completed), int(skipped), at, source))
        fact_rows.append(("play", owner, track_id, day, hashes[listener], CITIES[listener % len(CITIES)], source or None, at))
        if completed: fact_rows.append(("completion", owner, track_id, day, None, None, None, at))
        if skipped: fact_rows.append(("skip", owner, track_id, day, None, None, None, at))
        facts += 1 + completed + skipped
        if len(play_rows) >= 100_000:
            flush()
            print(f"  {n + 1:,} plays written", end="\r", flush=True)
    flush()
    db.commit()
    db.close()
    print()
    return facts

def naive(path, artist, first_day, last_day, runs=5):
    """The dashboard's series, sources and cities from raw plays."""
    db = sqlite3.connect(path)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        db.execute("""SELECT CAST(p.started_at / 86400 AS INTEGER) AS d, COUNT(*), COUNT(DISTINCT p.user_id), SUM(p.completed), SUM(p.skipped)
                      FROM plays p JOIN tracks t ON t.id = p.track_id
                      WHERE t.artist_id = ? AND p.started_at >= ? AND p.started_at < ? GROUP BY d""",
                   (artist, first_day * DAY, (last_day + 1) * DAY)).fetchall()
        db.execute("""SELECT COALESCE(p.source, 'unknown'), COUNT(*) FROM plays p JOIN tracks t ON t.id = p.track_id
                      WHERE t.artist_id = ? AND p.started_at >= ? AND p.started_at < ? GROUP BY 1""",
                   (artist, first_day * DAY, (last_day + 1) * DAY)).fetchall()
        db.execute("""SELECT u.city, COUNT(*), COUNT(DISTINCT p.user_id) FROM plays p JOIN tracks t ON t.id = p.track_id JOIN users u ON u.id = p.user_id
                      WHERE t.artist_id = ? AND p.started_at >= ? AND p.started_at < ? GROUP BY 1""",
                   (artist, first_day * DAY, (last_day + 1) * DAY)).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    db.close()
    times.sort()
    return {"runs": runs, "p50_ms": times[len(times) // 2], "max_ms": times[-1]}

def wrk(base, paths, name, token):
    return wrk_paths(base, paths, WORK, name, token, SECONDS)

def day_text(day):
    return time.strftime("%Y-%m-%d", time.gmtime(day * DAY))

def main():
    now = time.time()
    data = os.path.join(WORK, "sqlite")
    os.makedirs(data, exist_ok=True)
    # Tokens for a day: rolling up ten million plays takes longer than the default 15 minutes.
    env = dict(os.environ, BASED_DATA_DIR=data, BASED_LOG_LEVEL="warning", BASED_RATE_LIMIT="100000000", BASED_WORKERS="1",
               BASED_ACCESS_TOKEN_SECONDS="86400")
    env.pop("BASED_TEST_POSTGRES_URL", None)
    path = os.path.join(data, "based.sqlite")
    # REUSE=1 (scripts/bench-analytics.sh keeps WORK then) measures the dashboards
    # again on a database an earlier run wrote and rolled up, with the same sizes.
    loaded_path = os.path.join(WORK, "loaded.json")
    sizes = {"plays": PLAYS, "artists": ARTISTS, "tracks_per_artist": TRACKS_PER_ARTIST, "listeners": LISTENERS}
    # written.json: the plays were written (the rollup may not have finished; REUSE=1 resumes it).
    written_path = os.path.join(WORK, "written.json")
    loaded = json.load(open(loaded_path)) if os.path.exists(loaded_path) else None
    resumed = json.load(open(written_path)) if not loaded and os.path.exists(written_path) else None
    for earlier, name in ((loaded, loaded_path), (resumed, written_path)):
        if earlier and earlier["sizes"] != sizes:
            sys.exit(f"{name} was written for {earlier['sizes']}, not {sizes}; run without REUSE")
    subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    waiting = None
    if loaded:
        now, facts, written = loaded["now"], loaded["facts"], loaded["write_s"]
        print(f"reusing {PLAYS:,} plays and {facts:,} facts written and rolled up by an earlier run")
    elif resumed:
        now, facts, written = resumed["now"], resumed["facts"], resumed["write_s"]
        with sqlite3.connect(path) as db:
            waiting = db.execute("SELECT COUNT(*) FROM analytics_facts").fetchone()[0]
        print(f"resuming: {PLAYS:,} plays and {facts:,} facts written by an earlier run, {waiting:,} facts still to roll up")
    else:
        subprocess.run([BIN, "user", "create", "--username", "root", "--email", "root@example.org", "--role", "admin", "--password", "bench horse battery"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        t0 = time.time()
        facts = load(path, now)
        written = time.time() - t0
        print(f"wrote {PLAYS:,} plays and {facts:,} facts in {written:.0f} s")
        json.dump({"sizes": sizes, "now": now, "facts": facts, "write_s": written}, open(written_path, "w"))

    port = free_port()
    env["BASED_PORT"] = str(port)
    log = open(os.path.join(WORK, "server.log"), "w")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        admin = http("POST", base + "/api/v1/auth/sign-in", {"login": "root", "password": "bench horse battery"})["accessToken"]
        if loaded:
            fan = http("POST", base + "/api/v1/auth/sign-in", {"login": "benchfan", "password": "bench horse battery"})["accessToken"]
            rollup = loaded["rollup_s"]
            print(f"rollup (earlier run): {facts:,} facts in {rollup:.1f} s ({facts / rollup:,.0f} facts/s)")
        else:
            if resumed:
                fan = http("POST", base + "/api/v1/auth/sign-in", {"login": "benchfan", "password": "bench horse battery"})["accessToken"]
            else:
                fan = http("POST", base + "/api/v1/auth/register",
                           {"username": "benchfan", "email": "fan@example.org", "password": "bench horse battery", "role": "listener"})["accessToken"]
            # One fact through the API queues the rollup, which takes the whole backlog.
            t0 = time.time()
            http("PUT", base + "/api/v1/users/artist0/follow", token=fan)
            while True:
                board = http("GET", base + "/api/v1/admin/dashboard", token=admin)
                if board["jobs"]["analyticsBacklog"] == 0: break
                time.sleep(1)
            rollup = time.time() - t0
            if waiting is not None:
                # The rate of the part rolled up here, as if it had been the whole.
                rate = waiting / rollup
                print(f"rollup (resumed): the last {waiting:,} facts in {rollup:.1f} s ({rate:,.0f} facts/s)")
                rollup = facts / rate
            print(f"rollup: {facts:,} facts in {rollup:.1f} s ({facts / rollup:,.0f} facts/s)")
            json.dump({"sizes": sizes, "now": now, "facts": facts, "write_s": written, "rollup_s": rollup}, open(loaded_path, "w"))

        today = int(now // DAY)
        top, middle = ident(0, 1), ident(ARTISTS // 10, 1)
        cases = {}
        for label, artist in [("top artist", top), ("artist #100", middle)]:
            api = f"/api/v1/analytics/artists/{artist.lower()}"
            cases[f"{label}, 365 days by day"] = [f"{api}?interval=day&from={day_text(today - 364)}&to={day_text(today)}"]
            cases[f"{label}, 52 weeks by week"] = [f"{api}?interval=week&from={day_text(today - 363)}&to={day_text(today)}"]
            cases[f"{label}, 12 months by month"] = [f"{api}?interval=month&from={day_text(today - 364)}&to={day_text(today)}"]
        cases["top artist's top track, 30 days"] = [f"/api/v1/analytics/artists/{top.lower()}?trackId={ident(0, 3).lower()}"]
        # Warm up: the first requests of a fresh process fault in the database's pages.
        for paths in cases.values():
            for _ in range(3):
                http("GET", base + paths[0], token=admin)
        results = {}
        for name, paths in cases.items():
            results[name] = wrk(base, paths, name.replace(" ", "_").replace(",", "").replace("'", "").replace("#", ""), admin)
        reference = {
            "top artist, 365 days by day": naive(path, top, today - 364, today),
            "artist #100, 365 days by day": naive(path, middle, today - 364, today),
        }

        # Lag: a play through the API until the dashboard counts it.
        lags = []
        artist, track = ident(ARTISTS - 1, 1).lower(), ident(ARTISTS * TRACKS_PER_ARTIST - 1, 3).lower()
        api = f"{base}/api/v1/analytics/artists/{artist}"
        for n in range(10):
            before = http("GET", api, token=admin)["totals"]["plays"]
            t0 = time.time()
            http("POST", base + "/api/v1/plays", {"events": [{"playId": f"lag{int(t0)}-{n}", "trackId": track, "event": "start", "positionSeconds": 0,
                                                              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]}, token=fan)
            while http("GET", api, token=admin)["totals"]["plays"] == before:
                time.sleep(0.05)
            lags.append(time.time() - t0)
    finally:
        server.terminate()
        server.wait(timeout=60)

    print()
    print(f"{'dashboard request (release, SQLite, loopback)':<44} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9}")
    for name, r in results.items():
        print(f"{name:<44} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['requests']:>9}")
    print()
    print(f"{'naive: same figures from raw plays (in-process)':<44} {'p50 ms':>8} {'max ms':>8}")
    for name, r in reference.items():
        print(f"{name:<44} {r['p50_ms']:>8.1f} {r['max_ms']:>8.1f}")
    lags.sort()
    print()
    print(f"rollup lag (play reported → counted), 10 plays: median {lags[len(lags) // 2]:.2f} s, max {lags[-1]:.2f} s")
    failures = sum(r["non_200"] + r["timeouts"] for r in results.values())
    out = {"plays": PLAYS, "facts": facts, "artists": ARTISTS, "tracks": ARTISTS * TRACKS_PER_ARTIST, "listeners": LISTENERS,
           "write_s": written, "rollup_s": rollup, "rollup_facts_per_s": facts / rollup, "dashboard": results, "naive": reference,
           "lag_s": {"median": lags[len(lags) // 2], "max": lags[-1], "all": lags}, "failed_requests": failures}
    json.dump(out, open(OUT, "w"), indent=2)
    print(f"JSON: {OUT}")
    if failures: sys.exit(f"{failures} dashboard requests failed")

if __name__ == "__main__":
    main()
