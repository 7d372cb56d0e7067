"""What the Subsonic client tests stand on: the named-test runner, Based's REST
API (to arrange things and to see what a Subsonic call changed), raw `/rest`
calls for what py-opensonic cannot express (XML, wrong credentials, bad
values), py-opensonic's AsyncConnection driven from plain functions, and
ffprobe."""

import asyncio
import hashlib
import inspect
import json
import os
import secrets
import subprocess
import time
import traceback
import xml.etree.ElementTree as ET

import libopensonic
import requests

NAMESPACE = "{http://subsonic.org/restapi}"
API_VERSION = "1.16.1"
CLIENT = "based-client-tests"


# MARK: Named tests


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def equal(actual, expected, what):
    if actual != expected:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


class Runner:
    """Runs named tests in order; a failed one is reported and the next runs."""

    def __init__(self):
        self.tests = []
        self.passed = 0
        self.failed = []

    def test(self, name):
        def register(function):
            self.tests.append((name, function))
            return function
        return register

    def run(self, context):
        for name, function in self.tests:
            started = time.monotonic()
            try:
                function(context)
            except Exception as error:  # every failure is reported, none ends the run
                self.failed.append(name)
                detail = str(error) if isinstance(error, Failure) else "".join(
                    traceback.format_exception_only(type(error), error)).strip()
                print(f"✘ {name}: {detail}", flush=True)
                if not isinstance(error, Failure) and os.environ.get("SUBSONIC_TRACE"):
                    traceback.print_exc()
            else:
                self.passed += 1
                print(f"✔ {name} ({time.monotonic() - started:.2f} s)", flush=True)


# MARK: Based's REST API


class Rest:
    """Based's own API at /api/v1, as one signed-in user (or nobody)."""

    def __init__(self, base, token=None):
        self.base = base
        self.token = token

    def call(self, method, path, body=None, expect=(200, 201, 204), data=None, params=None):
        headers = {"accept": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        response = requests.request(method, self.base + "/api/v1" + path, json=body, data=data, params=params,
                                    headers=headers, timeout=120)
        if response.status_code not in expect:
            raise Failure(f"{method} /api/v1{path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None


# MARK: Raw /rest calls


def token_auth(username, secret):
    salt = secrets.token_hex(8)
    return {"u": username, "t": hashlib.md5((secret + salt).encode()).hexdigest(), "s": salt}


def plain_auth(username, secret):
    return {"u": username, "p": secret}


def enc_auth(username, secret):
    return {"u": username, "p": "enc:" + secret.encode().hex()}


def key_auth(key):
    return {"apiKey": key}


class Answer:
    """One /rest answer: the HTTP facts and, for XML and JSON, the parsed body."""

    def __init__(self, response, fmt):
        self.http = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = response.headers
        self.content = response.content
        self.fmt = fmt
        self.body = None   # the dict under "subsonic-response", or the XML root element
        if fmt == "json" and self.content_type.startswith("application/json"):
            self.body = response.json().get("subsonic-response")
        elif fmt == "xml" and "xml" in self.content_type:
            self.body = ET.fromstring(response.content)

    @property
    def status(self):
        return self.body.get("status")

    @property
    def error(self):
        """(code, message) of a failed answer, None for an ok one."""
        if self.fmt == "json":
            error = self.body.get("error")
            return (error.get("code"), error.get("message")) if error else None
        element = self.body.find(NAMESPACE + "error")
        return (int(element.get("code")), element.get("message")) if element is not None else None

    def describe(self):
        return f"HTTP {self.http} {self.content_type} {self.content[:300]!r}"


def rest_call(base, endpoint, params=None, auth=None, fmt="json", method="GET", headers=None, stream=False):
    """A /rest call as a Subsonic app makes it; `params` may hold lists for repeated parameters."""
    query = {"v": API_VERSION, "c": CLIENT}
    if fmt == "json":
        query["f"] = "json"
    query.update(auth or {})
    query.update(params or {})
    url = f"{base}/rest/{endpoint}"
    if method == "GET":
        response = requests.get(url, params=query, headers=headers, timeout=120, stream=stream)
    else:
        response = requests.post(url, data=query, headers=headers, timeout=120, stream=stream)
    return Answer(response, fmt) if not stream else response


def expect_ok(answer, what):
    check(answer.http == 200, f"{what}: {answer.describe()}")
    check(answer.body is not None, f"{what}: not {answer.fmt}: {answer.describe()}")
    check(answer.status == "ok", f"{what}: status {answer.status!r}, error {answer.error!r}")
    return answer.body


def expect_error(answer, codes, what):
    """A Subsonic error in an HTTP 200 answer of the format asked for, with a message."""
    codes = codes if isinstance(codes, (list, tuple, set)) else (codes,)
    check(answer.http == 200, f"{what}: expected HTTP 200 with a Subsonic error, got {answer.describe()}")
    check(answer.body is not None, f"{what}: not {answer.fmt}: {answer.describe()}")
    if answer.fmt == "xml":
        equal(answer.body.tag, NAMESPACE + "subsonic-response", f"{what}: root element")
    equal(answer.status, "failed", f"{what}: status")
    error = answer.error
    check(error is not None, f"{what}: no error element: {answer.describe()}")
    code, message = error
    check(code in codes, f"{what}: expected error {' or '.join(map(str, codes))}, got {code} ({message!r})")
    check(isinstance(code, int) and not isinstance(code, bool), f"{what}: error code {code!r} is not an integer")
    check(bool(message), f"{what}: error {code} has no message")
    return code, message


# MARK: py-opensonic


class Client:
    """py-opensonic's AsyncConnection on one event loop, so a test calls it
    like a function; binary answers are read with `body`."""

    loop = asyncio.new_event_loop()

    def __init__(self, base, port, **options):
        self.connection = libopensonic.AsyncConnection(base, port=port, app_name=CLIENT, **options)

    def __getattr__(self, name):
        attribute = getattr(self.connection, name)
        if inspect.iscoroutinefunction(attribute):
            return lambda *args, **kwargs: self.loop.run_until_complete(attribute(*args, **kwargs))
        return attribute

    def body(self, response):
        return self.loop.run_until_complete(response.read())

    def close(self):
        self.loop.run_until_complete(self.connection.cleanup())


def library_error(call):
    """Runs a library call that must fail and returns the exception it raised
    (py-opensonic keeps the message and names the class by the code: 40
    CredentialError, 50 AuthError, 70 DataNotFoundError, 10 ParameterError)."""
    try:
        call()
    except libopensonic.errors.SonicError as error:
        return error
    raise Failure("the call succeeded")


# MARK: Audio


def probe(path):
    """Codec, duration (seconds) and bit rate (bits per second) of the first audio stream."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
                         capture_output=True, text=True)
    check(out.returncode == 0, f"ffprobe cannot read {os.path.basename(path)}: {out.stderr.strip()[:200]}")
    data = json.loads(out.stdout)
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    check(streams, f"{os.path.basename(path)} has no audio stream")
    fmt = data.get("format", {})
    duration = float(fmt.get("duration") or streams[0].get("duration") or 0)
    bit_rate = int(fmt.get("bit_rate") or streams[0].get("bit_rate") or 0)
    return {"codec": streams[0]["codec_name"], "duration": duration, "bit_rate": bit_rate, "format": fmt.get("format_name")}


def decoded_seconds(path):
    """Seconds of audio a full decode yields: a live transcode's header may
    claim no duration or a wrong one, the samples cannot."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-ac", "1", "-ar", "8000", "-f", "s16le", "-"],
                         capture_output=True)
    check(out.returncode == 0, f"ffmpeg cannot decode {os.path.basename(path)}: {out.stderr.decode(errors='replace').strip()[:200]}")
    return len(out.stdout) / 16000


def image_size(path):
    """(codec, width, height) of an image file."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", path], capture_output=True, text=True)
    check(out.returncode == 0, f"ffprobe cannot read the image: {out.stderr.strip()[:200]}")
    stream = json.loads(out.stdout)["streams"][0]
    return stream["codec_name"], int(stream["width"]), int(stream["height"])
