#!/usr/bin/env python3
"""make bench-search: search over a generated catalogue, on SQLite and PostgreSQL.

Generates ARTISTS artists, RELEASES releases and TRACKS tracks (1,000,000 by
default) with names drawn from a Zipf-distributed vocabulary that includes
diacritics, punctuation and "feat." credits; writes them straight into a
migrated database; starts the release server on it; and measures with wrk on
loopback, one connection, requests in turn:

- the time the server takes to build its search index, and its memory after;
- GET /api/v1/search (grouped, every kind) and /search/suggestions over 500
  realistic queries (names, prefixes, single words, one-typo and accent-free
  spellings): p50/p95/p99;
- in the same run, the naive query as the floor to beat: `LIKE '%q%'` over
  tracks, releases and users' names (LIMIT 20 each), run in-process against
  the same database (no HTTP, so it is flattered);
- GET /api/v1/playlists/{id} of a 10,000-track playlist.

Prints a table and writes JSON to OUT (results.json).
"""
import json, math, os, random, sqlite3, subprocess, sys, tempfile, time, urllib.parse, urllib.request, uuid

BIN = os.environ["BENCH_BIN"]
OUT = os.environ.get("OUT", "results.json")
TRACKS = int(os.environ.get("TRACKS", "1000000"))
ARTISTS = int(os.environ.get("ARTISTS", str(max(10, TRACKS // 10))))
RELEASES = int(os.environ.get("RELEASES", str(max(10, TRACKS // 10))))
SECONDS = int(os.environ.get("SECONDS", "10"))
PG_URL = os.environ.get("BASED_TEST_POSTGRES_URL")
INDEX_BIN = os.environ.get("INDEX_BIN")  # BasedSearchBench: the index alone, before the servers
DATABASES = os.environ.get("DATABASES", "sqlite postgres").split()
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from loopback import free_port, http, wrk as wrk_paths  # noqa: E402
rng = random.Random(2026)

# A vocabulary: syllables make words, some with diacritics; word frequency is Zipf-like.
ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pl", "r", "s",
          "sh", "st", "t", "tr", "v", "w", "z", "th", "sk"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ie", "á", "é", "ö", "ü", "ø", "å", "ó", "ñ", "ç", "y"]
CODAS = ["", "", "n", "r", "s", "l", "m", "k", "t", "nd", "st", "rk", "ng", "x"]
REAL = ["love", "night", "city", "summer", "the", "of", "in", "dream", "heart", "fire", "light", "dance", "blue", "river",
        "echo", "ghost", "gold", "storm", "harbour", "midnight", "sunday", "radio", "electric", "north", "wild", "young",
        "Björk", "Sigur", "Rós", "Mötley", "Crüe", "Straße", "Café", "Señor", "Zoë", "Åsa", "Łódź", "Ærø"]

def word():
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice([1, 2, 2, 3])))

VOCAB = REAL + [word() for _ in range(20000)]
WEIGHTS = [1 / (rank + 1) ** 0.9 for rank in range(len(VOCAB))]
CUMULATIVE = []
total = 0.0
for w in WEIGHTS:
    total += w
    CUMULATIVE.append(total)

def pick():
    x = rng.random() * total
    lo, hi = 0, len(CUMULATIVE) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if CUMULATIVE[mid] < x: lo = mid + 1
        else: hi = mid
    return VOCAB[lo]

def title(words):
    return " ".join(pick().capitalize() if i == 0 else pick() for i in range(words))

def artist_name(n):
    style = rng.random()
    if style < 0.1: return f"DJ {pick().capitalize()}"
    if style < 0.2: return f"The {pick().capitalize()}s"
    if style < 0.25: return f"{pick().upper()[:3]}/{pick().upper()[:3]}"
    if style < 0.3: return f"{pick().capitalize()} & {pick().capitalize()}"
    return title(rng.choice([1, 2, 2, 3]))

def uuid7(ms):
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    return str(uuid.UUID(int=value)).upper()

def generate():
    start_ms = int(time.time() * 1000) - 400 * 86400 * 1000
    artists = []
    for n in range(ARTISTS):
        artists.append((uuid7(start_ms + n), f"artist{n}", artist_name(n)))
    releases = []
    for n in range(RELEASES):
        artist = artists[rng.randrange(ARTISTS)]
        releases.append((uuid7(start_ms + 1000 + n * 3), artist[0], title(rng.choice([1, 2, 3]))))
    tracks = []
    for n in range(TRACKS):
        release = releases[rng.randrange(RELEASES)]
        name = title(rng.choice([1, 2, 2, 3, 4]))
        featured = "[]"
        if rng.random() < 0.1:
            featured = json.dumps([artists[rng.randrange(ARTISTS)][2]], ensure_ascii=False)
        tracks.append((uuid7(start_ms + 5000 + n * 20), release[1], release[0], name, featured))
    return artists, releases, tracks

def queries(artists, releases, tracks):
    out = []
    def strip(text):
        import unicodedata
        return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").replace("ø", "o")
    def typo(text):
        words = text.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        w = words[longest]
        if len(w) >= 4:
            i = rng.randrange(1, len(w) - 1)
            w = w[:i] + w[i + 1:]  # one deletion
        words[longest] = w
        return " ".join(words)
    for _ in range(500):
        kind = rng.random()
        if kind < 0.3: q = artists[rng.randrange(len(artists))][2]
        elif kind < 0.5:
            t = tracks[rng.randrange(len(tracks))][3]
            q = t[: max(3, len(t) // 2)]
        elif kind < 0.7: q = pick()
        elif kind < 0.85: q = typo(tracks[rng.randrange(len(tracks))][3])
        else: q = strip(releases[rng.randrange(len(releases))][2])
        out.append(q.strip() or "love")
    prefixes = []
    for _ in range(500):
        name = artists[rng.randrange(len(artists))][2] if rng.random() < 0.5 else tracks[rng.randrange(len(tracks))][3]
        prefixes.append(name[: rng.randint(2, 6)].strip() or "lo")
    return out, prefixes

COLUMNS = {
    "users": "id, username, username_key, email, email_key, password_hash, role, verified, display_name, bio, genres, links, created_at, updated_at",
    "releases": "id, artist_id, title, kind, credits, visibility, created_at, updated_at",
    "tracks": "id, artist_id, release_id, title, featured, tags, explicit, visibility, state, progress, original_hash, original_format, original_size, duration_seconds, created_at, updated_at",
}

def rows(artists, releases, tracks, now):
    users = [(a[0], a[1], a[1], f"{a[1]}@example.org", f"{a[1]}@example.org", "x", "artist", 0, a[2], "", "[]", "[]", now, now) for a in artists]
    rels = [(r[0], r[1], r[2], "album", "[]", "public", now, now) for r in releases]
    trks = [(t[0], t[1], t[2], t[3], t[4], "[]", 0, "public", "ready", "{}", f"{i:064x}", "mp3", 1000, 180.0, now, now) for i, t in enumerate(tracks)]
    return {"users": users, "releases": rels, "tracks": trks}

def load_sqlite(path, data):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    for table in ["users", "releases", "tracks"]:
        cols = COLUMNS[table]
        marks = ",".join("?" * len(cols.split(",")))
        db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data[table])
    db.commit()
    db.close()

def load_postgres(url, data, work):
    import csv
    for table in ["users", "releases", "tracks"]:
        path = os.path.join(work, f"{table}.csv")
        with open(path, "w", newline="") as f:
            writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)  # "" stays an empty string, not NULL
            for row in data[table]:
                # Times (seconds since 1970) as ISO 8601; everything else as it is.
                writer.writerow([time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(v)) if isinstance(v, float) and v > 1e9 else v for v in row])
        cols = COLUMNS[table]
        subprocess.run(["psql", url, "-q", "-c", f"\\copy {table} ({cols}) FROM '{path}' CSV"], check=True)

def wrk(base, paths, work, name, token=""):
    return wrk_paths(base, paths, work, name, token, SECONDS)

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(math.ceil(p / 100 * len(values))) - 1)]

def naive_sqlite(path, qs):
    db = sqlite3.connect(path)
    times = []
    for q in qs[:60]:
        like = f"%{q}%"
        start = time.perf_counter()
        for sql in ["SELECT id FROM tracks WHERE title LIKE ? LIMIT 20", "SELECT id FROM releases WHERE title LIKE ? LIMIT 20",
                    "SELECT id FROM users WHERE display_name LIKE ? LIMIT 20"]:
            db.execute(sql, (like,)).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return {"queries": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}

def naive_postgres(url, qs, work):
    script = os.path.join(work, "naive.sql")
    with open(script, "w") as f:
        f.write("\\timing on\n")
        for q in qs[:60]:
            like = "'%" + q.replace("'", "''") + "%'"
            f.write(f"SELECT count(*) FROM (SELECT id FROM tracks WHERE title ILIKE {like} LIMIT 20) a, "
                    f"(SELECT count(*) FROM (SELECT id FROM releases WHERE title ILIKE {like} LIMIT 20) b) c, "
                    f"(SELECT count(*) FROM (SELECT id FROM users WHERE display_name ILIKE {like} LIMIT 20) d) e;\n")
    out = subprocess.run(["psql", url, "-q", "-f", script], capture_output=True, text=True, check=True).stdout
    times = [float(line.split()[1]) for line in out.splitlines() if line.startswith("Time:")]
    return {"queries": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}

def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
    return 0

def run(database, data, qs, prefixes, tracks, artists_ids, work):
    env = dict(os.environ, BASED_DATA_DIR=os.path.join(work, database), BASED_LOG_LEVEL="info", BASED_RATE_LIMIT="100000000",
               BASED_WORKERS="0")
    # The server refuses settings it does not know; this one is the bench's.
    env.pop("BASED_TEST_POSTGRES_URL", None)
    os.makedirs(env["BASED_DATA_DIR"], exist_ok=True)
    if database == "postgres":
        env["BASED_DATABASE_URL"] = PG_URL
    subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.time()
    if database == "sqlite":
        load_sqlite(os.path.join(env["BASED_DATA_DIR"], "based.sqlite"), data)
    else:
        load_postgres(PG_URL, data, work)
    loaded = time.time() - started
    port = free_port()
    env["BASED_PORT"] = str(port)
    log = open(os.path.join(work, f"{database}-server.log"), "w")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.time()
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/search/suggestions?q=zz", timeout=120)
                break
            except urllib.error.HTTPError as error:
                if error.code != 503: raise
        build = None
        for line in open(os.path.join(work, f"{database}-server.log")):
            if "search index built" in line:
                try:
                    build = float(json.loads(line).get("seconds"))
                except Exception:
                    build = float(line.split("seconds=")[1].split()[0])
        ready = time.time() - t0
        memory = rss_mb(server.pid)
        search = wrk(base, ["/api/v1/search?q=" + urllib.parse.quote(q) for q in qs], work, f"{database}-search")
        suggest = wrk(base, ["/api/v1/search/suggestions?q=" + urllib.parse.quote(q) for q in prefixes], work, f"{database}-suggest")
        # A 10,000-track playlist.
        session = http("POST", base + "/api/v1/auth/register",
                       {"username": "bench", "email": "bench@example.org", "password": "loopback search run 2026", "role": "listener"})
        token = session["accessToken"]
        playlist = http("POST", base + "/api/v1/playlists", {"title": "Ten thousand"}, token)
        ids = [str(uuid.UUID(t[0])) for t in tracks[:10000]]
        for start in range(0, len(ids), 500):
            http("POST", base + f"/api/v1/playlists/{playlist['id']}/tracks", {"trackIds": ids[start:start + 500]}, token)
        # The bench user follows 1,000 artists (rows written straight in, as the catalogue was).
        me = session["user"]["id"].upper()
        follows = [(uuid7(int(time.time() * 1000) + i), me, artists_ids[i], time.time()) for i in range(min(1000, len(artists_ids)))]
        if database == "sqlite":
            db = sqlite3.connect(os.path.join(env["BASED_DATA_DIR"], "based.sqlite"), timeout=30)
            db.executemany("INSERT INTO follows (id, follower_id, followee_id, created_at) VALUES (?, ?, ?, ?)", follows)
            db.commit()
            db.close()
        else:
            path = os.path.join(work, "follows.csv")
            with open(path, "w") as f:
                for row in follows:
                    f.write(f"{row[0]},{row[1]},{row[2]},{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(row[3]))}\n")
            subprocess.run(["psql", PG_URL, "-q", "-c", f"\\copy follows (id, follower_id, followee_id, created_at) FROM '{path}' CSV"], check=True)
        feed = wrk(base, ["/api/v1/feed"], work, f"{database}-feed", token)
        load = wrk(base, [f"/api/v1/playlists/{playlist['id']}"], work, f"{database}-playlist", token)
        entries = wrk(base, [f"/api/v1/playlists/{playlist['id']}/entries"], work, f"{database}-entries", token)
        naive = naive_sqlite(os.path.join(env["BASED_DATA_DIR"], "based.sqlite"), qs) if database == "sqlite" else naive_postgres(PG_URL, qs, work)
        return {"database": database, "catalogue_load_s": loaded, "index_build_s": build, "ready_after_start_s": ready,
                "server_rss_mb": memory, "search": search, "suggestions": suggest, "naive_like": naive, "playlist_10000": load, "feed_1000_follows": feed,
                "playlist_10000_entries": entries}
    finally:
        server.terminate()
        server.wait(timeout=30)

def index_alone(artists, releases, tracks, qs, prefixes, work):
    """The index with no HTTP and no database (BasedSearchBench), over the documents the server would build."""
    documents = os.path.join(work, "documents.tsv")
    names = {a[0]: a[2] for a in artists}
    with open(documents, "w") as f:
        for a in artists:
            f.write(f"artist\t{a[0]}\t{a[2]}\t{a[1]}\t0\t{a[0]}\n")
        for t in tracks:
            others = [names[t[1]]] + json.loads(t[4])
            f.write(f"track\t{t[0]}\t{t[3]}\t{chr(31).join(others)}\t0\t{t[1]}\n")
        for r in releases:
            f.write(f"release\t{r[0]}\t{r[2]}\t{names[r[1]]}\t0\t{r[1]}\n")
    for name, items in [("queries.txt", qs), ("prefixes.txt", prefixes)]:
        with open(os.path.join(work, name), "w") as f:
            f.write("\n".join(items) + "\n")
    out = os.path.join(work, "index.json")
    subprocess.run([INDEX_BIN, documents, os.path.join(work, "queries.txt"), os.path.join(work, "prefixes.txt"), out], check=True)
    return json.load(open(out))

def main():
    work = tempfile.mkdtemp(prefix="based-bench-search.")
    os.chmod(work, 0o755)
    t = time.time()
    artists, releases, tracks = generate()
    qs, prefixes = queries(artists, releases, tracks)
    now = time.time()
    data = rows(artists, releases, tracks, now)
    print(f"generated {len(artists)} artists, {len(releases)} releases, {len(tracks)} tracks in {time.time() - t:.1f} s", flush=True)
    results = {"tracks": TRACKS, "artists": ARTISTS, "releases": RELEASES, "runs": []}
    if INDEX_BIN:
        results["index_alone"] = index_alone(artists, releases, tracks, qs, prefixes, work)
    for database in [d for d in DATABASES if d == "sqlite" or PG_URL]:
        print(f"== {database} ==", flush=True)
        results["runs"].append(run(database, data, qs, prefixes, tracks, [a[0] for a in artists], work))
    with open(OUT, "w") as f:
        json.dump(results, f, indent=2)
    import shutil
    if os.environ.get("KEEP_WORK"):
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"catalogue: {TRACKS:,} tracks, {ARTISTS:,} artists, {RELEASES:,} releases; wrk, 1 connection, {SECONDS} s per row")
    print(f"{'database':<10} {'what':<34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9}")
    for run_ in results["runs"]:
        d = run_["database"]
        for label, key in [("search (all groups)", "search"), ("suggestions", "suggestions"), ("feed, following 1,000", "feed_1000_follows"), ("playlist of 10,000: first 100", "playlist_10000"),
                           ("playlist of 10,000: whole order", "playlist_10000_entries")]:
            r = run_[key]
            print(f"{d:<10} {label:<34} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['requests']:>9}")
        n = run_["naive_like"]
        print(f"{d:<10} {'naive LIKE %q% (3 tables, no HTTP)':<34} {n['p50_ms']:>8.2f} {n['p95_ms']:>8.2f} {'':>8} {n['queries']:>9}")
        print(f"{d:<10} index build {run_['index_build_s']} s; ready {run_['ready_after_start_s']:.1f} s after start; "
              f"server RSS {run_['server_rss_mb']:.0f} MB; catalogue written in {run_['catalogue_load_s']:.1f} s")
    if "index_alone" in results:
        i = results["index_alone"]
        print(f"\nthe index alone (no HTTP, no database): {i['documents']:,} documents, {i['words']:,} words, built in {i['build_seconds']:.1f} s, "
              f"{i['resident_mib']:.0f} MiB")
        for label, key in [("search (10+1 of every kind)", "search"), ("suggestions (8)", "suggestions"), ("naive: scan of every title", "naive_contains")]:
            r = i[key]
            print(f"{'index':<10} {label:<34} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f}")
    print(f"\nJSON: {OUT}")

if __name__ == "__main__":
    main()
