#!/usr/bin/env python3
"""make bench-events: tickets and nearby shows, on SQLite and PostgreSQL.

On a release server on loopback, per database:

- the rush: USERS listeners (1,000) claim a tier of CAPACITY (100) all at once
  (RUSH_THREADS client threads, each request its own connection); counts the
  tickets made and the sold-out answers, then every sold-out listener joins
  the waitlist; the time from the first claim sent to the last answer is the
  time to settle. The tier's own count must equal the tickets made;
- the door: every ticket checked in once (admitted), then once more (409
  "already checked in"), one request at a time: p50/p99 of each;
- nearby: EVENTS events (100,000) at VENUES venues (10,000) with pins over
  Europe written straight into the database, then GET /api/v1/events/nearby
  (25 km, soonest first) at random points of the same area, one connection:
  p50/p95/p99 — next to the naive way in the same run, every scheduled
  event's pin read and the distance computed for each (in-process, no HTTP).

Prints a table and writes JSON to OUT.
"""
import concurrent.futures, http.client, json, math, os, random, sqlite3, subprocess, sys, tempfile, time, uuid

BIN = os.environ["BENCH_BIN"]
OUT = os.environ.get("OUT", "results.json")
USERS = int(os.environ.get("USERS", "1000"))
CAPACITY = int(os.environ.get("CAPACITY", "100"))
EVENTS = int(os.environ.get("EVENTS", "100000"))
VENUES = int(os.environ.get("VENUES", "10000"))
QUERIES = int(os.environ.get("QUERIES", "1000"))
RUSH_THREADS = int(os.environ.get("RUSH_THREADS", "200"))
PG_URL = os.environ.get("BASED_TEST_POSTGRES_URL")
rng = random.Random(2026)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(math.ceil(p / 100 * len(values))) - 1))] if values else float("nan")


def free_port():
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


class Client:
    """One keep-alive connection."""
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, token=None):
        headers = {"content-type": "application/json"}
        if token: headers["authorization"] = f"Bearer {token}"
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)


def once(port, method, path, body=None, token=None):
    client = Client(port)
    try:
        return client.call(method, path, body, token)
    finally:
        client.connection.close()


def uuid7(ms):
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    return str(uuid.UUID(int=value)).upper()


def places():
    """Venues and events with pins over Europe (35–60 N, 10 W–30 E), events in the next 90 days."""
    now_ms = int(time.time() * 1000)
    venues = [(uuid7(now_ms - 10_000_000 + n), f"venue{n}", 35 + rng.random() * 25, -10 + rng.random() * 40) for n in range(VENUES)]
    events = []
    for n in range(EVENTS):
        venue = venues[rng.randrange(VENUES)]
        starts = time.time() + 3600 + rng.random() * 90 * 86400
        events.append((uuid7(now_ms + n), venue[0], venue[2] + rng.gauss(0, 0.01), venue[3] + rng.gauss(0, 0.01), starts))
    return venues, events


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def load_places(database, path_or_url, venues, events, work):
    now = time.time()
    users = [(v[0], v[1], v[1], f"{v[1]}@example.org", f"{v[1]}@example.org", "x", "venue", 0, v[1], "", "[]", "[]", now, now) for v in venues]
    rooms = [(e[0], "room", "Show", f"event:{e[0].lower()}", e[1], 0, now, now) for e in events]
    shows = [(e[0], e[1], "Show", "", e[4], e[2], e[3], "scheduled", e[0], now, now) for e in events]
    tables = {
        "users": ("id, username, username_key, email, email_key, password_hash, role, verified, display_name, bio, genres, links, created_at, updated_at", users),
        "conversations": ("id, kind, title, subject, created_by, last_seq, created_at, updated_at", rooms),
        "events": ("id, venue_id, title, description, starts_at, latitude, longitude, status, room_id, created_at, updated_at", shows),
    }
    if database == "sqlite":
        db = sqlite3.connect(path_or_url, timeout=60)
        for table, (cols, rows) in tables.items():
            db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(cols.split(',')))})", rows)
        db.commit()
        db.close()
        return
    import csv
    for table, (cols, rows) in tables.items():
        path = os.path.join(work, f"{table}.csv")
        with open(path, "w", newline="") as f:
            writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
            for row in rows:
                writer.writerow([iso(v) if isinstance(v, float) and v > 1e9 else v for v in row])
        subprocess.run(["psql", path_or_url, "-q", "-c", f"\\copy {table} ({cols}) FROM '{path}' CSV"], check=True)


def haversine(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1, math.sqrt(h)))


def naive(database, path_or_url, points):
    """Every scheduled event's pin read, the distance computed for each, the nearest 20 within 25 km kept."""
    times = []
    for point in points[:50]:
        start = time.perf_counter()
        if database == "sqlite":
            db = sqlite3.connect(path_or_url)
            rows = db.execute("SELECT id, latitude, longitude, starts_at FROM events WHERE status = 'scheduled'").fetchall()
            db.close()
        else:
            out = subprocess.run(["psql", path_or_url, "-At", "-F", ",", "-c",
                                  "SELECT id, latitude, longitude FROM events WHERE status = 'scheduled'"], capture_output=True, text=True, check=True).stdout
            rows = [line.split(",") for line in out.splitlines()]
        near = [r for r in rows if r[1] is not None and haversine(point, (float(r[1]), float(r[2]))) <= 25]
        near.sort(key=lambda r: r[0])
        times.append((time.perf_counter() - start) * 1000)
    return {"queries": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}


def run(database, work):
    data = os.path.join(work, database)
    os.makedirs(data, exist_ok=True)
    env = dict(os.environ, BASED_DATA_DIR=data, BASED_LOG_LEVEL="error", BASED_RATE_LIMIT="100000000", BASED_AUTH_RATE_LIMIT="100000000",
               BASED_BCRYPT_COST="4")
    env.pop("BASED_TEST_POSTGRES_URL", None)
    target = os.path.join(data, "based.sqlite")
    if database == "postgres":
        env["BASED_DATABASE_URL"] = PG_URL
        target = PG_URL
    subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    venues, events = places()
    started = time.time()
    load_places(database, target, venues, events, work)
    loaded = time.time() - started
    port = free_port()
    env["BASED_PORT"] = str(port)
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=open(os.path.join(work, f"{database}.log"), "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if once(port, "GET", "/health")[0] == 200: break
            except OSError:
                time.sleep(0.1)
        password = "loopback tickets run 2026"
        status, venue = once(port, "POST", "/api/v1/auth/register", {"username": "hall", "email": "hall@example.org", "password": password, "role": "venue"})
        assert status == 201, venue
        vtoken = venue["accessToken"]
        status, event = once(port, "POST", "/api/v1/events", {"title": "Rush", "startsAt": iso(time.time() + 7 * 86400), "latitude": 51.34, "longitude": 12.37}, vtoken)
        assert status == 201, event
        status, tier = once(port, "POST", f"/api/v1/events/{event['id']}/tiers",
                            {"name": "Door", "priceMinor": 1500, "currency": "EUR", "quantity": CAPACITY, "perPerson": 1}, vtoken)
        assert status == 201, tier

        def register(n):
            status, body = once(port, "POST", "/api/v1/auth/register", {"username": f"fan{n}", "email": f"fan{n}@example.org", "password": password, "role": "listener"})
            assert status == 201, body
            return body["accessToken"]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            tokens = list(pool.map(register, range(USERS)))

        # The rush: every claim at once.
        answers = [None] * USERS
        def claim(i):
            answers[i] = once(port, "POST", f"/api/v1/tiers/{tier['id']}/claims", None, tokens[i])
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(RUSH_THREADS) as pool:
            list(pool.map(claim, range(USERS)))
        settle = time.perf_counter() - t0
        made = [a[1] for a in answers if a[0] == 201]
        sold_out = [i for i, a in enumerate(answers) if a[0] == 409 and a[1].get("code") == "sold_out"]
        other = [a for a in answers if a[0] not in (201, 409) or (a[0] == 409 and a[1].get("code") != "sold_out")]
        def wait(i):
            return once(port, "POST", f"/api/v1/tiers/{tier['id']}/waitlist", None, tokens[i])[0]
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            waitlisted = sum(1 for s in pool.map(wait, sold_out) if s == 200)
        _, tiers = once(port, "GET", f"/api/v1/events/{event['id']}/tiers")
        counted = tiers["items"][0]["quantity"] - tiers["items"][0]["available"]

        # The door: a free tier of one ticket per listener (USERS tickets, so the
        # p99 rests on enough scans), then each ticket admitted once, then refused.
        status, entry = once(port, "POST", f"/api/v1/events/{event['id']}/tiers",
                             {"name": "Guest list", "priceMinor": 0, "currency": "EUR", "quantity": USERS, "perPerson": 1}, vtoken)
        assert status == 201, entry
        def enter(i):
            status, body = once(port, "POST", f"/api/v1/tiers/{entry['id']}/claims", None, tokens[i])
            assert status == 201, body
            return body
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            guests = list(pool.map(enter, range(USERS)))
        door = Client(port)
        admit, again = [], []
        for ticket in made + guests:
            for bucket, expected in ((admit, 200), (again, 409)):
                start = time.perf_counter()
                status, _ = door.call("POST", f"/api/v1/events/{event['id']}/check-ins", {"code": ticket["code"]}, vtoken)
                bucket.append((time.perf_counter() - start) * 1000)
                assert status == expected, (status, expected)

        # Nearby.
        points = [(35 + rng.random() * 25, -10 + rng.random() * 40) for _ in range(QUERIES)]
        near = Client(port)
        latencies, found = [], []
        for lat, lon in points:
            start = time.perf_counter()
            status, body = near.call("GET", f"/api/v1/events/nearby?latitude={lat:.5f}&longitude={lon:.5f}&radiusKm=25&limit=20")
            latencies.append((time.perf_counter() - start) * 1000)
            assert status == 200, body
            found.append(len(body["items"]))
        reference = naive(database, target, points)
        return {
            "database": database, "places_written_s": loaded,
            "rush": {"users": USERS, "capacity": CAPACITY, "tickets": len(made), "sold_out": len(sold_out), "other_answers": len(other),
                     "waitlisted": waitlisted, "tier_count": counted, "settle_s": settle},
            "check_in_ms": {"p50": percentile(admit, 50), "p99": percentile(admit, 99), "scans": len(admit)},
            "second_scan_ms": {"p50": percentile(again, 50), "p99": percentile(again, 99)},
            "nearby_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
                          "queries": len(latencies), "mean_found": sum(found) / len(found)},
            "naive_nearby_ms": reference,
        }
    finally:
        server.terminate()
        server.wait(timeout=60)


def main():
    work = tempfile.mkdtemp(prefix="based-bench-events.")
    os.chmod(work, 0o755)
    results = {"events": EVENTS, "venues": VENUES, "runs": []}
    for database in ["sqlite"] + (["postgres"] if PG_URL else []):
        print(f"== {database} ==", flush=True)
        results["runs"].append(run(database, work))
    with open(OUT, "w") as f:
        json.dump(results, f, indent=2)
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"{'database':<10} {'measure':<58} {'result':>30}")
    ok = True
    for r in results["runs"]:
        d, rush = r["database"], r["rush"]
        exact = rush["tickets"] == CAPACITY == rush["tier_count"] and rush["waitlisted"] == USERS - CAPACITY and rush["other_answers"] == 0
        ok = ok and exact
        print(f"{d:<10} {f'rush: {USERS:,} claims at once on a tier of {CAPACITY}':<58} "
              f"{rush['tickets']} tickets, {rush['sold_out']} sold out, {rush['waitlisted']} waitlisted {'(exact)' if exact else '(WRONG)'}")
        print(f"{d:<10} {'rush: time to settle':<58} {rush['settle_s']:>29.2f}s")
        scans = r["check_in_ms"]["scans"]
        print(f"{d:<10} {f'check-in (admit, {scans:,} scans) p50 / p99 ms, target p99 < 5':<58} {r['check_in_ms']['p50']:>14.2f} / {r['check_in_ms']['p99']:.2f}")
        print(f"{d:<10} {'second scan (409) p50 / p99 ms':<58} {r['second_scan_ms']['p50']:>14.2f} / {r['second_scan_ms']['p99']:.2f}")
        n = r["nearby_ms"]
        print(f"{d:<10} {f'nearby 25 km over {EVENTS:,} events p50 / p95 / p99 ms, target p95 < 10':<58} {n['p50']:>8.2f} / {n['p95']:.2f} / {n['p99']:.2f}")
        print(f"{d:<10} {'naive: every pin read and measured, p50 / p95 ms (no HTTP)':<58} {r['naive_nearby_ms']['p50_ms']:>14.2f} / {r['naive_nearby_ms']['p95_ms']:.2f}")
    print(f"\nJSON: {OUT}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
