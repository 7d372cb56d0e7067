"""Screenshots of the web app's main views for the README, from the real app
with the demo library, at a phone size and a desktop size.

    python3 scripts/web/screenshots.py http://127.0.0.1:PORT OUTDIR

The server must run with `--demo` (scripts/web/screenshots.sh starts it). This
waits until the demo tracks are processed and the venue's show is there, adds
what a listener would have made by then (a playlist, a few likes and plays, a
comment, a chat with an artist), then signs in as the demo listener, an artist
and the venue in headless Chromium and saves OUTDIR/{phone,desktop}-<view>.png.
Each picture is taken once its view has settled: its heading is there, nothing
is loading, every image has loaded and the page has stopped changing.
"""

import base64
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE, OUT = sys.argv[1], sys.argv[2]
PASSWORD = "listen-local-2026"  # every demo account's (DemoLibrary.password)
ARTISTS = {"northside_brass": ["Tram 16", "Night Shift"], "velvet_dusk": ["Lanterns", "Canal at Four"], "kellerkind": ["Concrete"]}
SIZES = {"phone": (412, 915, True), "desktop": (1440, 900, False)}
taken = []


def log(message):
    print(f"screenshots: {message}", flush=True)


# MARK: The API


def call(method, path, body=None, token=None):
    headers = {"accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(BASE + "/api/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:300]!r}") from None


def token(username):
    for _ in range(30):
        try:
            return call("POST", "/auth/sign-in", {"login": username, "password": PASSWORD})["accessToken"]
        except RuntimeError as error:  # rate limited: the server says when to try again
            if ": 429 " not in str(error):
                raise
            time.sleep(2)
    raise SystemExit(f"screenshots: could not sign in as {username}")


def demo_ready(timeout=1800):
    """The demo library once its five tracks are ready and The Basement's show is up: {title: track}, the event.
    Anonymous reads: an artist's public tracks are listed once they are ready."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        tracks, missing, status = {}, [], ""
        try:
            for artist, titles in ARTISTS.items():
                for track in call("GET", f"/users/{artist}/tracks?limit=50")["items"]:
                    tracks[track["title"]] = track
                missing += [title for title in titles if title not in tracks]
            events = call("GET", "/events?venue=the_basement&limit=5")["items"]
            if not missing and events:
                return tracks, events[0]
            status = f"{len(tracks)} of 5 tracks ready" + ("" if events else ", no show yet")
        except RuntimeError as error:  # 404 until the seeding has made the account
            status = f"{len(tracks)} of 5 tracks ready, accounts still being made"
        if status != last:
            log(f"waiting for the demo library: {status}")
            last = status
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: the demo library was not ready in time")
        time.sleep(2)


def enrich(tracks):
    """What the demo listener would have after a week: likes, plays, a playlist, a comment, a chat."""
    listener = token("demo_listener")
    for title in ["Lanterns", "Tram 16"]:
        call("PUT", f"/me/likes/tracks/{tracks[title]['id']}", token=listener)
    playlist = call("POST", "/playlists", {"title": "Late buses", "description": "Brass for the way out, dusk for the ride home.",
                                            "visibility": "public"}, token=listener)
    order = ["Tram 16", "Lanterns", "Concrete", "Canal at Four", "Night Shift"]
    call("POST", f"/playlists/{playlist['id']}/tracks", {"trackIds": [tracks[title]["id"] for title in order]}, token=listener)
    tram = tracks["Tram 16"]
    moment = min(24.0, (tram.get("durationSeconds") or 30) / 2)
    call("POST", f"/tracks/{tram['id']}/comments", {"text": "That trombone line here!", "atSeconds": moment}, token=listener)
    sent = call("POST", "/messages", {"to": tram["artist"]["id"], "clientMessageId": "screenshots-1",
                                      "text": "Saw you at the Basement last month. Is Tram Lines out on vinyl?"}, token=listener)
    conversation = sent["conversationId"]
    call("POST", "/messages", {"conversationId": conversation, "clientMessageId": "screenshots-2",
                               "text": "Not yet! We're pressing 300 copies, first ones at the next show."}, token=token("northside_brass"))
    call("POST", "/messages", {"conversationId": conversation, "clientMessageId": "screenshots-3",
                               "text": "Put one aside for me, please."}, token=listener)
    return playlist, conversation


# MARK: The browser


class Browser:
    def __init__(self):
        options = Options()
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                     "--window-size=1440,900", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                     "--force-color-profile=srgb", "--lang=en-GB"]:
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
        self.driver = webdriver.Chrome(options=options, service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))
        self.driver.set_script_timeout(30)
        self.size = None

    def quit(self):
        self.driver.quit()

    def resize(self, size):
        width, height, mobile = SIZES[size]
        self.size = size
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile, "maxTouchPoints": 5 if mobile else 1})
        # The demo scene is in Leipzig: its clock, whatever this machine's.
        self.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
        # No smooth scrolling or transitions to catch halfway.
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})

    def open(self, path):
        self.driver.get(BASE + path)

    def find(self, selector, name=None, timeout=30):
        """The first displayed element matching `selector` (with the accessible name `name`, when given)."""
        def search(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, selector):
                try:
                    if element.is_displayed() and (name is None or element.accessible_name.strip() == name):
                        return element
                except StaleElementReferenceException:
                    continue
            return False
        try:
            return WebDriverWait(self.driver, timeout).until(search)
        except Exception:
            raise AssertionError(f"nothing like {selector} named {name!r} on {self.driver.current_url}") from None

    def click(self, selector, name=None):
        element = self.find(selector, name)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        element.click()
        return element

    def sign_in(self, username):
        self.open("/sign-in")
        self.find("input", "Username or email").send_keys(username)
        self.find("input", "Password").send_keys(PASSWORD)
        self.click("button", "Sign in")
        WebDriverWait(self.driver, 30).until(lambda driver: urllib.parse.urlparse(driver.current_url).path != "/sign-in")
        self.settle()

    def settle(self, heading=None, ready=None, timeout=60):
        """Waits until the view has settled: its <h1> (reading `heading`, when given) is shown, nothing
        says it is loading or busy, `ready` (a JS expression) holds, the fonts and every image have loaded,
        and the page's markup and layout are the same over two checks a quarter second apart."""
        check = """
            const heading = document.querySelector('main h1, h1');
            if (!heading || !heading.offsetParent) return null;
            if (arguments[0] && heading.textContent.trim() !== arguments[0]) return null;
            if (document.querySelector('.state-loading, [aria-busy=true]')) return null;
            if (document.fonts && document.fonts.status !== 'loaded') return null;
            for (const image of document.images) if (!image.complete || (image.src && image.naturalWidth === 0 && image.loading !== 'lazy')) return null;
            if (arguments[1] && !eval(arguments[1])) return null;
            return document.body.innerHTML.length + ':' + document.documentElement.scrollHeight + ':' + document.body.innerText;
        """
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            now = self.driver.execute_script(check, heading, ready)
            if now is not None and now == last:
                # Two frames for the last paint (canvases draw in requestAnimationFrame).
                self.driver.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));")
                return
            last = now
            time.sleep(0.25)
        raise AssertionError(f"{self.driver.current_url} did not settle (heading {heading!r}, ready {ready!r})")

    def shot(self, name):
        """The viewport as OUTDIR/<size>-<name>.png. The heading the router focused for screen
        readers is blurred first (its focus ring is not what the view looks like)."""
        self.driver.execute_script("if (document.activeElement?.matches('h1, h2, [tabindex=\"-1\"]')) document.activeElement.blur()")
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        path = os.path.join(OUT, f"{self.size}-{name}.png")
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        taken.append(path)
        log(f"{os.path.basename(path)}")

    def scroll(self, heading=None):
        """To the top, or to the heading (h2) reading `heading` near the top of the viewport."""
        self.driver.execute_script("""
            const heading = arguments[0] && [...document.querySelectorAll('h2')].find((element) => element.textContent.trim() === arguments[0]);
            if (arguments[0] && !heading) throw new Error('no heading ' + arguments[0]);
            window.scrollTo({ top: heading ? heading.getBoundingClientRect().top + window.scrollY - 16 : 0, behavior: 'instant' });
        """, heading)
        self.settle()

    def errors_shown(self):
        return self.driver.execute_script(
            "return [...document.querySelectorAll('.state-error')].map((element) => element.innerText.trim())")

    def view(self, name, path, heading=None, ready=None, before=None, scroll_to=None):
        self.open(path)
        self.settle(heading, ready)
        if before:
            before()
            self.settle(heading, ready)
        self.scroll(scroll_to)
        errors = self.errors_shown()
        if errors:
            log(f"warning: {self.size}-{name} shows an error: {errors}")
        self.shot(name)

    def audio_time(self):
        return self.driver.execute_script("const audio = document.querySelector('audio'); return audio && !audio.paused ? audio.currentTime : 0;")


# MARK: The views


def listener_views(browser, tracks, event, playlist, conversation):
    tram = tracks["Tram 16"]["id"]
    for size in SIZES:
        browser.resize(size)
        browser.view("home", "/", "Home")

        def search():
            field = browser.find("input[type=search]", "Search")
            field.clear()
            field.send_keys("brass")
            WebDriverWait(browser.driver, 30).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".results section"))
        browser.view("search", "/search", "Search", before=search)
        browser.view("artist", "/u/northside_brass", "Northside Brass")
        browser.view("library", "/library", "Library")
        browser.view("events", "/events", "Events")
        browser.view("event", f"/events/{event['id']}", event["title"])
        browser.view("messages", "/messages", "Messages")
        browser.view("conversation", f"/messages/{conversation}")
        browser.view("playlist", f"/playlists/{playlist['id']}", playlist["title"])

        # Playing: "Play all" on the playlist, on a desktop with the queue open; then the
        # track's page through the player bar's link (the app's own navigation keeps it playing).
        browser.click("button", "Play all")
        WebDriverWait(browser.driver, 60).until(lambda driver: browser.audio_time() > 6)
        queue = browser.find("details.queue > summary")
        if size == "desktop":
            queue.click()
            browser.settle(playlist["title"], "document.querySelector('details.queue').open")
        browser.scroll()
        browser.shot("playing")
        if size == "desktop":
            queue.click()
        browser.click("a.now-title")
        browser.settle("Tram 16", "document.querySelector('canvas.waveform')")
        WebDriverWait(browser.driver, 60).until(lambda driver: browser.audio_time() > 14)
        browser.settle("Tram 16", "document.querySelector('canvas.waveform')")
        browser.scroll()
        browser.shot("track")
        browser.driver.execute_script("document.querySelector('audio').pause()")
        assert urllib.parse.urlparse(browser.driver.current_url).path == f"/tracks/{tram}", browser.driver.current_url


def artist_views(browser):
    for size in SIZES:
        browser.resize(size)
        browser.view("studio", "/studio", "Artist studio")
        browser.view("analytics", "/studio/analytics", "Analytics", scroll_to="Summary")


def venue_views(browser):
    for size in SIZES:
        browser.resize(size)
        browser.view("venue-studio", "/studio/events", "Venue studio")


def main():
    # Stopped by screenshots.sh (TERM): the browsers are closed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    os.makedirs(OUT, exist_ok=True)
    tracks, event = demo_ready()
    log("the demo library is ready")
    playlist, conversation = enrich(tracks)
    for username, views in [("demo_listener", lambda browser: listener_views(browser, tracks, event, playlist, conversation)),
                            ("northside_brass", artist_views), ("the_basement", venue_views)]:
        browser = Browser()
        try:
            browser.resize("phone")
            browser.sign_in(username)
            views(browser)
        finally:
            browser.quit()
    log(f"{len(taken)} screenshots in {OUT}")


if __name__ == "__main__":
    main()
