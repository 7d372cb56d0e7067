#!/usr/bin/env python3
"""make bench-web: the web app's speed in headless Chromium on loopback (issue 13).

scripts/bench-web.sh starts the server (seeded with an artist's ready tracks and a
listener) and an nginx whose root is --floor-root, then runs this. Three parts:

1. Cold load, signed in. For each of --loads samples: a new Chromium (chromedriver
   gives each session a fresh profile: empty HTTP cache, no service worker, no
   storage) with only the session cookies of a fresh sign-in (the HttpOnly refresh
   cookie and the CSRF cookie, as a returning listener's browser holds them, set
   through CDP before anything is loaded), opens `/`. The app loads its shell,
   stylesheet and modules, trades the cookie for an access token, and renders
   Home. A script injected before the document (CDP
   Page.addScriptToEvaluateOnNewDocument) watches the DOM and records, in
   performance.now() time (0 = navigation start):
     - heading: Home's <h1> is in <main> (the view is rendered; its sections are
       still loading) — reported as painted, by Element Timing on that <h1>
       (the frame that showed it), else the next animation frame;
     - complete: every section of Home has settled (no loading state left in
       <main>) and its "Play <title>" buttons are there — the moment the DOM has
       it (a paint follows within a frame, so it can read a few ms under the
       heading's paint when both land in the same frame);
     - first-contentful-paint, from Paint Timing.
   Bytes: Resource Timing of every .js and .css file the page fetched up to one
   second after `complete` (the service worker's own sw.js is not part of the view
   and is left out): transferSize (compressed body plus headers, what crossed the
   wire), encodedBodySize (compressed body), decodedBodySize. The budget is checked
   on transferSize against 100 KB read strictly as 100,000 bytes.

2. Play latency in the app. One Chromium, signed in the same way, on Home, with
   the browser cache disabled (CDP Network.setCacheDisabled), so every play fetches
   its media from the server: a listener's first play of a track. For each play:
   the app's <audio> element (the one in the page; player.js's preloader element is
   never in it) is paused and left 0.2 s, a one-shot capture-phase `click` listener
   on window and a one-shot `playing` listener on the element are added, then
   WebDriver clicks "Play <title>" in the "New tracks" section. A click there makes
   the section the queue, and once a track plays, player.js loads the start of the
   queue's next entry with its preloader; the clicks go round the tracks in the
   REVERSE of the section's order, so the track clicked next is never the one loaded
   ahead (and with the cache disabled its bytes could not be reused from the HTTP
   cache anyway). Latency = performance.now() in the `playing` listener minus
   performance.now() in the click listener. The first play after the page loaded
   (the media stack's first use) is reported on its own; --plays more follow. Each
   play's currentSrc is checked to be the clicked track's. player.js keeps each
   track's signed stream link until a minute before it expires, so only a track's
   first play in the page calls POST /tracks/{id}/stream-url; those plays are split
   (Resource Timing) at the moment it is answered. Every play case also counts the
   media requests of the clicked track between the click and just after `playing`
   (CDP Network.requestWillBeSent of type Media, from chromedriver's performance
   log).

   "Next in the queue" (cache ENABLED, a separate Chromium): repeat "all", the first
   track of New tracks played from its button, then --plays + 1 presses of the
   player bar's "Next", each 1 s after the previous `playing`: where the kept links
   and the preloader act. After one round of the queue every track has been heard in
   the page, so most samples are also repeat plays; the ones of tracks not heard
   before are summarised on their own.

3. The floor, in the same run: the very rendition the app played (its currentSrc,
   whatever chooseSource picked: a progressive Opus/AAC/MP3 stream, `…/stream?…
   &format=opus` in this Chromium, or the HLS master playlist) is fetched once from
   the same signed URL (it needs no session) into nginx's root: a progressive
   stream as one file named by its content type (.ogg for audio/ogg; the generated
   nginx config maps it), HLS with every playlist, init segment and segment, the
   signature stripped from the URIs. Measured the same way with the cache disabled,
   --plays plays each after a first play reported on its own:
     - "src set on click": one page, one <audio> element, one "Play <title>"
       button per track whose handler sets `audio.src` and calls play() — the
       app's own flow (the element has fetched nothing of the track before the
       click) without the API call and the app's code;
     - "bare <audio src>": a page per track holding only `<audio src=…>` (default
       preload) and a Play button calling play(), loaded fresh for every play and
       clicked once the element has its metadata (readyState ≥ 1), so the browser
       has prepared the media before the click: the lower bound;
     - for reading, the other kind of the same link, src set on click: the HLS
       rendition when the app played a progressive one (what HLS would cost), or
       the progressive rendition chooseSource would pick when it played HLS.

Prints a table, compares p95 with the 60 ms target and with the floor, and writes JSON.
"""
import argparse, json, os, re, signal, statistics, subprocess, sys, time, urllib.parse, urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BUDGET_BYTES = 100_000
TARGET_P95_MS = 60.0
HEADING = "Home"


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    f, c = int(k), min(int(k) + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def summary(values):
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99),
            "max": max(values) if values else float("nan"), "min": min(values) if values else float("nan")}


# MARK: Browser


def chromium(cache_disabled=False, network_log=False):
    options = Options()
    if network_log:
        # CDP Network events through chromedriver's performance log: the media requests of each play.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=412,915", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    if cache_disabled:
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    return driver


def web_session(app, login, password):
    """Signs in as the web app does (/auth/web/sign-in); returns the cookies it set."""
    request = urllib.request.Request(app + "/api/v1/auth/web/sign-in", method="POST",
                                     data=json.dumps({"login": login, "password": password}).encode(),
                                     headers={"content-type": "application/json", "accept": "application/json", "x-based-csrf": "bench"})
    with urllib.request.urlopen(request, timeout=60) as response:
        headers = response.headers.get_all("Set-Cookie") or []
    cookies = []
    for header in headers:
        parts = [part.strip() for part in header.split(";")]
        name, value = parts[0].split("=", 1)
        attributes = {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else True) for p in parts[1:]}
        cookies.append({"name": name, "value": value, "url": app, "path": attributes.get("path", "/"),
                        "httpOnly": "httponly" in attributes, "sameSite": "Strict"})
    assert {c["name"] for c in cookies} >= {"based_refresh", "based_csrf"}, f"sign-in set {headers}"
    return cookies


def sign_in(driver, app, login, password):
    for cookie in web_session(app, login, password):
        driver.execute_cdp_cmd("Network.setCookie", cookie)


# MARK: 1. Cold load

LOAD_PROBE = """
(() => {
  const B = window.__benchLoad = { heading: null, headingFrame: null, headingPaint: null, complete: null };
  try { performance.setResourceTimingBufferSize(5000); } catch (e) {}
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.identifier === 'bench-heading' && B.headingPaint === null) B.headingPaint = entry.renderTime || entry.loadTime;
    }).observe({ type: 'element', buffered: true });
  } catch (e) {}
  const check = () => {
    const main = document.querySelector('main');
    if (!main) return;
    const h1 = main.querySelector('h1');
    if (B.heading === null && h1 && h1.textContent.trim() === %s) {
      B.heading = performance.now();
      h1.setAttribute('elementtiming', 'bench-heading');
      requestAnimationFrame((t) => { B.headingFrame = t; });
    }
    if (B.heading !== null && B.complete === null && !main.querySelector('.state-loading') && main.querySelector('button.play-button')) {
      B.complete = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();
""" % json.dumps(HEADING)

LOAD_RESULT = """
const B = window.__benchLoad;
const files = performance.getEntriesByType('resource').map((e) => ({
  path: new URL(e.name).pathname, initiator: e.initiatorType, start: e.startTime, end: e.responseEnd,
  transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize }));
const nav = performance.getEntriesByType('navigation')[0];
const fcp = performance.getEntriesByName('first-contentful-paint')[0];
return { probe: B, files, fcp: fcp ? fcp.startTime : null,
  html: nav ? { transfer: nav.transferSize, encoded: nav.encodedBodySize, decoded: nav.decodedBodySize, responseEnd: nav.responseEnd,
                domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd } : null };
"""


def cold_load(app, login, password):
    driver = chromium()
    try:
        sign_in(driver, app, login, password)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LOAD_PROBE})
        driver.get(app + "/")
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.__benchLoad && window.__benchLoad.complete !== null"))
        time.sleep(1.0)
        result = driver.execute_script(LOAD_RESULT)
    finally:
        driver.quit()
    probe = result["probe"]
    assets = [f for f in result["files"] if re.search(r"\.(js|css)$", f["path"]) and not f["path"].endswith("/sw.js")
              and f["start"] <= probe["complete"] + 1000]
    sums = lambda kind: {key: sum(f[key] for f in assets if f["path"].endswith(kind)) for key in ("transfer", "encoded", "decoded")}
    js, css = sums(".js"), sums(".css")
    return {
        "fcp_ms": result["fcp"],
        "heading_ms": probe["heading"],
        "heading_painted_ms": probe["headingPaint"] if probe["headingPaint"] else probe["headingFrame"],
        "heading_paint_source": "element-timing" if probe["headingPaint"] else "animation-frame",
        "complete_ms": probe["complete"],
        "html": result["html"],
        "js": js, "css": css,
        "js_files": sum(1 for f in assets if f["path"].endswith(".js")),
        "css_files": sum(1 for f in assets if f["path"].endswith(".css")),
        "total_transfer": js["transfer"] + css["transfer"],
        "total_encoded": js["encoded"] + css["encoded"],
        "total_decoded": js["decoded"] + css["decoded"],
        "files": sorted(({k: f[k] for k in ("path", "transfer", "encoded", "decoded")} for f in assets), key=lambda f: f["path"]),
        # Every request of the load (modules, the session refresh, Home's API calls), in ms from navigation start.
        "timeline": [{"path": f["path"], "initiator": f["initiator"], "start": round(f["start"], 1), "end": round(f["end"], 1)}
                     for f in sorted(result["files"], key=lambda f: f["start"])],
    }


# MARK: 2 and 3. Click → playing

ARM = """
const [id, scroll] = arguments;
const audio = document.querySelector('audio');
audio.pause();
const B = window.__benchPlay = { id, t0: null, stamp: null, t1: null, src: null, error: null, apiStart: null, apiEnd: null };
try { performance.setResourceTimingBufferSize(5000); performance.clearResourceTimings(); } catch (e) {}
window.addEventListener('click', (event) => { if (B.t0 === null) { B.t0 = performance.now(); B.stamp = event.timeStamp; } }, { capture: true, once: true });
audio.addEventListener('playing', () => { if (window.__benchPlay === B && B.t1 === null) { B.t1 = performance.now(); B.src = audio.currentSrc; } }, { once: true });
audio.addEventListener('error', () => { if (window.__benchPlay === B) B.error = String(audio.error && audio.error.message || audio.error && audio.error.code); }, { once: true });
if (scroll) scroll.scrollIntoView({ block: 'center', behavior: 'instant' });
return audio.paused;
"""

AWAIT = """
const done = arguments[arguments.length - 1];
const started = performance.now();
const poll = () => {
  const B = window.__benchPlay;
  if (B.t1 !== null || B.error !== null || performance.now() - started > 15000) {
    // The app's one API call between the click and the element's src: POST /tracks/{id}/stream-url.
    const call = performance.getEntriesByType('resource').filter((e) => e.name.includes('/stream-url') && B.t0 !== null && e.startTime >= B.t0 - 1).pop();
    if (call) { B.apiStart = call.startTime; B.apiEnd = call.responseEnd; }
    done(B);
  } else setTimeout(poll, 5);
};
poll();
"""


def media_requests(driver, drain=False):
    """The media requests (CDP Network.requestWillBeSent of type Media) logged since the last call, or None without the log."""
    try:
        entries = driver.get_log("performance")
    except Exception:
        return None
    if drain:
        return None
    urls = []
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent" and message["params"].get("type") == "Media":
            urls.append(message["params"]["request"]["url"])
    return urls


def play_once(driver, button, sample_id, gap=0.2):
    """Pauses, waits `gap`, clicks `button` (a WebElement or a function giving one), returns the probe's record."""
    element = button() if callable(button) else button
    assert driver.execute_script(ARM, sample_id, element), "the audio element is paused before the click"
    time.sleep(gap)
    media_requests(driver, drain=True)
    try:
        element.click()
    except StaleElementReferenceException:
        element = button()
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        element.click()
    record = driver.execute_async_script(AWAIT)
    record["media"] = media_requests(driver)
    driver.execute_script("document.querySelector('audio').pause()")
    return record


def latency(record):
    if record["t1"] is None or record["t0"] is None:
        return None
    return record["t1"] - record["t0"]


NEW_TRACKS = "section[aria-labelledby=home-tracks] button.play-button"


def home(driver, app, login, password, tracks):
    """Signs in, opens Home and waits for a "Play <title>" of every track in New tracks; returns the titles in the
    section's order (the queue a click there plays)."""
    sign_in(driver, app, login, password)
    driver.get(app + "/")
    titles = {f"Play {t['title']}" for t in tracks}
    names = lambda d: [e.accessible_name.strip() for e in d.find_elements(By.CSS_SELECTOR, NEW_TRACKS)]
    WebDriverWait(driver, 30).until(lambda d: titles <= set(names(d)))
    return [name.removeprefix("Play ") for name in names(driver) if name in titles]


def play_button(driver, title):
    def find():
        for element in driver.find_elements(By.CSS_SELECTOR, NEW_TRACKS):
            if element.accessible_name.strip() == f"Play {title}":
                return element
        raise AssertionError(f'no "Play {title}" in New tracks')
    return find


def app_plays(app, login, password, tracks, plays):
    """Home → "Play <title>", cache disabled. A click in New tracks makes the section the queue, and once the track
    plays, player.js loads the next entry's start with its preloader element; the clicks go round the tracks in the
    reverse of the section's order, so the next track clicked is never the one loaded ahead."""
    driver = chromium(cache_disabled=True, network_log=True)
    try:
        queue = home(driver, app, login, password, tracks)
        by_title = {t["title"]: t for t in tracks}
        order = [by_title[title] for title in reversed(queue)]
        buttons = {t["id"]: play_button(driver, t["title"]) for t in tracks}
        case = run_case(driver, order, plays, lambda t: buttons[t["id"]], lambda t: t["id"])
        # player.js's chooseSource: the first of opus, aac, mp3 the browser can play.
        format_ = driver.execute_script(
            "const a = document.querySelector('audio');"
            "return ([['opus', 'audio/ogg; codecs=\"opus\"'], ['aac', 'audio/mp4; codecs=\"mp4a.40.2\"'], ['mp3', 'audio/mpeg']]"
            ".find(([, type]) => a.canPlayType(type) !== '') || ['mp3'])[0];")
    finally:
        driver.quit()
    case["queue_order"] = queue
    case["click_order"] = [t["title"] for t in order]
    return case, case.pop("sources"), format_, order


def next_plays(app, login, password, tracks, plays):
    """The player bar's "Next" → `playing`, cache ENABLED: where the kept stream links and the preloader act. Repeat
    is set to "all" (so Next goes round the queue) after the first track of New tracks is played from its button (not
    measured); then each sample waits 1 s (the element is paused right after `playing`, as in every case; the
    preloader, started by that `playing`, loads the next track's start meanwhile) and presses Next."""
    driver = chromium(cache_disabled=False, network_log=True)
    try:
        queue = home(driver, app, login, password, tracks)
        by_title = {t["title"]: t for t in tracks}
        label = lambda e: (e.get_attribute("textContent") or "").strip()
        control = lambda text: next(e for e in driver.find_elements(By.CSS_SELECTOR, "button.control") if label(e) == text)
        start = play_once(driver, play_button(driver, queue[0]), "start")
        assert latency(start) is not None, f"the first track did not play: {start}"
        control("Repeat: off").click()
        WebDriverWait(driver, 5).until(lambda d: any(label(e) == "Repeat: all" for e in d.find_elements(By.CSS_SELECTOR, "button.control")))
        order = [by_title[title] for title in queue[1:] + queue[:1]]
        case = run_case(driver, order, plays, lambda t: (lambda: control("Next")), lambda t: t["id"],
                        before=lambda n, t: time.sleep(1.0), heard={by_title[queue[0]]["id"]})
    finally:
        driver.quit()
    case.pop("sources")
    case["queue_order"] = queue
    return case


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read(), response.headers.get("content-type", "")


def mirror(source_url, destination):
    """Copies what `source_url` plays into `destination`: an HLS master playlist with its
    media playlists, init segments and segments (URIs without their query), or one file.
    Returns the path to put in <audio src> (relative to `destination`'s parent), the bytes
    copied, and what it was ("hls" or the file's media type)."""
    os.makedirs(destination, exist_ok=True)
    copied = 0
    body, content_type = fetch(source_url)
    path = urllib.parse.urlparse(source_url).path
    if "mpegurl" in content_type or path.endswith(".m3u8"):
        def playlist(url, body, relative):
            nonlocal copied
            lines = []
            for line in body.decode().splitlines():
                uri = None
                if line.startswith("#EXT-X-MAP:"):
                    uri = re.search(r'URI="([^"]+)"', line).group(1)
                    line = line.replace(uri, uri.split("?")[0])
                elif line and not line.startswith("#"):
                    uri = line
                    line = uri.split("?")[0]
                lines.append(line)
                if uri:
                    child_url = urllib.parse.urljoin(url, uri)
                    child_relative = os.path.normpath(os.path.join(os.path.dirname(relative), uri.split("?")[0]))
                    child_body, child_type = fetch(child_url)
                    if "mpegurl" in child_type or child_relative.endswith(".m3u8"):
                        playlist(child_url, child_body, child_relative)
                    else:
                        os.makedirs(os.path.dirname(os.path.join(destination, child_relative)), exist_ok=True)
                        with open(os.path.join(destination, child_relative), "wb") as f:
                            f.write(child_body)
                        copied += len(child_body)
            text = "\n".join(lines) + "\n"
            os.makedirs(os.path.dirname(os.path.join(destination, relative)), exist_ok=True)
            with open(os.path.join(destination, relative), "w") as f:
                f.write(text)
            copied += len(text)
        name = os.path.basename(path)
        playlist(source_url, body, name)
        return f"{os.path.basename(destination)}/{name}", copied, "hls"
    extension = {"audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3"}.get(content_type.split(";")[0].strip(), "bin")
    with open(os.path.join(destination, f"audio.{extension}"), "wb") as f:
        f.write(body)
    return f"{os.path.basename(destination)}/audio.{extension}", len(body), content_type


FLOOR_JS = """
// The floor's pages: no framework, no API call.
const audio = document.querySelector('audio');
for (const button of document.querySelectorAll('button[data-src]')) {
  button.addEventListener('click', () => { audio.src = button.dataset.src; audio.play(); });
}
for (const button of document.querySelectorAll('button[data-play]')) {
  button.addEventListener('click', () => { audio.play(); });
}
"""


def write_floor(root, tracks, sources, reading):
    with open(os.path.join(root, "floor.js"), "w") as f:
        f.write(FLOOR_JS)
    buttons = "\n".join(f'<li><button type="button" data-src="/{sources[t["id"]]}">Play {t["title"]}</button></li>' for t in tracks)
    buttons += "\n" + "\n".join(f'<li><button type="button" data-src="/{reading[t["id"]]}">Play {t["title"]} reading</button></li>' for t in tracks)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Floor</title></head>\n'
                f'<body><audio></audio><ul>\n{buttons}\n</ul><script src="/floor.js"></script></body></html>\n')
    for n, t in enumerate(tracks):
        with open(os.path.join(root, f"bare-{n}.html"), "w") as f:
            f.write(f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{t["title"]}</title></head>\n'
                    f'<body><audio src="/{sources[t["id"]]}"></audio><button type="button" data-play>Play</button>'
                    f'<script src="/floor.js"></script></body></html>\n')


def run_case(driver, tracks, plays, button_for, expected_for, before=None, gap=0.2, media_for=None, heard=()):
    """`plays` + 1 plays round robin over `tracks`; the first is reported on its own. `media_for(track)`: a string
    in the URL of every media request of the track (default `expected_for(track)`), to count them per play."""
    media_for = media_for or expected_for
    case = {"first_ms": None, "samples_ms": [], "failures": [], "sources": {}, "media_requests": [], "heard_before": []}
    heard = set(heard)  # ids of the tracks played before in this page
    for n in range(plays + 1):
        track = tracks[n % len(tracks)]
        if before:
            before(n, track)
        record = play_once(driver, button_for(track), n, gap=gap)
        value = latency(record)
        if value is None or expected_for(track) not in (record["src"] or ""):
            case["failures"].append({"play": n, "track": track["title"], "record": record})
            continue
        case["sources"].setdefault(track["id"], record["src"])
        if n == 0:
            case["first_ms"] = value
        else:
            case["samples_ms"].append(value)
            # Media requests of the clicked track between the click and just after `playing` (the preloader's are another track's).
            if record.get("media") is not None:
                case["media_requests"].append(sum(media_for(track) in url for url in record["media"]))
            case["heard_before"].append(track["id"] in heard)
            case["stream_url_calls"] = case.get("stream_url_calls", 0) + (record["apiEnd"] is not None)
            if record["apiEnd"] is not None:
                case.setdefault("stream_url_answered_ms", []).append(record["apiEnd"] - record["t0"])
                case.setdefault("answered_to_playing_ms", []).append(record["t1"] - record["apiEnd"])
        heard.add(track["id"])
    return case


def floor_plays(floor, tracks, sources, reading, plays, nginx_log):
    driver = chromium(cache_disabled=True, network_log=True)
    folder = lambda mirrored: (lambda t: "/" + mirrored[t["id"]].split("/")[0] + "/")
    try:
        driver.get(floor + "/index.html")
        buttons = {b.text.removeprefix("Play "): b for b in driver.find_elements(By.CSS_SELECTOR, "button[data-src]")}
        requests_before = count_lines(nginx_log)
        same = run_case(driver, tracks, plays, lambda t: buttons[t["title"]], lambda t: sources[t["id"]], media_for=folder(sources))
        same["nginx_requests_per_play"] = (count_lines(nginx_log) - requests_before) / (plays + 1)
        # Another page, so the element starts again from its first use, as the others did.
        driver.get(floor + "/index.html")
        buttons = {b.text.removeprefix("Play "): b for b in driver.find_elements(By.CSS_SELECTOR, "button[data-src]")}
        requests_before = count_lines(nginx_log)
        flat = run_case(driver, tracks, plays, lambda t: buttons[t["title"] + " reading"], lambda t: reading[t["id"]], media_for=folder(reading))
        flat["nginx_requests_per_play"] = (count_lines(nginx_log) - requests_before) / (plays + 1)

        def open_bare(n, track):
            driver.get(f"{floor}/bare-{tracks.index(track)}.html")
            try:
                WebDriverWait(driver, 5, poll_frequency=0.02).until(lambda d: d.execute_script("return document.querySelector('audio').readyState >= 1"))
            except TimeoutException:
                pass
        bare = run_case(driver, tracks, plays, lambda t: driver.find_element(By.CSS_SELECTOR, "button[data-play]"),
                        lambda t: sources[t["id"]], before=open_bare, gap=0, media_for=folder(sources))
    finally:
        driver.quit()
    return same, bare, flat


def count_lines(path):
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


# MARK: Main


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True, help="http://127.0.0.1:PORT of the Based server")
    parser.add_argument("--floor", required=True, help="http://127.0.0.1:PORT of nginx serving --floor-root")
    parser.add_argument("--floor-root", required=True)
    parser.add_argument("--nginx-log", default="")
    parser.add_argument("--tracks", required=True, help="JSON: [{id, title}] of ready tracks")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--plays", type=int, default=60)
    parser.add_argument("--build", default="")
    parser.add_argument("--binary", default="")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    tracks = json.load(open(args.tracks))
    assert len(tracks) >= 2, "at least two tracks, so that each play changes the track"
    started = time.monotonic()

    loads = []
    for n in range(args.loads):
        loads.append(cold_load(args.app, args.login, args.password))
        print(f"cold load {n + 1}/{args.loads}: Home painted {loads[-1]['heading_painted_ms']:.0f} ms, complete {loads[-1]['complete_ms']:.0f} ms, "
              f"JS+CSS {loads[-1]['total_transfer']:,} B", flush=True)

    app, sources, format_, order = app_plays(args.app, args.login, args.password, tracks, args.plays)
    print(f"app: {len(app['samples_ms'])} plays, {len(app['failures'])} failed", flush=True)
    missing = [t["title"] for t in tracks if t["id"] not in sources]
    assert not missing, f"the app played none of {missing}: {app['failures'][:3]}"
    queue = next_plays(args.app, args.login, args.password, tracks, args.plays)
    print(f"app, Next in the queue: {len(queue['samples_ms'])} plays, {len(queue['failures'])} failed", flush=True)
    # The floor: the very rendition the app played (its currentSrc; the signed URL needs no session), and for
    # reading, the other kind of the same link: HLS when the app played a progressive rendition, else progressive.
    mirrored, reading, copied, kind, reading_kind = {}, {}, 0, None, None
    for n, track in enumerate(order):
        url = urllib.parse.urljoin(args.app, sources[track["id"]])
        mirrored[track["id"]], size, kind = mirror(url, os.path.join(args.floor_root, f"t{n}"))
        copied += size
        path, query = url.split("?", 1)
        params = "&".join(p for p in query.split("&") if not p.startswith("format="))
        if kind == "hls":
            other = path.replace("/hls/master.m3u8", "/stream") + "?" + params + f"&format={format_}"
        else:
            other = path.replace("/stream", "/hls/master.m3u8") + "?" + params
        reading[track["id"]], _, reading_kind = mirror(other, os.path.join(args.floor_root, f"r{n}"))
    write_floor(args.floor_root, order, mirrored, reading)
    same, bare, flat = floor_plays(args.floor, order, mirrored, reading, args.plays, args.nginx_log)
    print(f"floor: {len(same['samples_ms'])} + {len(bare['samples_ms'])} + {len(flat['samples_ms'])} plays, "
          f"{len(same['failures']) + len(bare['failures']) + len(flat['failures'])} failed", flush=True)

    median = lambda key: statistics.median(l[key] for l in loads)
    cold = {key: median(key) for key in ("fcp_ms", "heading_painted_ms", "complete_ms", "total_transfer", "total_encoded", "total_decoded")}
    cold.update({"samples": loads, "js_files": loads[0]["js_files"], "css_files": loads[0]["css_files"],
                 "html_transfer": loads[0]["html"]["transfer"] if loads[0]["html"] else None,
                 "budget_bytes": BUDGET_BYTES, "within_budget": cold["total_transfer"] < BUDGET_BYTES,
                 "heading_paint_source": sorted({l["heading_paint_source"] for l in loads})})
    cases = {"app": app, "floor_src_on_click": same, "floor_bare_audio_src": bare,
             ("floor_progressive_src_on_click" if reading_kind != "hls" else "floor_hls_src_on_click"): flat,
             "app_next_cache_enabled": queue}
    for case in cases.values():
        case.pop("sources", None)
        case.update(summary(case["samples_ms"]))
        for part in ("stream_url_answered_ms", "answered_to_playing_ms"):
            if part in case:
                case[part.removesuffix("_ms")] = summary(case[part])
        if case["media_requests"]:
            case["media_requests_per_play"] = statistics.mean(case["media_requests"])
        fresh = [v for v, h in zip(case["samples_ms"], case["heard_before"]) if not h]
        case["not_heard_before"] = summary(fresh) if fresh else None
    result = {
        "build": args.build, "binary": args.binary,
        "commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", "Public", "Sources")),
        "chromium": chromium_version(), "nginx": nginx_version(), "load_average": os.getloadavg(),
        "tracks": tracks, "played": {t["id"]: sources[t["id"]].split("?")[0] for t in tracks}, "played_kind": kind, "reading_kind": reading_kind, "mirrored_bytes": copied,
        "progressive_format": format_,
        "cold_load": cold, "click_to_playing": cases,
        "target_p95_ms": TARGET_P95_MS, "app_meets_target": app["p95"] < TARGET_P95_MS,
        "seconds": time.monotonic() - started,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    report(result)


def report(r):
    cold = r["cold_load"]
    print()
    print(f"web app — {r['build']}; Chromium {r['chromium']}, {r['nginx']}, load average {r['load_average'][0]:.1f}")
    print(f"cold load of Home, signed in, fresh profile each (median of {len(cold['samples'])}):")
    rows = [("first contentful paint", "fcp_ms"), ("Home heading painted (view rendered)", "heading_painted_ms"),
            ("Home complete (sections filled, in the DOM)", "complete_ms")]
    for name, key in rows:
        values = [s[key] for s in cold["samples"]]
        print(f"  {name:<52} {cold[key]:8.0f} ms   (min {min(values):.0f}, max {max(values):.0f})")
    mark = "✓" if cold["within_budget"] else "✗"
    print(f"  {'JS+CSS transferred (' + str(cold['js_files']) + ' JS, ' + str(cold['css_files']) + ' CSS files)':<52} {cold['total_transfer']:8,.0f} B   "
          f"budget < {BUDGET_BYTES:,} B {mark}")
    print(f"  {'  compressed bodies / uncompressed':<52} {cold['total_encoded']:8,.0f} B / {cold['total_decoded']:,.0f} B")
    print()
    print(f"click → playing (ms); the app played {r['played_kind']}; cache disabled unless marked:")
    print(f"  {'case':<50} {'n':>4} {'first':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'media req/play':>15}")
    names = {"app": "app, Home → Play <title> (round robin)", "floor_src_on_click": "nginx floor, src set on click",
             "floor_bare_audio_src": "nginx floor, bare <audio src>, preloaded",
             "floor_progressive_src_on_click": f"(nginx, progressive {r['progressive_format']}, src set on click)",
             "floor_hls_src_on_click": "(nginx, HLS of the same link, src set on click)",
             "app_next_cache_enabled": "app, player bar Next, CACHE ENABLED"}
    for key, case in r["click_to_playing"].items():
        first = f"{case['first_ms']:7.1f}" if case["first_ms"] is not None else "      -"
        media = f"{case['media_requests_per_play']:15.2f}" if "media_requests_per_play" in case else " " * 15
        print(f"  {names[key]:<50} {case['n']:4d} {first} {case['p50']:7.1f} {case['p95']:7.1f} {case['p99']:7.1f} {case['max']:7.1f} {media}"
              + (f"   ({len(case['failures'])} failed)" if case["failures"] else ""))
    app, floor = r["click_to_playing"]["app"], r["click_to_playing"]["floor_src_on_click"]
    print(f"  app: {app.get('stream_url_calls', 0)} of {app['n']} plays asked for a stream link (the others reused the one kept)")
    if "stream_url_answered" in app:
        api, rest = app["stream_url_answered"], app["answered_to_playing"]
        print(f"  app, plays with the call: click → stream-url answered p50 {api['p50']:.1f}, p95 {api['p95']:.1f}; "
              f"answered → playing p50 {rest['p50']:.1f}, p95 {rest['p95']:.1f} (n {api['n']})")
    fresh = r["click_to_playing"]["app_next_cache_enabled"].get("not_heard_before")
    if fresh:
        print(f"  app, Next, tracks not heard before in the page: n {fresh['n']}, p50 {fresh['p50']:.1f}, max {fresh['max']:.1f}")
    for key, case in r["click_to_playing"].items():
        if "nginx_requests_per_play" in case:
            print(f"  nginx requests per play, {names[key]}: {case['nginx_requests_per_play']:.1f}")
    mark = "✓" if r["app_meets_target"] else "✗"
    print(f"  app p95 {app['p95']:.1f} ms: target < {TARGET_P95_MS:.0f} ms {mark}; "
          f"{app['p95'] - floor['p95']:+.1f} ms ({app['p95'] / floor['p95']:.2f}×) against the floor's p95")


def git(*arguments):
    try:
        return subprocess.run(["git", *arguments], capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def chromium_version():
    try:
        return subprocess.run(["chromium", "--version"], capture_output=True, text=True, timeout=20).stdout.strip().split()[1]
    except Exception:
        return ""


def nginx_version():
    for binary in ("nginx", "/usr/sbin/nginx"):
        try:
            return subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10).stderr.strip().split(": ", 1)[-1]
        except Exception:
            continue
    return ""


if __name__ == "__main__":
    # A TERM from the script's trap still quits the browsers (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
