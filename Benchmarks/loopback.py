"""Helpers the Python benchmarks share: a free loopback port, a JSON call, and
wrk over a list of paths (Benchmarks/search/wrk-paths.lua) with p50/p95/p99."""
import json, os, socket, subprocess, urllib.request

WRK_PATHS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "search", "wrk-paths.lua")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def http(method, url, body=None, token=None):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    if token: request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")

def wrk(base, paths, work, name, token="", seconds=10):
    """GETs `paths` in turn for `seconds` on one connection; returns the lua script's summary."""
    paths_file = os.path.join(work, f"{name}.paths")
    with open(paths_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    result = os.path.join(work, f"{name}.json")
    env = dict(os.environ, PATHS_FILE=paths_file, RESULT_FILE=result, TOKEN=token)
    subprocess.run(["wrk", "-t1", "-c1", f"-d{seconds}s", "-s", WRK_PATHS, base], check=True, env=env, stdout=subprocess.DEVNULL)
    return json.load(open(result))
