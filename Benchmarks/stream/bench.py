#!/usr/bin/env python3
"""Streaming benchmark: Based against nginx serving the same files, on loopback.

Measures time to first byte (p50/p95/p99) for ready renditions and for cold
live transcodes, time to the first complete HLS segment, sustained concurrent
128 kbps streams (each must arrive faster than real time), the rate of small
(64 KiB) range requests and the whole-file throughput of the same AAC
rendition over 32 connections (wrk), and large-file throughput (wrk), each as
a ratio to nginx. Prints a table and writes JSON.
"""
import argparse, asyncio, json, os, glob, statistics, subprocess, time, urllib.parse


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    f, c = int(k), min(int(k) + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


async def fetch(host, port, path, headers=None, read_all=True):
    """One GET on a fresh connection.

    Returns (time to the first response byte, time to the first body byte,
    total time, bytes received, status); with read_all=False it stops at the
    first body byte (for chunked bodies, the first byte of the first chunk).
    """
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    ttfb = time.perf_counter() - start
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(status_line.split()[1]) if status_line.startswith(b"HTTP/") else 0
    chunked = b"transfer-encoding: chunked" in head.lower()
    if chunked:
        await reader.readline()  # the first chunk's size
    body_first = await reader.read(1)
    first_body = time.perf_counter() - start
    size = len(status_line) + len(head) + len(body_first)
    while read_all:
        chunk = await reader.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
    total = time.perf_counter() - start
    writer.close()
    return ttfb, first_body, total, size, status


async def repeat(n, concurrency, factory):
    results, semaphore = [], asyncio.Semaphore(concurrency)

    async def one():
        async with semaphore:
            results.append(await factory())

    await asyncio.gather(*(one() for _ in range(n)))
    return results


def body_of(host, port, path):
    import urllib.request
    with urllib.request.urlopen(f"http://{host}:{port}{path}") as response:
        return response.read().decode()


async def hls_first_segment(host, port, master_path):
    """Time from asking for the master playlist to holding the init and first segment."""
    start = time.perf_counter()
    base = master_path.split("?")[0].rsplit("/", 1)[0]
    query = ("?" + master_path.split("?", 1)[1]) if "?" in master_path else ""
    await fetch(host, port, master_path)
    variant = "128k/index.m3u8"
    media = await asyncio.to_thread(body_of, host, port, f"{base}/{variant}{query}")
    init = next(l.split('"')[1] for l in media.splitlines() if l.startswith("#EXT-X-MAP"))
    first = next(l for l in media.splitlines() if l and not l.startswith("#"))
    init_path = init if "?" in init else init + query
    first_path = first if "?" in first else first + query
    await asyncio.gather(fetch(host, port, f"{base}/128k/{init_path}"), fetch(host, port, f"{base}/128k/{first_path}"))
    return time.perf_counter() - start


def wrk(url, seconds, connections, headers=None):
    """Runs wrk; returns requests per second, MiB per second and the latency percentiles (ms)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    result = {"requests_s": float("nan"), "mib_s": float("nan"), "errors": 0}
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["requests_s"] = float(parts[1])
        elif line.startswith("Transfer/sec:"):
            value = parts[1]
            scale = {"GB": 1024, "MB": 1, "KB": 1 / 1024, "B": 1 / 2 ** 20}
            for unit, factor in scale.items():
                if value.endswith(unit):
                    result["mib_s"] = float(value[: -len(unit)]) * factor
                    break
        elif len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            for unit, factor in units.items():
                if parts[1].endswith(unit) and parts[1][: -len(unit)].replace(".", "", 1).isdigit():
                    result[f"p{parts[0][:-1]}_ms"] = float(parts[1][: -len(unit)]) * factor
                    break
        elif line.strip().startswith("Non-2xx or 3xx responses:") or line.strip().startswith("Socket errors:"):
            result["errors"] += sum(int(p.strip(",")) for p in parts if p.strip(",").isdigit())
    return result


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--based", required=True, help="host:port of Based")
    parser.add_argument("--nginx", required=True, help="host:port of nginx serving the media folder")
    parser.add_argument("--track", required=True)
    parser.add_argument("--big-track", required=True)
    parser.add_argument("--signed-query", required=True)
    parser.add_argument("--big-signed-query", required=True)
    parser.add_argument("--media-root", required=True)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--stream-seconds", type=float, default=30)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    bhost, bport = args.based.split(":")
    nhost, nport = args.nginx.split(":")
    bport, nport = int(bport), int(nport)
    q = args.signed_query
    track = args.track
    rows = {}

    # 1. TTFB, ready rendition (64 KiB range, as a player's first request).
    based_path = f"/api/v1/tracks/{track}/stream?format=aac&maxBitRate=128&{q}"
    nginx_path = f"/renditions/{track}/aac-128.m4a"
    rng = {"Range": "bytes=0-65535"}
    for name, host, port, path in [("based", bhost, bport, based_path), ("nginx", nhost, nport, nginx_path)]:
        await repeat(50, 4, lambda: fetch(host, port, path, rng))
        results = await repeat(args.requests, 4, lambda: fetch(host, port, path, rng))
        assert all(r[4] == 206 for r in results), f"{name}: unexpected status {set(r[4] for r in results)}"
        ttfb = [r[0] * 1000 for r in results]
        rows[f"ttfb_ready_ms_{name}"] = {p: percentile(ttfb, p) for p in (50, 95, 99)}

    # 2. First complete HLS segment (master → media playlist → init + segment).
    for name, host, port, path in [("based", bhost, bport, f"/api/v1/tracks/{track}/hls/master.m3u8?{q}"),
                                   ("nginx", nhost, nport, f"/renditions/{track}/hls/master.m3u8")]:
        times = [await hls_first_segment(host, port, path) * 1000 for _ in range(100)]
        rows[f"hls_first_segment_ms_{name}"] = {p: percentile(times, p) for p in (50, 95, 99)}

    # 3. Cold live transcode: the MP3 renditions are removed (they are derived
    # files), and so is the cached live file before every request, so each
    # request starts ffmpeg.
    for f in glob.glob(os.path.join(args.media_root, "renditions", track, "mp3-*.mp3")):
        os.remove(f)
    cold = []
    for _ in range(100):
        for f in glob.glob(os.path.join(args.media_root, "cache", track, "*")):
            os.remove(f)
        _, first_audio, _, _, status = await fetch(bhost, bport, f"/api/v1/tracks/{track}/stream?format=mp3&maxBitRate=64&{q}", read_all=False)
        assert status == 200, status
        cold.append(first_audio * 1000)
        await asyncio.sleep(0.2)
    rows["first_audio_byte_cold_transcode_ms_based"] = {p: percentile(cold, p) for p in (50, 95, 99)}
    rows["first_audio_byte_cold_transcode_ms_based"]["max"] = max(cold)

    # 4. Sustained concurrent streams of the 128 kbps rendition: each must arrive faster than real time.
    results = await repeat(args.streams, args.streams, lambda: fetch(bhost, bport, based_path.replace("&" + q, "") + "&" + q))
    assert all(r[4] == 200 for r in results), {r[4] for r in results}
    durations = [r[2] for r in results]
    sizes = [r[3] for r in results]
    slow = sum(1 for d in durations if d > args.stream_seconds)
    rows["concurrent_streams"] = {
        "clients": args.streams, "slower_than_real_time": slow,
        "slowest_s": max(durations), "median_s": statistics.median(durations), "track_s": args.stream_seconds,
        "bytes_each": statistics.median(sizes),
    }

    # 5. Large-file throughput with wrk (original of a long track).
    big = args.big_track
    based_big = f"http://{bhost}:{bport}/api/v1/tracks/{big}/stream?format=original&{args.big_signed_query}"
    originals = glob.glob(os.path.join(args.media_root, "originals", "*", "*"))
    largest = max(originals, key=os.path.getsize)
    nginx_big = f"http://{nhost}:{nport}/originals/{os.path.basename(os.path.dirname(largest))}/{os.path.basename(largest)}"
    based_mb = wrk(based_big, 8, 4)["mib_s"]
    nginx_mb = wrk(nginx_big, 8, 4)["mib_s"]
    rows["large_file_mb_s"] = {"based": based_mb, "nginx": nginx_mb, "ratio": based_mb / nginx_mb if nginx_mb else float("nan"),
                               "file_mb": os.path.getsize(largest) / 2 ** 20}

    # 6. Hot path, 32 connections: 64 KiB ranges of the 128 kbps AAC rendition
    # (a player seeking and buffering), and the same rendition whole.
    based_url = f"http://{bhost}:{bport}{based_path}"
    nginx_url = f"http://{nhost}:{nport}{nginx_path}"
    for name, headers in (("range_64k", {"Range": "bytes=0-65535"}), ("whole_file", None)):
        based = wrk(based_url, args.wrk_seconds, 32, headers)
        reference = wrk(nginx_url, args.wrk_seconds, 32, headers)
        rows[name] = {"based": based, "nginx": reference,
                      "ratio_requests": based["requests_s"] / reference["requests_s"] if reference["requests_s"] else float("nan"),
                      "ratio_mib": based["mib_s"] / reference["mib_s"] if reference["mib_s"] else float("nan"),
                      "file_kib": os.path.getsize(os.path.join(args.media_root, "renditions", track, "aac-128.m4a")) / 1024}

    print()
    print(f"{'measure':44} {'p50':>9} {'p95':>9} {'p99':>9}")
    for key in ("ttfb_ready_ms_based", "ttfb_ready_ms_nginx", "hls_first_segment_ms_based", "hls_first_segment_ms_nginx", "first_audio_byte_cold_transcode_ms_based"):
        r = rows[key]
        print(f"{key:44} {r[50]:9.2f} {r[95]:9.2f} {r[99]:9.2f}")
    c = rows["concurrent_streams"]
    print(f"concurrent 128 kbps streams: {c['clients']} clients, {c['slower_than_real_time']} slower than real time, "
          f"median {c['median_s']:.2f} s, slowest {c['slowest_s']:.2f} s for {c['track_s']:.0f} s of audio")
    t = rows["large_file_mb_s"]
    print(f"large file ({t['file_mb']:.0f} MB): Based {t['based']:.0f} MB/s, nginx {t['nginx']:.0f} MB/s, ratio {t['ratio']:.2f}")
    print()
    print(f"{'32 connections, AAC 128k rendition':36} {'Based':>12} {'nginx':>12} {'ratio':>7} {'Based p50/p99 ms':>18} {'nginx p50/p99 ms':>18}")
    for name, label, key, unit in (("range_64k", "64 KiB ranges, requests/s", "requests_s", ""),
                                   ("whole_file", f"whole file ({rows['whole_file']['file_kib']:.0f} KiB), MiB/s", "mib_s", "")):
        r = rows[name]
        b, n = r["based"], r["nginx"]
        ratio = r["ratio_requests"] if key == "requests_s" else r["ratio_mib"]
        print(f"{label:36} {b[key]:12.0f} {n[key]:12.0f} {ratio:7.2f} "
              f"{b.get('p50_ms', float('nan')):8.2f}/{b.get('p99_ms', float('nan')):<9.2f} {n.get('p50_ms', float('nan')):8.2f}/{n.get('p99_ms', float('nan')):<9.2f}")
        if b["errors"] or n["errors"]:
            print(f"  errors: Based {b['errors']}, nginx {n['errors']}")
    with open(args.json, "w") as f:
        json.dump({"generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": rows}, f, indent=2, default=str)
    print(f"wrote {args.json}")


asyncio.run(main())
