#!/usr/bin/env python3
"""make bench-subsonic: the Subsonic API over a generated library, on SQLite and PostgreSQL.

The catalogue is bench-search's (Benchmarks/search/bench.py, loaded as a
module: its Zipf vocabulary, generator and bulk loaders), 100,000 tracks by
default, with a genre and a year per release and track numbers added, written
straight into a migrated database. The release server starts on it; a
listener gets an API key through the REST API, plays 1,000 tracks, likes 200
releases and rates 100 albums (so recent, frequent, starred and highest have
something to list). Then, with wrk on loopback, one connection, requests in
turn, next to the REST calls that do the same job in the same run:

- search3 (20 artists, albums and songs) over bench-search's 500 realistic
  queries, against GET /api/v1/search (every group) with the same queries;
- getAlbumList2, size 50 at offsets 0–2,000, for each list type, against
  GET /api/v1/browse/releases (newest, 50 a page);
- a full search3 sync as apps do it (empty query, 500 songs, albums and
  artists a page until a short page), timed end to end and checked to hold
  every track once, against walking GET /api/v1/browse/tracks (100 a page).

Prints a table and writes JSON to OUT (results.json).
"""
import collections, http.client, importlib.util, json, os, random, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("TRACKS", "100000")
os.environ.setdefault("SECONDS", "5")
_spec = importlib.util.spec_from_file_location("search_bench", os.path.join(HERE, "..", "search", "bench.py"))
search = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search)

BIN = os.environ["BENCH_BIN"]
OUT = os.environ.get("OUT", "results.json")
PG_URL = os.environ.get("BASED_TEST_POSTGRES_URL")
PAGE = int(os.environ.get("SYNC_PAGE", "500"))
rng = random.Random(16)
GENRES = ["Rock", "Pop", "Techno", "House", "Jazz", "Hip-Hop", "Folk", "Ambient", "Metal", "Soul", "Punk", "Classical",
          "Reggae", "Blues", "Drum & Bass", "Indie", "Country", "Électronique", "Latin", "Brass"]
LIST_TYPES = ["newest", "random", "alphabeticalByName", "alphabeticalByArtist", "byYear", "byGenre", "recent", "frequent",
              "starred", "highest"]


def catalogue():
    """bench-search's catalogue, with what Subsonic lists by: a genre and year per release, track numbers."""
    artists, releases, tracks = search.generate()
    now = time.time()
    data = search.rows(artists, releases, tracks, now)
    year = {r[0]: 1965 + rng.randrange(61) for r in releases}
    genre = {r[0]: GENRES[min(len(GENRES) - 1, int(rng.paretovariate(1.2)) - 1)] for r in releases}
    numbers = collections.Counter()
    extra = []
    for t in tracks:
        numbers[t[2]] += 1
        extra.append((genre[t[2]], year[t[2]], numbers[t[2]]))
    data["releases"] = [row + (f"{year[r[0]]:04d}-01-01",) for row, r in zip(data["releases"], releases)]
    data["tracks"] = [row + more for row, more in zip(data["tracks"], extra)]
    search.COLUMNS["releases"] += ", release_date"
    search.COLUMNS["tracks"] += ", genre, year, track_number"
    qs, _ = search.queries(artists, releases, tracks)
    return data, qs, [str(uuid.UUID(t[0])) for t in tracks], [str(uuid.UUID(r[0])) for r in releases]


def call(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")


def subsonic(endpoint, key, **params):
    return f"/rest/{endpoint}?" + urllib.parse.urlencode({"apiKey": key, "v": "1.16.1", "c": "bench", "f": "json", **params})


def get_json(connection, path):
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status} {body[:200]!r}")
    return json.loads(body)


def full_sync(port, key):
    """search3 with an empty query, PAGE of each kind a page until a short page, as a sync client walks it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    counts, pages, times = {}, 0, []
    started = time.perf_counter()
    for kind, field in [("song", "songCount"), ("album", "albumCount"), ("artist", "artistCount")]:
        seen, offset = set(), 0
        while True:
            params = {"query": "", "songCount": 0, "albumCount": 0, "artistCount": 0, field: PAGE, field.replace("Count", "Offset"): offset}
            t0 = time.perf_counter()
            body = get_json(connection, subsonic("search3", key, **params))["subsonic-response"]
            times.append((time.perf_counter() - t0) * 1000)
            if body.get("status") != "ok":
                raise RuntimeError(f"search3 sync: {body.get('error')}")
            items = body["searchResult3"].get(kind, [])
            pages += 1
            seen.update(item["id"] for item in items)
            offset += PAGE
            if len(items) < PAGE:
                break
        counts[kind] = len(seen)
    total = time.perf_counter() - started
    return {"seconds": total, "pages": pages, "page_size": PAGE, "songs": counts["song"], "albums": counts["album"],
            "artists": counts["artist"], "page_p50_ms": search.percentile(times, 50), "page_p95_ms": search.percentile(times, 95)}


def rest_walk(port):
    """Every public track through GET /api/v1/browse/tracks, 100 a page, following nextCursor."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    seen, pages, cursor, times = set(), 0, None, []
    started = time.perf_counter()
    while True:
        path = "/api/v1/browse/tracks?limit=100" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        t0 = time.perf_counter()
        body = get_json(connection, path)
        times.append((time.perf_counter() - t0) * 1000)
        pages += 1
        seen.update(item["id"] for item in body["items"])
        cursor = body.get("nextCursor")
        if not cursor:
            break
    return {"seconds": time.perf_counter() - started, "pages": pages, "page_size": 100, "songs": len(seen),
            "page_p50_ms": search.percentile(times, 50), "page_p95_ms": search.percentile(times, 95)}


def seed_listener(base, track_ids, release_ids):
    """A listener with an API key, 1,000 plays, 200 liked releases and 100 rated albums; returns the key."""
    session = call(base, "POST", "/api/v1/auth/register",
                   {"username": "bench", "email": "bench@example.org", "password": "loopback subsonic run 2026", "role": "listener"})
    token = session["accessToken"]
    key = call(base, "POST", "/api/v1/me/app-passwords", {"name": "bench", "kind": "apiKey"}, token)["secret"]
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    played = rng.sample(track_ids, 1000)
    for start in range(0, len(played), 500):
        events = [{"playId": f"bench-{start + i}", "trackId": t, "event": "complete", "positionSeconds": 180, "at": at, "source": "library"}
                  for i, t in enumerate(played[start:start + 500])]
        call(base, "POST", "/api/v1/plays", {"events": events}, token)
    for release in rng.sample(release_ids, 200):
        call(base, "PUT", f"/api/v1/me/likes/releases/{release}", None, token)
    connection = http.client.HTTPConnection("127.0.0.1", int(urllib.parse.urlparse(base).port), timeout=60)
    for release in rng.sample(release_ids, 100):
        body = get_json(connection, subsonic("setRating", key, id=release, rating=rng.randint(1, 5)))["subsonic-response"]
        if body.get("status") != "ok":
            raise RuntimeError(f"setRating: {body.get('error')}")
    return key


def verify(port, paths, what):
    """The first paths answer status ok (a Subsonic error is an HTTP 200 too, and a fast one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for path in paths[:5]:
        body = get_json(connection, path)["subsonic-response"]
        if body.get("status") != "ok":
            raise RuntimeError(f"{what}: {body.get('error')} for {path}")


def wrk(base, paths, work, name):
    """bench-search's wrk run (its Lua script), with a 60 s timeout: a call slower than
    wrk's default 2 s would be counted as a timeout and left out of the percentiles."""
    paths_file = os.path.join(work, f"{name}.paths")
    with open(paths_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    result = os.path.join(work, f"{name}.json")
    env = dict(os.environ, PATHS_FILE=paths_file, RESULT_FILE=result, TOKEN="")
    subprocess.run(["wrk", "-t1", "-c1", f"-d{search.SECONDS}s", "--timeout", "60s", "-s",
                    os.path.join(HERE, "..", "search", "wrk-paths.lua"), base], check=True, env=env, stdout=subprocess.DEVNULL)
    return json.load(open(result))


def album_list_paths(kind, key):
    paths = []
    for _ in range(200):
        params = {"type": kind, "size": 50, "offset": rng.choice([0, 0, 50, 500, 2000])}
        if kind == "byYear":
            start = 1965 + rng.randrange(55)
            params.update(fromYear=start, toYear=start + rng.randrange(6))
        elif kind == "byGenre":
            params["genre"] = rng.choice(GENRES)
        paths.append(subsonic("getAlbumList2", key, **params))
    return paths


def run(database, data, qs, track_ids, release_ids, work):
    env = dict(os.environ, BASED_DATA_DIR=os.path.join(work, database), BASED_LOG_LEVEL="info", BASED_RATE_LIMIT="100000000",
               BASED_AUTH_RATE_LIMIT="100000", BASED_WORKERS="0")
    for name in ["BASED_TEST_POSTGRES_URL", "TRACKS", "SECONDS"]:
        env.pop(name, None)   # the bench's own settings, not the server's
    os.makedirs(env["BASED_DATA_DIR"], exist_ok=True)
    if database == "postgres":
        env["BASED_DATABASE_URL"] = PG_URL
    subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.time()
    if database == "sqlite":
        search.load_sqlite(os.path.join(env["BASED_DATA_DIR"], "based.sqlite"), data)
    else:
        search.load_postgres(PG_URL, data, work)
    loaded = time.time() - started
    port = search.free_port()
    env["BASED_PORT"] = str(port)
    log = open(os.path.join(work, f"{database}-server.log"), "w")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except Exception:
                if server.poll() is not None:
                    raise RuntimeError(f"the server stopped; see {log.name}")
                time.sleep(0.2)
        while True:   # the search index is built at start; 503 until then
            try:
                urllib.request.urlopen(base + "/api/v1/search/suggestions?q=zz", timeout=120)
                break
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    raise
                time.sleep(0.2)
        key = seed_listener(base, track_ids, release_ids)
        results = {"database": database, "catalogue_load_s": loaded}
        print(f"{database}: search3 and /api/v1/search", flush=True)
        paths = [subsonic("search3", key, query=q) for q in qs]
        verify(port, paths, "search3")
        results["search3"] = wrk(base, paths, work, f"{database}-search3")
        results["rest_search"] = wrk(base, ["/api/v1/search?q=" + urllib.parse.quote(q) for q in qs], work, f"{database}-rest-search")
        results["getAlbumList2"] = {}
        for kind in LIST_TYPES:
            print(f"{database}: getAlbumList2 {kind}", flush=True)
            paths = album_list_paths(kind, key)
            verify(port, paths, f"getAlbumList2 {kind}")
            results["getAlbumList2"][kind] = wrk(base, paths, work, f"{database}-list-{kind}")
        results["rest_browse_releases"] = wrk(base, ["/api/v1/browse/releases?limit=50"], work, f"{database}-rest-releases")
        print(f"{database}: full search3 sync, {PAGE} a page", flush=True)
        results["search3_sync"] = full_sync(port, key)
        results["rest_track_walk"] = rest_walk(port)
        results["server_rss_mb"] = search.rss_mb(server.pid)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    work = tempfile.mkdtemp(prefix="based-bench-subsonic.")
    os.chmod(work, 0o755)
    t = time.time()
    data, qs, track_ids, release_ids = catalogue()
    print(f"generated {len(data['users']):,} artists, {len(release_ids):,} releases, {len(track_ids):,} tracks in {time.time() - t:.1f} s", flush=True)
    results = {"tracks": len(track_ids), "releases": len(release_ids), "artists": len(data["users"]), "seconds_per_row": search.SECONDS,
               "runs": []}
    for database in ["sqlite"] + (["postgres"] if PG_URL else []):
        print(f"== {database} ==", flush=True)
        results["runs"].append(run(database, data, qs, track_ids, release_ids, work))
    with open(OUT, "w") as f:
        json.dump(results, f, indent=2)
    import shutil
    shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"library: {results['tracks']:,} tracks, {results['releases']:,} albums, {results['artists']:,} artists; "
          f"wrk, 1 connection, {search.SECONDS} s per row")
    print(f"{'database':<10} {'call':<44} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'non-200':>8} {'timeouts':>8}")
    for r in results["runs"]:
        d = r["database"]
        rows = [("search3 (500 queries)", r["search3"]), ("  REST /api/v1/search, same queries", r["rest_search"])]
        rows += [(f"getAlbumList2 {kind}", r["getAlbumList2"][kind]) for kind in LIST_TYPES]
        rows += [("  REST /api/v1/browse/releases?limit=50", r["rest_browse_releases"])]
        for label, m in rows:
            print(f"{d:<10} {label:<44} {m['p50_ms']:>8.2f} {m['p95_ms']:>8.2f} {m['p99_ms']:>8.2f} {m['requests']:>9} {m['non_200']:>8} "
                  f"{m.get('timeouts', 0):>8}")
        s, w = r["search3_sync"], r["rest_track_walk"]
        print(f"{d:<10} full search3 sync ({s['page_size']} a page): {s['seconds']:.1f} s, {s['pages']} pages "
              f"(p50 {s['page_p50_ms']:.1f} ms, p95 {s['page_p95_ms']:.1f} ms); {s['songs']:,} songs, {s['albums']:,} albums, {s['artists']:,} artists")
        print(f"{d:<10}   REST walk of /browse/tracks (100 a page): {w['seconds']:.1f} s, {w['pages']} pages "
              f"(p50 {w['page_p50_ms']:.1f} ms, p95 {w['page_p95_ms']:.1f} ms); {w['songs']:,} songs")
        print(f"{d:<10} catalogue written in {r['catalogue_load_s']:.1f} s; server RSS {r['server_rss_mb']:.0f} MB")
        if s["songs"] != results["tracks"]:
            print(f"{d:<10} SYNC INCOMPLETE: {s['songs']:,} of {results['tracks']:,} songs")
    print(f"\nJSON: {OUT}")
    complete = all(r["search3_sync"]["songs"] == results["tracks"] for r in results["runs"])
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
