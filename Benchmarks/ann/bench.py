#!/usr/bin/env python3
"""make bench-ann: Based's HNSW index (BasedDiscovery) against hnswlib on the same vectors.

    bench.py generate DIR --n N [--dimension 64] [--queries 1000] [--distribution clustered|uniform] [--seed 2026]
    bench.py hnswlib-build DIR --index FILE [--m 16] [--ef-construction 200]      (JSON on stdout)
    bench.py hnswlib-query DIR --index FILE --ef 40 [--runs 3]                    (JSON on stdout)
    bench.py report BUILDS.jsonl QUERIES.jsonl OUT.json --meta DIR/meta.json     (table on stdout)

generate writes raw little-endian float32 files (base.f32, queries.f32) and
meta.json once; BasedDiscoveryBench computes the exact ground truth
(truth.i32) from them, and both tools are measured against it the same way:
build time for all N vectors single-threaded, resident memory added by the
build divided by N; then, from the saved indexes, for each ef recall@10 over
the queries and queries per second, single-threaded, the two tools' query
runs alternating (ROUNDS × 3 passes each) so a busy machine's noise falls on
both alike, reported as the median pass by wall clock and by CPU time.
hnswlib gets all queries in one call, which its C++ loop answers one by one,
so Python's cost per call is not counted against it.

"clustered" is a Gaussian mixture standing in for audio embeddings: N/1000
clusters (at least 10) of uneven sizes with random centres, each spread along
16 random directions of its own plus a little isotropic noise, so the data has
a low intrinsic dimension as embeddings do. "uniform" is isotropic Gaussian
noise, the hardest case for any graph index.
"""
import argparse, json, os, platform, statistics, sys, time


def resident_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def generate(args):
    import numpy as np
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    d = args.dimension
    total = args.n + args.queries

    def draw(count):
        if args.distribution == "uniform":
            return rng.standard_normal((count, d), dtype=np.float32)
        out = np.empty((count, d), dtype=np.float32)
        members = rng.choice(len(centres), size=count, p=weights)
        for start in range(0, count, 100_000):
            part = members[start:start + 100_000]
            z = rng.standard_normal((len(part), 16)).astype(np.float32)
            spread = np.einsum("nk,nkd->nd", z, bases[part])
            noise = 0.05 * rng.standard_normal((len(part), d)).astype(np.float32)
            out[start:start + len(part)] = centres[part] + spread + noise
        return out

    if args.distribution == "clustered":
        clusters = max(10, args.n // 1000)
        centres = rng.standard_normal((clusters, d)).astype(np.float32)
        bases = (0.35 * rng.standard_normal((clusters, 16, d)) / np.sqrt(16) * 4).astype(np.float32)
        weights = rng.dirichlet(np.ones(clusters))
    vectors = draw(total)
    vectors[:args.n].tofile(os.path.join(args.dir, "base.f32"))
    vectors[args.n:].tofile(os.path.join(args.dir, "queries.f32"))
    meta = {"n": args.n, "dimension": d, "queries": args.queries, "k": 10,
            "distribution": args.distribution, "seed": args.seed}
    with open(os.path.join(args.dir, "meta.json"), "w") as f:
        json.dump(meta, f)
    print(f"bench.py: wrote {args.n} {args.distribution} vectors of {d} and {args.queries} queries to {args.dir}", file=sys.stderr)


def load(args):
    import numpy as np
    meta = json.load(open(os.path.join(args.dir, "meta.json")))
    n, d, nq = meta["n"], meta["dimension"], meta["queries"]
    base = np.fromfile(os.path.join(args.dir, "base.f32"), dtype=np.float32).reshape(n, d)
    queries = np.fromfile(os.path.join(args.dir, "queries.f32"), dtype=np.float32).reshape(nq, d)
    return meta, base, queries


def hnswlib_build(args):
    import hnswlib
    import numpy as np
    meta, base, _ = load(args)
    n, d = meta["n"], meta["dimension"]
    before = resident_bytes()
    index = hnswlib.Index(space="l2", dim=d)
    index.init_index(max_elements=n, ef_construction=args.ef_construction, M=args.m, random_seed=100)
    index.set_num_threads(1)
    start = time.perf_counter()
    # In slices only to print progress; add_items with one thread inserts in order either way.
    for first in range(0, n, 100_000):
        index.add_items(base[first:first + 100_000], np.arange(first, min(n, first + 100_000)), num_threads=1)
        print(f"bench.py: hnswlib inserted {min(n, first + 100_000)} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    build = time.perf_counter() - start
    after = resident_bytes()
    index.save_index(args.index)
    print(json.dumps({"tool": "hnswlib", "version": getattr(hnswlib, "__version__", "?"), "count": n,
                      "buildSeconds": build, "residentBytesPerVector": (after - before) / n}))


def hnswlib_query(args):
    import hnswlib
    import numpy as np
    meta, _, queries = load(args)
    n, d, nq, k = meta["n"], meta["dimension"], meta["queries"], meta["k"]
    truth = np.fromfile(os.path.join(args.dir, "truth.i32"), dtype=np.int32).reshape(nq, k)
    index = hnswlib.Index(space="l2", dim=d)
    index.load_index(args.index, max_elements=n)
    index.set_num_threads(1)
    index.set_ef(args.ef)
    wall, cpu = [], []
    for _ in range(args.runs):
        # All queries in one call with one thread: hnswlib's C++ loop takes them one
        # at a time, as Based is measured, without Python's cost per call.
        start, cpu_start = time.perf_counter(), time.process_time()
        found, _ = index.knn_query(queries, k=k, num_threads=1)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - start)
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth))
    print(f"bench.py: hnswlib ef {args.ef}: recall {hits / (k * nq):.4f}, {nq / min(wall):.0f} queries/s at best", file=sys.stderr)
    print(json.dumps({"tool": "hnswlib", "ef": args.ef, "queries": nq, "recall": hits / (k * nq),
                      "wallSeconds": wall, "cpuSeconds": cpu}))


def report(args):
    builds = {b["tool"]: b for b in map(json.loads, open(args.builds))}
    queries = [json.loads(line) for line in open(args.queries)]
    meta = json.load(open(args.meta))
    ours, theirs = builds["based"], builds["hnswlib"]

    def summary(tool, ef):
        runs = [q for q in queries if q["tool"] == tool and q["ef"] == ef]
        wall = statistics.median(t for r in runs for t in r["wallSeconds"])
        cpu = statistics.median(t for r in runs for t in r["cpuSeconds"])
        return {"ef": ef, "recall": runs[0]["recall"], "queriesPerSecond": runs[0]["queries"] / wall,
                "queriesPerCPUSecond": runs[0]["queries"] / cpu, "runs": sum(len(r["wallSeconds"]) for r in runs)}

    efs = sorted({q["ef"] for q in queries})
    rows = [(summary("based", ef), summary("hnswlib", ef)) for ef in efs]
    print(f"\nANN index: {meta['n']:,} vectors of {meta['dimension']} ({meta['distribution']}), M=16, ef_construction=200, "
          f"single-threaded, recall@10 over {meta['queries']:,} queries, median of {rows[0][0]['runs']} passes per ef\n")
    print("| | Based | hnswlib |")
    print("| --- | --- | --- |")
    print(f"| build time (s) | {ours['buildSeconds']:.1f} | {theirs['buildSeconds']:.1f} |")
    print(f"| memory per vector, resident (bytes) | {ours['residentBytesPerVector']:.0f} | {theirs['residentBytesPerVector']:.0f} |")
    print()
    print("| ef | Based recall@10 | Based queries/s (per CPU s) | hnswlib recall@10 | hnswlib queries/s (per CPU s) | Based / hnswlib |")
    print("| --- | --- | --- | --- | --- | --- |")
    for a, b in rows:
        print(f"| {a['ef']} | {a['recall']:.4f} | {a['queriesPerSecond']:,.0f} ({a['queriesPerCPUSecond']:,.0f}) | "
              f"{b['recall']:.4f} | {b['queriesPerSecond']:,.0f} ({b['queriesPerCPUSecond']:,.0f}) | "
              f"{a['queriesPerSecond'] / b['queriesPerSecond']:.2f}× |")

    def first_at(column, target=0.95):
        return next((r for r in column if r["recall"] >= target), None)

    a, b = first_at([r[0] for r in rows]), first_at([r[1] for r in rows])
    if a and b:
        met = a["queriesPerSecond"] >= b["queriesPerSecond"]
        verdict = (f"recall@10 ≥ 0.95: Based from ef {a['ef']} at {a['queriesPerSecond']:,.0f} queries/s, "
                   f"hnswlib from ef {b['ef']} at {b['queriesPerSecond']:,.0f}: target {'met' if met else 'missed'}")
    else:
        met = False
        verdict = "recall@10 ≥ 0.95 not reached by " + ("Based" if not a else "hnswlib") + " at any ef measured"
    print("\n" + verdict)
    json.dump({"machine": platform.platform(), "cpus": os.cpu_count(), "meta": meta, "based": ours, "hnswlib": theirs,
               "rows": [{"based": a, "hnswlib": b} for a, b in rows], "target_met": met, "verdict": verdict},
              open(args.out, "w"), indent=1)
    print(f"JSON in {args.out}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("dir")
    g.add_argument("--n", type=int, default=1_000_000)
    g.add_argument("--dimension", type=int, default=64)
    g.add_argument("--queries", type=int, default=1000)
    g.add_argument("--distribution", choices=["clustered", "uniform"], default="clustered")
    g.add_argument("--seed", type=int, default=2026)
    h = sub.add_parser("hnswlib-build")
    h.add_argument("dir")
    h.add_argument("--index", required=True)
    h.add_argument("--m", type=int, default=16)
    h.add_argument("--ef-construction", type=int, default=200)
    q = sub.add_parser("hnswlib-query")
    q.add_argument("dir")
    q.add_argument("--index", required=True)
    q.add_argument("--ef", type=int, required=True)
    q.add_argument("--runs", type=int, default=3)
    r = sub.add_parser("report")
    r.add_argument("builds", help="one JSON line per tool from the builds")
    r.add_argument("queries", help="one JSON line per query run")
    r.add_argument("out")
    r.add_argument("--meta", required=True)
    args = parser.parse_args()
    {"generate": generate, "hnswlib-build": hnswlib_build, "hnswlib-query": hnswlib_query, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
