"""Journeys through the web app in headless Chromium, found by role and
accessible name as a person (or a screen reader) would find them.

    python3 scripts/web/journeys.py http://127.0.0.1:PORT WORKDIR SERVER_PID

WORKDIR holds tone-a.flac and tone-b.flac (scripts/test-web.sh makes them;
the Artist studio journey makes its own files there with ffmpeg);
the last journey stops the server (SERVER_PID) to see the app open offline.
Every view is scanned with axe-core (no serious or critical violation may be
found) and every SEVERE browser console entry fails the journey it came in.
Prints one line per journey and `web journeys: N passed, M failed`.
WEB_JOURNEYS=register_and_play,venue_studio,shows runs only the journeys named
(later ones may need what earlier ones made: register_and_play makes web_listener).
"""

import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, WORK, SERVER_PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
XSS = "<img src=x onerror=alert(1)>"
PASSWORD = "listen to local music 2026"
ROLES = {
    "button": "button, [role=button]",
    "link": "a[href]",
    "textbox": "input:not([type]), input[type=text], input[type=email], input[type=password], textarea",
    "searchbox": "input[type=search]",
    "slider": "input[type=range], [role=slider]",
    "heading": "h1, h2, h3",
    "radio": "input[type=radio]",
    "checkbox": "input[type=checkbox]",
    "combobox": "select, [role=combobox]",
    "spinbutton": "input[type=number]",
    "img": "img[alt]",
    "disclosure": "summary",
    "datetime": "input[type=datetime-local]",
    "file": "input[type=file]",
    "progressbar": "progress, [role=progressbar]",
}


# MARK: Seeding through the API


def call(method, path, body=None, token=None, data=None, content_type=None):
    headers = {"accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    elif content_type:
        headers["content-type"] = content_type
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(BASE + "/api/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:300]!r}") from None


def register(username, role):
    return call("POST", "/auth/register", {"username": username, "email": f"{username}@example.org", "password": PASSWORD, "role": role})


def token(username):
    """A fresh access token (the server under test hands out 30-second ones)."""
    return call("POST", "/auth/sign-in", {"login": username, "password": PASSWORD})["accessToken"]


def seed():
    register("tester_artist", "artist")
    artist = token("tester_artist")
    call("PATCH", "/me", {"displayName": "Tester Artist", "bio": f"Tones from the lab. {XSS}"}, token=artist)
    tracks = {}
    for name, title in [("tone-a", "Tone A"), ("tone-b", XSS)]:
        with open(f"{WORK}/{name}.flac", "rb") as file:
            query = urllib.parse.urlencode({"filename": f"{name}.flac", "title": title})
            track = call("POST", f"/tracks?{query}", data=file.read(), token=artist, content_type="audio/flac")
        tracks[title] = track["id"]
    deadline = time.monotonic() + 120
    for track_id in tracks.values():
        fetched = time.monotonic()
        while True:
            if time.monotonic() - fetched > 20:  # the tokens last 30 seconds
                artist, fetched = token("tester_artist"), time.monotonic()
            state = call("GET", f"/tracks/{track_id}", token=artist)["state"]
            if state != "processing" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert state == "ready", f"track {track_id} is {state}"
    artist = token("tester_artist")
    release = call("POST", "/releases", {"title": "Lab Sessions", "kind": "ep", "visibility": "public"}, token=artist)
    for number, track_id in enumerate(tracks.values(), start=1):
        call("PATCH", f"/tracks/{track_id}", {"releaseId": release["id"], "trackNumber": number}, token=artist)
    register("web_venue", "venue")
    starts = (datetime.now(timezone.utc) + timedelta(days=7)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    event = call("POST", "/events", {"title": "Basement Night", "startsAt": starts, "city": "Leeds", "description": f"Doors at eight. {XSS}"},
                 token=token("web_venue"))
    return {"tracks": tracks, "event": event}


# MARK: Finding things by role and name


def current_axe():
    """axe-core 4.x from axe-playwright-python's wheel (scripts/test-web.sh installs it without its
    dependencies), else None for the 3.1 that axe-selenium-python bundles."""
    import importlib.util
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or spec.origin is None:
        return None
    path = os.path.join(os.path.dirname(spec.origin), "axe.min.js")
    return path if os.path.exists(path) else None


class Prefix(str):
    """A name that may go on: "Notifications" also finds "Notifications (2 unread)"."""


class Browser:
    def __init__(self):
        options = Options()
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=412,915", "--disable-dev-shm-usage",
                     # A microphone that plays mic.wav, allowed without a prompt ("What's playing?").
                     "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                     f"--use-file-for-fake-audio-capture={WORK}/mic.wav"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Downloads (the data export) land here, where a journey can look for them.
        self.downloads = os.path.join(WORK, "downloads")
        os.makedirs(self.downloads, exist_ok=True)
        options.add_experimental_option("prefs", {"download.default_directory": self.downloads, "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        self.driver.set_script_timeout(30)
        self.axe = Axe(self.driver, script_url=current_axe()) if current_axe() else Axe(self.driver)
        self.scanned = []
        self.expected_console = []
        self.axe_version = None
        self.minor = {}

    def find(self, role, name, timeout=10):
        """The first displayed element of `role` whose accessible name is `name`
        (or starts with it, for a name given as a `Prefix`)."""
        def search(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, ROLES[role]):
                try:
                    if element.is_displayed() or role in ("button", "radio", "checkbox"):
                        accessible = element.accessible_name.strip()
                        if accessible == name or (isinstance(name, Prefix) and accessible.startswith(name)):
                            return element
                except StaleElementReferenceException:
                    continue
            return False
        try:
            return WebDriverWait(self.driver, timeout).until(search)
        except Exception:
            raise AssertionError(f"no {role} named {name!r} on {self.driver.current_url}") from None

    def click(self, role, name):
        """Scrolls the control to the middle of the screen (clear of the fixed player bar), then clicks it."""
        element = self.find(role, name)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        element.click()
        return element

    def pressed(self, name):
        """Whether the toggle button `name` is pressed (False while the view is being redrawn)."""
        try:
            return self.find("button", name, timeout=1).get_attribute("aria-pressed") == "true"
        except (StaleElementReferenceException, AssertionError):
            return False

    def heading(self, text, timeout=10):
        return self.find("heading", text, timeout)

    def open(self, path):
        self.driver.get(BASE + path)

    def path(self):
        return urllib.parse.urlparse(self.driver.current_url).path

    def wait(self, condition, message, timeout=10):
        try:
            return WebDriverWait(self.driver, timeout).until(lambda driver: condition())
        except Exception:
            raise AssertionError(message) from None

    def console_errors(self):
        errors = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            if any(path in entry["message"] for path in self.expected_console):
                continue
            errors.append(entry["message"])
        return errors

    def scan(self, view):
        """axe-core on the current page: no serious or critical violations."""
        self.axe.inject()
        self.axe_version = self.driver.execute_script("return axe.version")
        results = self.axe.run()
        bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        for violation in results["violations"]:
            if violation not in bad:
                self.minor.setdefault(violation["id"], set()).add(view)
        self.scanned.append(view)
        # A view never prints a missing value: no text node reads "null", "undefined", "NaN" or "[object Object]".
        leaks = self.driver.execute_script(
            "const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); const found = [];"
            "while (walker.nextNode()) { const text = walker.currentNode.textContent.trim();"
            " if (['null', 'undefined', 'NaN', '[object Object]'].includes(text)) found.push(text + ' in <' + walker.currentNode.parentElement.tagName.toLowerCase() + ' class=' + walker.currentNode.parentElement.className + '>'); }"
            "return found;")
        # WEB_SCREENSHOTS=dir keeps a phone-sized picture of every scanned view, for looking at.
        if os.environ.get("WEB_SCREENSHOTS"):
            self.driver.save_screenshot(os.path.join(os.environ["WEB_SCREENSHOTS"], view.replace(" ", "-") + ".png"))
        assert not bad, f"axe on {view}:\n" + self.axe.report(bad)
        assert not leaks, f"{view} shows a missing value as text: {leaks}"

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            raise AssertionError(f"an alert opened: {text!r}")
        except NoAlertPresentException:
            pass

    def audio(self, expression):
        return self.driver.execute_script(f"const audio = document.querySelector('audio'); return {expression};")


# MARK: Journeys


def journey_register_and_play(browser, data):
    """register → onboarding → home → search with a typo → follow an artist → home → open a track → like → "Play <title>" → the audio advances, and the button reads "Pause <title>" (pausing, then going on); with another track playing it reads "Play <title>" again."""
    browser.open("/register")
    browser.heading("Create an account")
    browser.scan("register")
    browser.find("textbox", "Username").send_keys("web_listener")
    browser.find("textbox", "Email").send_keys("web_listener@example.org")
    browser.find("textbox", "Password").send_keys(PASSWORD)
    browser.click("radio", "Listener")
    browser.click("button", "Create account")
    browser.heading("Welcome to Based")
    browser.scan("welcome")
    browser.find("textbox", "City").send_keys("Leeds")
    browser.click("checkbox", "Jazz")
    browser.click("button", "Save and continue")
    browser.heading("Home")
    me = call("GET", "/users/web_listener")
    assert me.get("city") == "Leeds" and me.get("genres") == ["Jazz"], f"onboarding saved the city and genres: {me}"
    # A new user's home is not empty: the newest tracks, and suggestions while they follow nobody.
    browser.find("heading", "New tracks")
    browser.find("button", "Play Tone A")
    browser.find("heading", "From people you follow")
    browser.wait(lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading")) == 0, "every shelf settles")
    browser.scan("home")

    browser.click("link", "Search")
    browser.heading("Search")
    # A typo ("tine" for "tone") still finds the track, as the user types.
    browser.find("searchbox", "Search").send_keys("tine")
    browser.find("heading", "Tracks")
    browser.find("button", "Play Tone A")
    browser.scan("search")

    # A deep link, loaded fresh: the session comes back from the cookie.
    browser.open("/u/tester_artist")
    browser.heading("Tester Artist")
    bio = browser.driver.find_element(By.CSS_SELECTOR, ".bio")
    assert XSS in bio.text, f"the bio is shown as text: {bio.text!r}"
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "the bio made an image"
    browser.no_alert()
    browser.click("button", "Follow")
    browser.find("button", "Unfollow")
    browser.scan("profile")

    browser.click("link", "Home")
    browser.heading("Home")
    browser.click("link", "Tone A")
    browser.heading("Tone A")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "canvas.waveform"), "the waveform is drawn")
    browser.scan("track")
    browser.click("button", "Like")
    browser.wait(lambda: browser.pressed("Like"), "the track is liked")
    browser.click("button", "Play Tone A")
    browser.wait(lambda: browser.audio("audio.currentTime") > 1.0, "the audio element's currentTime advances", timeout=20)
    browser.find("button", "Pause")
    # The track's own round button reads "Pause Tone A" while Tone A plays, and pauses it; "Play Tone A" goes on from there.
    browser.find("button", "Pause Tone A")
    absent(browser, "button", "Play Tone A")
    browser.click("button", "Pause Tone A")
    browser.wait(lambda: browser.audio("audio.paused"), "Pause Tone A pauses")
    browser.find("button", "Play Tone A")
    paused_at = browser.audio("audio.currentTime")
    browser.click("button", "Play Tone A")
    browser.wait(lambda: not browser.audio("audio.paused") and browser.audio("audio.currentTime") > paused_at + 0.3,
                 f"Play Tone A goes on from {paused_at:.1f} s", timeout=10)
    browser.find("button", "Pause Tone A")
    assert browser.driver.execute_script("return navigator.mediaSession.metadata && navigator.mediaSession.metadata.title") == "Tone A", \
        "the Media Session names the track"
    gain = call("GET", f"/tracks/{data['tracks']['Tone A']}")["loudness"]["replayGainDb"]
    expected = min(1.0, max(10 ** (-24 / 20), 10 ** (gain / 20)))
    assert abs(browser.audio("audio.volume") - expected) < 0.01, f"ReplayGain {gain} dB sets the volume to {expected:.3f}"
    # Space toggles playback when the focus is not in a field or on a control.
    browser.driver.execute_script("document.activeElement.blur()")
    ActionChains(browser.driver).send_keys(Keys.SPACE).perform()
    browser.wait(lambda: browser.audio("audio.paused"), "space pauses")
    browser.find("button", "Play Tone A")
    ActionChains(browser.driver).send_keys(Keys.SPACE).perform()
    browser.wait(lambda: not browser.audio("audio.paused"), "space plays again")
    browser.find("button", "Pause Tone A")
    browser.find("slider", "Seek")
    browser.find("button", "Next")
    browser.find("button", "Previous")
    browser.scan("track (playing)")
    browser.click("link", "From the release")
    browser.heading("Lab Sessions")
    browser.find("button", "Play all")
    browser.find("button", f"Play {XSS}")
    browser.scan("release")
    queue = browser.driver.find_element(By.CSS_SELECTOR, ".queue summary")
    assert "(1)" in queue.text, f"the queue holds the playing track: {queue.text!r}"
    # Another track playing: Tone A's page offers "Play Tone A", which plays it (then reads "Pause Tone A").
    browser.click("button", f"Play {XSS}")
    browser.wait(lambda: now_playing(browser) == data["tracks"][XSS] and not browser.audio("audio.paused"), "the other track plays", timeout=20)
    browser.click("link", "Tone A")
    browser.heading("Tone A")
    browser.find("button", "Play Tone A")
    absent(browser, "button", "Pause Tone A")
    browser.click("button", "Play Tone A")
    browser.wait(lambda: now_playing(browser) == data["tracks"]["Tone A"] and not browser.audio("audio.paused"), "Tone A plays again", timeout=20)
    browser.find("button", "Pause Tone A")
    # Navigation keeps the player: the same element goes on playing.
    before = browser.audio("audio.currentTime")
    browser.click("link", "Events")
    browser.heading("Events")
    browser.wait(lambda: browser.audio("audio.currentTime") > before + 0.5, "playback survives navigation")
    browser.click("button", "Pause")
    browser.find("button", "Play")
    assert browser.audio("audio.paused"), "Pause pauses"
    browser.scan("events")


def journey_html_as_text(browser, data):
    """a track titled with HTML renders as text: no img element, no alert."""
    browser.open("/u/tester_artist")
    browser.heading("Tester Artist")
    browser.click("link", XSS)
    heading = browser.heading(XSS)
    assert heading.text == XSS
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "the title made an image"
    browser.find("button", f"Play {XSS}")
    browser.no_alert()


def journey_event_rsvp_and_reload(browser, data):
    """Events → an event → RSVP "Going"; the deep link survives a reload; the event's chat room takes a message."""
    browser.open("/events")
    browser.click("link", "Basement Night")
    browser.heading("Basement Night")
    assert XSS in browser.driver.find_element(By.CSS_SELECTOR, ".bio").text
    browser.click("button", "Going")
    browser.wait(lambda: browser.pressed("Going"), "the RSVP is shown as pressed")
    browser.scan("event")
    browser.driver.refresh()
    browser.heading("Basement Night")
    assert browser.path() == f"/events/{data['event']['id']}"
    browser.wait(lambda: browser.pressed("Going"), "the RSVP is still there after a reload")
    browser.no_alert()
    # The event's own chat room.
    browser.click("button", "Open the event chat")
    browser.heading("Basement Night")
    browser.find("textbox", "Message").send_keys("Who else is going?")
    browser.click("button", "Send")
    browser.wait(lambda: any("Who else is going?" == e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, ".bubble.mine .text")),
                 "the message appears in the event's room")
    browser.scan("event chat")


def journey_messages(browser, data):
    """an artist's message shows up in Messages; a reply sent from the page appears in the chat."""
    listener = call("GET", "/users/web_listener")
    call("POST", "/messages", {"to": listener["id"], "clientMessageId": "web-journey-1", "text": f"Thanks for following! {XSS}"},
         token=token("tester_artist"))
    browser.click("link", "Messages")
    browser.heading("Messages")
    browser.click("link", "Tester Artist")
    browser.heading("Tester Artist")
    browser.wait(lambda: any(XSS in e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, ".bubble .text")), "the message is shown as text")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img")
    browser.find("textbox", "Message").send_keys("See you at the show")
    browser.click("button", "Send")
    browser.wait(lambda: any("See you at the show" == e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, ".bubble.mine .text")),
                 "the reply appears")
    browser.scan("conversation")
    browser.click("link", "Messages")
    browser.heading("Messages")
    browser.scan("messages")
    # Writing from a profile goes on in the same direct conversation.
    browser.open("/u/tester_artist")
    browser.click("link", "Message Tester Artist")
    browser.heading("Message Tester Artist")
    browser.scan("compose")
    browser.find("textbox", "Message").send_keys("One more thing")
    browser.click("button", "Send")
    browser.heading("Tester Artist")
    browser.wait(lambda: any("One more thing" == e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, ".bubble.mine .text")),
                 "the first message from the profile opens the conversation")


def journey_other_views(browser, data):
    """Library (the like and the play), Notifications, Settings and an unknown page render."""
    browser.click("link", "Library")
    browser.heading("Library")
    browser.wait(lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, "main .track-list")) == 2,
                 "the liked track and the one played are in the library")
    for section in ("library-likes", "library-history"):
        titles = [e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, f"section[aria-labelledby={section}] .track-title")]
        assert "Tone A" in titles, f"{section} lists Tone A: {titles}"
    browser.scan("library")
    browser.click("link", Prefix("Notifications"))
    browser.heading("Notifications")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "main .card, main .state-empty"), "notifications settle")
    browser.scan("notifications")
    browser.click("link", "Settings")
    browser.heading("Settings")
    browser.scan("settings")
    browser.open("/no/such/page")
    browser.heading("Not found")
    browser.scan("not found")


def journey_data_export(browser, data):
    """Settings → "Request a copy of your data"; once built, "Download" saves the ZIP."""
    browser.open("/settings")
    browser.heading("Your data")
    browser.click("button", "Request a copy of your data")
    browser.wait(lambda: "being built" in browser.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=data-heading] [role=status]").text,
                 "the request is acknowledged")
    deadline = time.monotonic() + 60
    while True:
        try:
            button = browser.find("button", Prefix("Download the export of"), timeout=2)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError("the export was not ready within a minute") from None
            browser.driver.refresh()
            browser.heading("Your data")
    browser.scan("settings (data export ready)")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", button)
    button.click()
    browser.wait(lambda: any(name.endswith(".zip") for name in os.listdir(browser.downloads)), "the ZIP is downloaded", timeout=30)
    saved = next(name for name in os.listdir(browser.downloads) if name.endswith(".zip"))
    with zipfile.ZipFile(os.path.join(browser.downloads, saved)) as archive:
        names = archive.namelist()
        assert "README.md" in names and "data/users.json" in names, f"the ZIP has a README and the account: {names[:10]}"


def journey_delete_account_and_cancel(browser, data):
    """Settings → "Delete my account": a wrong password is refused; the right one schedules it for 7 days on; a reload still shows it; "Cancel deletion" keeps the account."""
    browser.open("/settings")
    browser.heading("Delete your account")
    section = "section[aria-labelledby=erase-heading]"
    password = browser.find("textbox", "Your password, to confirm it is you")
    password.send_keys("not the password")
    browser.click("button", "Delete my account")
    browser.wait(lambda: "password is wrong" in browser.driver.find_element(By.CSS_SELECTOR, f"{section} [role=alert]").text,
                 "a wrong password is refused with a readable error")
    password = browser.find("textbox", "Your password, to confirm it is you")
    password.clear()
    password.send_keys(PASSWORD)
    browser.click("button", "Delete my account")
    browser.find("button", "Cancel deletion")
    status = browser.driver.find_element(By.CSS_SELECTOR, f"{section} [role=status]").text
    assert "deleted in 7 days" in status, f"the request is acknowledged: {status!r}"
    browser.scan("settings (deletion scheduled)")
    browser.driver.refresh()
    browser.heading("Delete your account")
    browser.find("button", "Cancel deletion")
    assert "will be deleted on" in browser.driver.find_element(By.CSS_SELECTOR, section).text
    browser.click("button", "Cancel deletion")
    browser.find("button", "Delete my account")
    status = browser.driver.find_element(By.CSS_SELECTOR, f"{section} [role=status]").text
    assert "cancelled" in status, f"the cancellation is acknowledged: {status!r}"
    # The refused password is what this journey checks; the console lists its 403.
    browser.expected_console.append("/api/v1/me/erasure")


def journey_whats_playing(browser, data):
    """A band's track is playing in the room: Search → "What's playing?" records 8 s from the microphone and names it, with a link."""
    register("web_band", "artist")
    band = token("web_band")
    with open(f"{WORK}/melody.flac", "rb") as file:
        track = call("POST", "/tracks?" + urllib.parse.urlencode({"title": "Night Bus"}), data=file.read(), token=band, content_type="audio/flac")
    deadline = time.monotonic() + 120
    # A fresh token each time: the server under test hands out 30-second ones, and processing on a busy machine takes longer.
    while call("GET", f"/tracks/{track['id']}", token=token("web_band"))["state"] == "processing":
        assert time.monotonic() < deadline, "the band's track was not processed in two minutes"
        time.sleep(0.5)
    browser.open("/search")
    browser.heading("Search")
    browser.click("button", "What’s playing?")
    link = browser.find("link", "Night Bus", timeout=40)
    assert link.get_attribute("href").endswith(f"/tracks/{track['id']}"), link.get_attribute("href")
    status = browser.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=identify-heading] [role=status]").text
    assert "Night Bus" in status, f"the answer is announced: {status!r}"
    browser.scan("search (identified)")


def journey_sign_out_and_in(browser, data):
    """Settings → "Sign out"; a reload stays signed out; sign in again by the form."""
    browser.open("/settings")
    browser.heading("Settings")
    browser.click("button", "Sign out")
    browser.heading("Sign in")
    browser.scan("sign in")
    browser.driver.refresh()
    browser.heading("Sign in")
    browser.open("/library")
    browser.heading("Sign in")
    assert "next=" in browser.driver.current_url
    browser.find("textbox", "Username or email").send_keys("web_listener")
    browser.find("textbox", "Password").send_keys(PASSWORD + Keys.ENTER)
    browser.heading("Library")
    browser.click("link", "Home")
    browser.heading("Home")
    browser.find("link", "Tone A")


def sign_in_as(browser, username):
    """Signs `browser` in as `username` by the form, signing out first when someone is signed in."""
    browser.open("/settings")
    browser.wait(lambda: set(texts(browser, "main h1")) & {"Settings", "Sign in"}, "the settings or the sign-in page opens")
    if browser.path() == "/settings":
        browser.click("button", "Sign out")
    browser.heading("Sign in")
    browser.find("textbox", "Username or email").send_keys(username)
    browser.find("textbox", "Password").send_keys(PASSWORD + Keys.ENTER)
    browser.wait(lambda: browser.path() != "/sign-in", f"{username} is signed in")


def journey_report_and_moderate(browser, data):
    """A listener reports a track ("Report this track"); an admin finds the case under Moderation and warns the artist, who is notified."""
    browser.open(f"/tracks/{data['tracks']['Tone A']}")
    browser.heading("Tone A")
    browser.click("disclosure", "Report this track")
    Select(browser.find("combobox", "Reason")).select_by_visible_text("Spam")
    browser.find("textbox", "Details (optional)").send_keys("the same tone on every page")
    browser.click("button", "Send report")
    browser.wait(lambda: "Thank you" in browser.driver.find_element(By.CSS_SELECTOR, "details.report [role=status]").text,
                 "the report is acknowledged")
    browser.scan("track (reported)")

    sign_in_as(browser, "web_admin")
    browser.click("link", "Moderation")
    browser.heading("Moderation")
    browser.find("heading", Prefix("track: Spam"))
    browser.scan("moderation")
    Select(browser.find("combobox", "Decision")).select_by_visible_text("Warn")
    browser.find("textbox", "Reason told to the owner").send_keys("Please give your tones names.")
    browser.click("button", "Decide: Tone A")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "main .state-empty"), "the queue is empty once decided")
    notices = call("GET", "/moderation/notices", token=token("tester_artist"))["items"]
    assert [notice["action"] for notice in notices] == ["warn"], f"the artist sees the warning: {notices}"
    sign_in_as(browser, "web_listener")


def absent(browser, role, name):
    """Asserts that no displayed element of `role` is named `name` (on a page that has settled)."""
    for element in browser.driver.find_elements(By.CSS_SELECTOR, ROLES[role]):
        try:
            if element.is_displayed() and element.accessible_name.strip() == name:
                raise AssertionError(f"a {role} named {name!r} is on {browser.driver.current_url}")
        except StaleElementReferenceException:
            continue


def figure(browser, label):
    """The number in the summary figure `label` (its <dt>) of the analytics view, or None while there is none."""
    found = browser.driver.find_elements(By.XPATH, f"//main//dl[contains(@class, 'figures')]//dt[normalize-space()='{label}']/following-sibling::dd[1]")
    try:
        digits = "".join(ch for ch in found[0].text.split("\n")[0] if ch.isdigit()) if found else ""
    except StaleElementReferenceException:
        return None
    return int(digits) if digits else None


def journey_artist_analytics(browser, data):
    """a listener's plays reach the artist's Analytics (figures, chart, Week, "Download CSV"); a listener gets no link and a 403 message; an admin opens Admin."""
    artist_id = call("GET", "/users/tester_artist")["id"]
    today = datetime.now(timezone.utc)
    # The view's default: the last 30 days by day, in UTC.
    query = urllib.parse.urlencode({"interval": "day", "from": (today - timedelta(days=29)).strftime("%Y-%m-%d"), "to": today.strftime("%Y-%m-%d")})
    counted = lambda: call("GET", f"/analytics/artists/{artist_id}?{query}", token=token("tester_artist"))["totals"]["plays"]
    before = counted()
    stamp = lambda moment: moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    events = []
    for n, started in enumerate([90, 50]):
        play = f"web-analytics-{n}-{int(time.time())}"
        events += [{"playId": play, "trackId": data["tracks"]["Tone A"], "event": "start", "positionSeconds": 0,
                    "at": stamp(today - timedelta(seconds=started)), "source": "search"},
                   {"playId": play, "trackId": data["tracks"]["Tone A"], "event": "complete", "positionSeconds": 30,
                    "at": stamp(today - timedelta(seconds=started - 30)), "source": "search"}]
    accepted = call("POST", "/plays", {"events": events}, token=token("web_listener"))["accepted"]
    assert accepted == len(events), f"the plays were accepted: {accepted}"
    # The rollup job runs on its own within seconds.
    deadline = time.monotonic() + 30
    while (plays := counted()) < before + 2:
        assert time.monotonic() < deadline, f"the two plays were not counted within 30 s ({before} before, {plays} now)"
        time.sleep(0.5)

    # A listener has no Analytics link, and someone else's figures are refused in words.
    browser.open("/library")
    browser.heading("Library")
    browser.find("link", "Settings")
    absent(browser, "link", "Analytics")
    browser.expected_console.append(f"/api/v1/analytics/artists/{artist_id}")
    browser.open(f"/studio/analytics?artist={artist_id}")
    browser.heading("Analytics")
    browser.wait(lambda: "Only the artist can see these figures." in browser.driver.find_element(By.CSS_SELECTOR, "main").text,
                 "a listener is told the figures are the artist's")
    browser.console_errors()
    browser.expected_console.remove(f"/api/v1/analytics/artists/{artist_id}")

    sign_in_as(browser, "tester_artist")
    browser.click("link", "Analytics")
    browser.heading("Analytics")
    browser.wait(lambda: (figure(browser, "Plays") or 0) >= plays, f"the Plays figure shows at least {plays}", timeout=15)
    assert browser.driver.find_elements(By.CSS_SELECTOR, "main svg[role=img][aria-label]"), "the chart is an image with a name"
    browser.find("heading", "Plays and listeners")
    browser.find("heading", "Plays by source")
    browser.scan("analytics")
    Select(browser.find("combobox", "Interval")).select_by_visible_text("Week")
    browser.wait(lambda: "interval=week" in browser.driver.current_url
                 and not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading")
                 and (figure(browser, "Plays") or 0) >= plays, "the figures by week load")
    assert browser.driver.find_elements(By.CSS_SELECTOR, "main svg[role=img]"), "the chart by week is drawn"
    browser.click("button", "Download CSV")
    browser.wait(lambda: any(name.endswith(".csv") for name in os.listdir(browser.downloads)), "the CSV is downloaded", timeout=15)
    saved = next(name for name in os.listdir(browser.downloads) if name.endswith(".csv"))
    assert os.path.getsize(os.path.join(browser.downloads, saved)) > 0, "the CSV has content"
    alerts = [e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, "main [role=alert]") if e.text.strip()]
    assert not alerts, f"no error after the download: {alerts}"

    sign_in_as(browser, "web_admin")
    browser.click("link", "Admin")
    browser.heading("Admin")
    for section in ("Users", "Activity", "Storage", "Job queue", "Moderation"):
        browser.find("heading", section)
    browser.scan("admin")
    sign_in_as(browser, "web_listener")


def texts(browser, selector):
    """The text of every element matching `selector` (an empty list while the view is being redrawn)."""
    try:
        return [element.text for element in browser.driver.find_elements(By.CSS_SELECTOR, selector)]
    except StaleElementReferenceException:
        return []


def press_enter_on(browser, element):
    """Focuses a control and presses Enter on it, as a keyboard user would."""
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'}); arguments[0].focus()", element)
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()


def journey_playlist_collaborate(browser, data):
    """Library → "New playlist" (private); "Add to playlist" from two tracks' pages; "Move <title> up" by keyboard and a drag by the handle, the order surviving a reload; "Invite" a collaborator, who sees the owner's rename live (no reload) and removes an entry; someone else gets "Not found"; "Delete playlist" after a confirmation."""
    register("web_collab", "listener")
    register("web_outsider", "listener")
    browser.open("/library")
    browser.heading("Library")
    browser.click("button", "New playlist")
    browser.find("textbox", "Title").send_keys("Late Night Tones")
    Select(browser.find("combobox", "Visibility")).select_by_value("private")
    browser.click("button", "Create playlist")
    browser.heading("Late Night Tones")
    playlist_id = browser.path().rsplit("/", 1)[1]
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "main .state-empty"), "a new playlist says it is empty")
    browser.scan("playlist (empty)")
    for title in ["Tone A", XSS]:
        browser.open(f"/tracks/{data['tracks'][title]}")
        browser.heading(title)
        browser.click("disclosure", "Add to playlist")
        Select(browser.find("combobox", "Playlist")).select_by_visible_text("Late Night Tones")
        browser.click("button", "Add")
        browser.wait(lambda: "Added to" in " ".join(texts(browser, "details.add-to-playlist [role=status]")), f"{title!r} is added")
    browser.scan("track (added to playlist)")

    entries = lambda: texts(browser, "main .playlist-entries .track-title")
    browser.open("/library")
    browser.click("link", "Late Night Tones")
    browser.heading("Late Night Tones")
    browser.wait(lambda: entries() == ["Tone A", XSS], f"the two tracks are listed in the order added: {entries()}")
    browser.find("button", f"Play {XSS}")
    press_enter_on(browser, browser.find("button", f"Move {XSS} up"))
    browser.wait(lambda: entries() == [XSS, "Tone A"], f"Enter on “Move … up” moves the track up: {entries()}")
    focused = browser.driver.switch_to.active_element.accessible_name
    assert focused == f"Move {XSS} down", f"the focus stays with the moved track: {focused!r}"
    browser.wait(lambda: "moved to position 1 of 2" in browser.driver.find_element(By.ID, "announcer").get_attribute("textContent"),
                 "the move is announced in the live region")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img[src='x']"), "the title made no image"
    assert "null" not in browser.driver.find_element(By.CSS_SELECTOR, "main").text.split(), "no missing value is printed"
    browser.no_alert()
    browser.scan("playlist")
    browser.driver.refresh()
    browser.heading("Late Night Tones")
    browser.wait(lambda: entries() == [XSS, "Tone A"], f"the order survives a reload: {entries()}")
    # A pointer drags "Tone A" by its handle back to the top.
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "main .playlist-entries li")
    handle = rows[1].find_element(By.CSS_SELECTOR, ".drag-handle")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", rows[0])
    top = -rows[0].size["height"] // 2 + 3
    ActionChains(browser.driver).click_and_hold(handle).move_by_offset(0, -10).move_to_element_with_offset(rows[0], 0, top).release().perform()
    browser.wait(lambda: entries() == ["Tone A", XSS], f"dragging by the handle reorders: {entries()}")

    browser.find("textbox", "Username to invite").send_keys("web_collab")
    browser.click("button", "Invite")
    browser.wait(lambda: "can now edit" in " ".join(texts(browser, "main form [role=status]")), "the invitation is confirmed")
    browser.find("link", "web_collab")
    browser.scan("playlist (owner, collaborative)")

    sign_in_as(browser, "web_collab")
    browser.open(f"/playlists/{playlist_id}")
    browser.heading("Late Night Tones")
    browser.find("button", f"Move {XSS} up")  # a collaborator edits too
    browser.wait(lambda: not browser.driver.find_element(By.CSS_SELECTOR, "main .live-offline").is_displayed(), "the live connection is up")
    browser.driver.execute_script("window.notReloaded = true")
    call("PATCH", f"/playlists/{playlist_id}", {"title": "Late Night Tones, Vol. 2"}, token=token("web_listener"))
    browser.heading("Late Night Tones, Vol. 2", timeout=15)
    assert browser.driver.execute_script("return window.notReloaded === true"), "the owner's rename arrived without a reload"
    browser.scan("playlist (collaborator)")
    browser.click("button", "Remove Tone A")
    browser.wait(lambda: entries() == [XSS], f"a collaborator removes an entry: {entries()}")

    sign_in_as(browser, "web_outsider")
    browser.expected_console.append(f"/api/v1/playlists/{playlist_id}")
    browser.open(f"/playlists/{playlist_id}")
    browser.heading("Not found")
    message = browser.driver.find_element(By.CSS_SELECTOR, "main [role=alert]").text
    assert "playlist" in message.lower(), f"the refusal says what was not found: {message!r}"
    assert "Late Night Tones" not in browser.driver.find_element(By.CSS_SELECTOR, "main").text, "nothing of the private playlist shows"
    browser.scan("playlist (refused)")
    browser.console_errors()
    browser.expected_console.remove(f"/api/v1/playlists/{playlist_id}")

    sign_in_as(browser, "web_listener")
    scratch = call("POST", "/playlists", {"title": "Scratch Pad"}, token=token("web_listener"))
    browser.open(f"/playlists/{scratch['id']}")
    browser.heading("Scratch Pad")
    browser.click("button", "Delete playlist")
    browser.find("button", "Keep it")
    browser.click("button", "Yes, delete playlist")
    browser.heading("Library")
    browser.find("link", "Late Night Tones, Vol. 2")
    absent(browser, "link", "Scratch Pad")


def journey_track_comments(browser, data):
    """a listener comments on a track at a typed time (a mark on the waveform), replies, edits it to HTML (shown as text) and deletes it; "Use the playing position" takes the player's time; the artist deletes a listener's comment and turns comments off and on."""
    browser.open(f"/tracks/{data['tracks']['Tone A']}")
    browser.heading("Tone A")
    browser.find("heading", "Comments")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "main .comments-section .state-empty, main .comments"), "the comments load")
    browser.find("textbox", "Comment").send_keys("Love the hum at five seconds")
    browser.find("textbox", "At (minutes:seconds)").send_keys("0:05")
    browser.click("button", "Post comment")
    browser.find("button", Prefix("Play from 0:05"))
    browser.wait(lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, "main .waveform-mark")) == 1, "the comment is marked on the waveform")
    browser.scan("track (comments)")
    browser.click("button", Prefix("Reply to "))
    browser.find("textbox", Prefix("Your reply to ")).send_keys("Agreed, the hum is the best part")
    browser.click("button", "Post reply")
    browser.wait(lambda: texts(browser, "main .comment-replies .comment-text") == ["Agreed, the hum is the best part"], "the reply is threaded under the comment")
    browser.click("button", "Edit comment: Love the hum at five seconds")
    box = browser.find("textbox", "Edit your comment")
    box.clear()
    box.send_keys(f"Edited: {XSS}")
    browser.click("button", "Save comment")
    browser.wait(lambda: f"Edited: {XSS}" in texts(browser, "main .comments > .comment > .comment-text"), "the edit is shown, as text")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "the comment made an image"
    browser.no_alert()
    assert "edited" in browser.driver.find_element(By.CSS_SELECTOR, "main .comments > .comment .comment-head").text
    assert "null" not in browser.driver.find_element(By.CSS_SELECTOR, "main .comments-section").text.split(), "no missing value is printed"
    browser.scan("track (comment edited)")
    browser.click("button", Prefix("Delete comment: Edited:"))
    browser.click("button", "Yes, delete comment")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "main .comments-section .state-empty"), "the comment and its reply are gone")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main .waveform-mark"), "its mark is gone"
    browser.click("button", "Play Tone A")
    browser.wait(lambda: browser.audio("audio.currentTime") > 1.5, "the track plays", timeout=20)
    browser.click("button", "Use the playing position")
    at = browser.find("textbox", "At (minutes:seconds)").get_attribute("value")
    assert at.startswith("0:") and at != "0:00", f"the playing position is taken: {at!r}"
    browser.click("button", "Pause")

    call("POST", f"/tracks/{data['tracks']['Tone A']}/comments", {"text": "First!", "atSeconds": 1}, token=token("web_listener"))
    sign_in_as(browser, "tester_artist")
    browser.open(f"/tracks/{data['tracks']['Tone A']}")
    browser.heading("Tone A")
    browser.click("button", "Delete comment: First!")
    browser.click("button", "Yes, delete comment")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "main .comments-section .state-empty"), "the artist deleted the listener's comment")
    browser.click("button", "Turn comments off")
    browser.find("button", "Turn comments on")
    assert "turned comments off" in browser.driver.find_element(By.CSS_SELECTOR, "main .comments-section").text
    absent(browser, "textbox", "Comment")
    browser.scan("track (comments off)")
    browser.click("button", "Turn comments on")
    browser.find("textbox", "Comment")
    sign_in_as(browser, "web_listener")


def set_datetime(browser, name, moment):
    """Sets the datetime-local field `name` to `moment` in the browser's zone (typing into one depends on the locale)."""
    local = browser.driver.execute_script(
        "const d = new Date(arguments[0]); const p = (n) => String(n).padStart(2, '0');"
        "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;",
        moment.isoformat())
    field = browser.find("datetime", name)
    browser.driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", field, local)


def journey_venue_studio(browser, data):
    """a venue opens "Venue studio", is told in words (by the field) why a start in the past is refused, publishes a show, edits its title, invites an artist onto the line-up; the show is under Events; cancelling it (after a confirmation) takes it off."""
    sign_in_as(browser, "web_venue")
    browser.click("link", "Venue studio")
    browser.heading("Venue studio")
    browser.find("link", "Basement Night")
    browser.find("button", "Edit Basement Night")
    browser.scan("venue studio")
    browser.find("textbox", "Title").send_keys("Rooftop Session")
    browser.expected_console.append("/api/v1/events")
    set_datetime(browser, "Starts", datetime.now(timezone.utc) - timedelta(days=2))
    browser.click("button", "Publish event")
    browser.wait(lambda: "Starts" in " ".join(texts(browser, "main .event-form [role=alert]")), "the refusal names the Starts field")
    starts_field = browser.find("datetime", "Starts")
    assert starts_field.get_attribute("aria-invalid") == "true", "the refused field is marked invalid"
    under = browser.driver.find_element(By.ID, "event-startsAt-error").text
    assert under and "event-startsAt-error" in starts_field.get_attribute("aria-describedby"), f"the field's own message is under it: {under!r}"
    browser.scan("venue studio (refused)")
    browser.console_errors()
    browser.expected_console.remove("/api/v1/events")
    starts = (datetime.now(timezone.utc) + timedelta(days=10)).replace(hour=19, minute=0, second=0, microsecond=0)
    set_datetime(browser, "Starts", starts)
    set_datetime(browser, "Ends (optional)", starts + timedelta(hours=4))
    browser.find("textbox", "City").send_keys("Leeds")
    browser.find("textbox", "Address").send_keys("1 Roof Street")
    browser.find("textbox", "Description").send_keys(f"Bring a jumper. {XSS}")
    browser.click("button", "Publish event")
    browser.wait(lambda: "is published" in " ".join(texts(browser, "main .event-form [role=status]")), "the show is published")
    browser.find("link", "Rooftop Session")
    browser.click("button", "Edit Rooftop Session")
    browser.find("heading", "Edit “Rooftop Session”")
    title = browser.find("textbox", "Title")
    title.clear()
    title.send_keys("Rooftop Session (moved indoors)")
    browser.click("button", "Save event")
    browser.find("link", "Rooftop Session (moved indoors)")
    absent(browser, "link", "Rooftop Session")
    browser.find("textbox", "Artist’s username").send_keys("tester_artist")
    browser.click("button", "Invite to the line-up")
    browser.wait(lambda: any("Tester Artist" in text and "invited" in text for text in texts(browser, "main section[aria-labelledby=lineup-heading] li")),
                 "the artist is on the line-up as invited")
    browser.scan("venue studio (editing)")
    browser.click("link", "Events")
    browser.heading("Events")
    browser.click("link", "Rooftop Session (moved indoors)")
    browser.heading("Rooftop Session (moved indoors)")
    assert XSS in browser.driver.find_element(By.CSS_SELECTOR, "main .bio").text, "the description is text"
    browser.click("link", "Venue studio")
    browser.click("button", "Cancel Rooftop Session (moved indoors)")
    browser.click("button", "Yes, cancel the event")
    browser.wait(lambda: "Rooftop Session (moved indoors)" not in texts(browser, "main .card-title"), "a cancelled show leaves the studio's list")
    browser.find("link", "Basement Night")
    browser.click("link", "Events")
    browser.heading("Events")
    browser.find("link", "Basement Night")
    absent(browser, "link", "Rooftop Session (moved indoors)")
    sign_in_as(browser, "web_listener")


def ticket_codes(browser):
    """The codes shown as text under the tickets on the page."""
    return [code for code in texts(browser, "main .ticket-code code") if code]


def door_result(browser):
    return " ".join(texts(browser, "main .door-result"))


def png(path, width, height, colour):
    """Writes a PNG of one colour, byte by byte (zlib and the chunks' CRCs; no imaging library), and returns its bytes."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    with open(path, "wb") as file:
        file.write(data)
    return data


def forged(code):
    """The code with one character of its signature changed (base64url: every character carries six bits)."""
    at = len(code) - 20
    return code[:at] + ("B" if code[at] != "B" else "C") + code[at + 1:]


def venue_photos(browser):
    """(alt, width, height, loading) of each venue photo on the page, read in one go (a list being redrawn has no stale elements)."""
    return [tuple(item) for item in browser.driver.execute_script(
        "return [...document.querySelectorAll('main img.venue-photo')].map((img) => ['alt', 'width', 'height', 'loading'].map((name) => img.getAttribute(name)))")]


def journey_shows(browser, data):
    """a venue publishes a show with a capacity and two ticket tiers in Venue studio and adds door staff; a listener finds it on the Map (list and pin; the place combobox by keyboard), claims a ticket ("Reserved — pay … at the door") and sees its QR code on the event and under "My tickets"; sets "Show alerts radius (km)"; a full show refuses "Going"; the venue's door page admits the code ("Collect …"), refuses it the second time ("Already checked in") and a forged one; offline it checks codes with the venue's key (a valid one kept and sent when back online, a forged one and another show's refused); the dashboard counts the check-ins and "Download CSV" saves the tickets; the venue's address, capacity and opening hours are saved in Settings; venue photos are added there (the ninth refused), shown on the profile with their size, and removed."""
    sign_in_as(browser, "web_venue")
    browser.click("link", "Venue studio")
    browser.heading("Venue studio")
    starts = (datetime.now(timezone.utc) + timedelta(days=5)).replace(hour=20, minute=0, second=0, microsecond=0)
    browser.find("textbox", "Title").send_keys("Tier Night")
    set_datetime(browser, "Starts", starts)
    browser.find("textbox", "City").send_keys("Leeds")
    browser.find("spinbutton", "Latitude (optional)").send_keys("53.8008")
    browser.find("spinbutton", "Longitude (optional)").send_keys("-1.5491")
    browser.find("spinbutton", "Capacity (optional)").send_keys("100")
    browser.click("button", "Publish event")
    browser.wait(lambda: "is published" in " ".join(texts(browser, "main .event-form [role=status]")), "the show is published")
    browser.click("button", "Edit Tier Night")
    browser.find("heading", "Tickets of Tier Night")
    for name, price in [("Standard", "12"), ("Guest list", "0")]:
        browser.find("textbox", "Tier name").send_keys(name)
        price_field = browser.find("textbox", "Price (0 for free)")
        price_field.clear()
        price_field.send_keys(price)
        browser.click("button", "Add ticket tier")
        browser.wait(lambda: f"The {name} tier is added." in texts(browser, "main section[aria-labelledby=tiers-heading] [role=status]"),
                     f"the {name} tier is added")
    tiers = texts(browser, "main section[aria-labelledby=tiers-heading] .card")
    assert any("Standard" in tier and "12.00" in tier for tier in tiers) and any("Guest list" in tier and "Free" in tier for tier in tiers), tiers
    browser.find("textbox", "Door staff username").send_keys("tester_artist")
    browser.click("button", "Add to the door staff")
    browser.find("button", "Remove Tester Artist from the door staff")
    browser.scan("venue studio (tickets and door staff)")
    event = next(item for item in call("GET", "/events?venue=web_venue&limit=100")["items"] if item["title"] == "Tier Night")
    assert event.get("capacity") == 100, f"the capacity is saved: {event.get('capacity')}"
    tier_ids = {tier["name"]: tier["id"] for tier in call("GET", f"/events/{event['id']}/tiers")["items"]}

    # A full show: one place, taken.
    tiny = call("POST", "/events", {"title": "Tiny Gig", "startsAt": starts.isoformat().replace("+00:00", "Z"), "city": "Leeds", "capacity": 1},
                token=token("web_venue"))
    call("PUT", f"/events/{tiny['id']}/rsvp", {"status": "going"}, token=token("tester_artist"))

    # The listener, with a pin in Leeds, finds the show on the map.
    call("PATCH", "/me", {"location": {"latitude": 53.7997, "longitude": -1.5492}}, token=token("web_listener"))
    sign_in_as(browser, "web_listener")
    browser.open("/events")
    browser.click("link", "Map")
    browser.heading("Map")
    browser.find("link", "Tier Night")
    pins = [pin.get_attribute("aria-label") for pin in browser.driver.find_elements(By.CSS_SELECTOR, "main .map-pin")]
    assert any("Tier Night (show," in (pin or "") for pin in pins), f"the show has a pin named after it: {pins}"
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main .map-tile"), "no tiles without a tile source"
    browser.scan("map")
    Select(browser.find("combobox", "Tickets")).select_by_visible_text("Ticketed only")
    Select(browser.find("combobox", "Sort by")).select_by_visible_text("Distance")
    browser.click("button", "Show results")
    browser.find("link", "Tier Night")
    assert "tickets=ticketed" in browser.driver.current_url and "sort=distance" in browser.driver.current_url, browser.driver.current_url
    # The place combobox: suggestions from the gazetteer (scripts/test-web.sh imports three cities), chosen by keyboard.
    places = call("GET", "/places?q=Lee")["items"]
    assert [p["name"] for p in places] == ["Leeds"], places   # "Lee" is not the start of Leicester
    city = browser.find("combobox", "City")
    city.send_keys("Lee")
    browser.wait(lambda: city.get_attribute("aria-expanded") == "true", "the suggestions open")
    browser.scan("map (place suggestions)")
    city.send_keys(Keys.ARROW_DOWN)
    active = city.get_attribute("aria-activedescendant")
    assert active and browser.driver.find_element(By.ID, active).get_attribute("aria-selected") == "true", "Down moves to a suggestion"
    city.send_keys(Keys.ENTER)
    assert city.get_attribute("value") == places[0]["name"] and city.get_attribute("aria-expanded") == "false", "Enter chooses it"
    browser.click("button", "Show results")
    browser.wait(lambda: f"lat={places[0]['latitude']}" in browser.driver.current_url, "the chosen place is the centre")
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the results settle")

    # The ticket: claimed on the event's page, reserved to pay at the door, with its QR code.
    browser.open(f"/events/{event['id']}")
    browser.heading("Tier Night")
    assert "0 of 100 places taken" in browser.driver.find_element(By.CSS_SELECTOR, "main .facts").text, "the capacity is shown"
    browser.click("button", "Get a Standard ticket")
    browser.wait(lambda: any("Reserved — pay" in text and "12.00" in text for text in texts(browser, "main section[aria-labelledby=tickets-heading] [role=status]")),
                 "the claim says what to pay at the door")
    qr = browser.find("img", "QR code of your Standard ticket for Tier Night", timeout=15)
    browser.wait(lambda: browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr), "the QR code is drawn")
    assert qr.get_attribute("src").startswith("blob:"), "the QR code comes through a blob: URL"
    browser.scan("event (ticket claimed)")
    browser.click("link", "All my tickets")
    browser.heading("My tickets")
    browser.find("img", "QR code of your Standard ticket for Tier Night", timeout=15)
    browser.wait(lambda: any("Reserved — pay" in text for text in texts(browser, "main .ticket-payment")), "the ticket says it is to be paid at the door")
    browser.find("button", "Transfer Standard ticket for Tier Night")
    browser.find("button", "Cancel Standard ticket for Tier Night")
    code = ticket_codes(browser)[0]
    # The QR code as the phone shows it scans back to the ticket's code (zbar, as a door scanner would).
    shot = os.path.join(tempfile.mkdtemp(prefix="based-qr."), "qr.png")
    qr = browser.find("img", "QR code of your Standard ticket for Tier Night")
    # The image as the browser draws it, on its own (the fixed player bar may cover part of the screen).
    drawn = browser.driver.execute_script("""
        const img = arguments[0], canvas = document.createElement('canvas');
        canvas.width = canvas.height = 480;
        const context = canvas.getContext('2d');
        context.fillStyle = '#fff';
        context.fillRect(0, 0, 480, 480);
        context.drawImage(img, 0, 0, 480, 480);
        return canvas.toDataURL('image/png');""", qr)
    with open(shot, "wb") as f:
        f.write(base64.b64decode(drawn.split(",", 1)[1]))
    scanned = subprocess.run(["zbarimg", "--raw", "-q", shot], capture_output=True, text=True)
    assert scanned.stdout.strip() == code, ("the QR code scans to the ticket's code", scanned.returncode, scanned.stdout[:200], scanned.stderr[:200])
    browser.scan("my tickets")
    guest = call("POST", f"/tiers/{tier_ids['Guest list']}/claims", token=token("web_listener"))

    # A full show refuses "Going" in words.
    browser.expected_console.append(f"/api/v1/events/{tiny['id']}/rsvp")
    browser.open(f"/events/{tiny['id']}")
    browser.heading("Tiny Gig")
    assert "Full" in browser.driver.find_element(By.CSS_SELECTOR, "main .facts").text, "the capacity says it is full"
    browser.click("button", "Going")
    browser.wait(lambda: "This show is full" in " ".join(texts(browser, "main .rsvp [role=alert]")), "the full show refuses Going")
    browser.scan("event (full)")

    # Show alerts.
    browser.open("/settings")
    radius = browser.find("spinbutton", "Show alerts radius (km)", timeout=15)
    radius.clear()
    radius.send_keys("10")
    browser.click("button", "Save show alerts")
    browser.wait(lambda: "saved" in " ".join(texts(browser, "main section[aria-labelledby=alerts-heading] [role=status]")), "the alerts are saved")
    assert call("GET", "/me/notification-settings", token=token("web_listener")).get("showAlertRadiusKm") == 10

    # The door.
    sign_in_as(browser, "web_venue")
    browser.open("/studio/events")
    browser.click("link", "Door for Tier Night")
    browser.heading("Door: Tier Night")
    browser.scan("door")
    browser.expected_console.append(f"/api/v1/events/{event['id']}/check-ins")
    field = browser.find("textbox", "Ticket code")
    field.send_keys(code)
    browser.click("button", "Check in")
    browser.wait(lambda: "Admitted:" in door_result(browser) and "Standard" in door_result(browser), "the ticket is admitted, with its tier")
    assert "Collect" in door_result(browser) and "12.00" in door_result(browser), f"the door is told what to collect: {door_result(browser)!r}"
    browser.find("textbox", "Ticket code").send_keys(code)
    browser.click("button", "Check in")
    browser.wait(lambda: "Already checked in" in door_result(browser) and "web_venue" in door_result(browser), "a second scan is refused, saying by whom")
    browser.find("textbox", "Ticket code").send_keys(code[:-6] + "AAAAAA")
    browser.click("button", "Check in")
    browser.wait(lambda: "Not a ticket of this venue" in door_result(browser), "an altered code is refused")
    browser.scan("door (scans)")
    # Offline: the code is checked on the device against the venue's key (kept when the door opened online);
    # a valid one waits on the device and goes when the connection is back, a forged one or another show's is refused.
    browser.wait(lambda: "Ready to check tickets without a connection." in browser.driver.find_element(By.CSS_SELECTOR, "main").text,
                 "the door says it can check tickets offline")
    kept_key = json.loads(browser.driver.execute_script("return localStorage.getItem('based.ticketKey.web_venue')") or "{}")
    assert kept_key.get("publicKey") == call("GET", "/venues/web_venue/ticket-key")["publicKey"], f"the venue's key is kept: {kept_key}"
    other = call("POST", "/events", {"title": "Other Night", "startsAt": starts.isoformat().replace("+00:00", "Z"), "city": "Leeds"}, token=token("web_venue"))
    other_tier = call("POST", f"/events/{other['id']}/tiers", {"name": "Door", "priceMinor": 0, "currency": "GBP", "quantity": 10, "perPerson": 1},
                      token=token("web_venue"))
    other_code = call("POST", f"/tiers/{other_tier['id']}/claims", token=token("web_listener"))["code"]
    kept_scans = lambda: browser.driver.execute_script(f"return JSON.parse(localStorage.getItem('based.door.{event['id']}') || '[]')")
    browser.expected_console.append("ERR_INTERNET_DISCONNECTED")
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    try:
        browser.find("textbox", "Ticket code").send_keys(guest["code"])
        browser.click("button", "Check in")
        browser.wait(lambda: "Valid ticket for this show (checked offline; admission is confirmed when the device is back online)" in door_result(browser),
                     "a valid code is reported valid offline")
        kept = kept_scans()
        assert len(kept) == 1 and kept[0]["code"] == guest["code"] and kept[0]["scannedAt"], f"the scan and its time are kept: {kept}"
        browser.scan("door (valid offline)")
        browser.find("textbox", "Ticket code").send_keys(guest["code"])
        browser.click("button", "Check in")
        browser.wait(lambda: "Scanned on this device already" in door_result(browser), "the same code twice offline is caught on the device")
        browser.find("textbox", "Ticket code").send_keys(forged(guest["code"]))
        browser.click("button", "Check in")
        browser.wait(lambda: "Not a ticket of this venue" in door_result(browser) and "checked offline" in door_result(browser),
                     "a forged code is refused offline")
        browser.find("textbox", "Ticket code").send_keys(other_code)
        browser.click("button", "Check in")
        browser.wait(lambda: "This ticket is for another event" in door_result(browser), "another show's code is refused offline")
        assert len(kept_scans()) == 1, f"only the valid scan waits: {kept_scans()}"
        browser.scan("door (refused offline)")
    finally:
        browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    browser.wait(lambda: any("scanned offline" in text and "Admitted" in text for text in texts(browser, "main .door-log li")),
                 "the kept scan is checked in when the connection is back", timeout=20)
    assert browser.driver.execute_script(f"return localStorage.getItem('based.door.{event['id']}')") is None, "nothing waits any more"
    browser.click("link", "Back to Venue studio")
    browser.heading("Venue studio")
    browser.click("button", "Dashboard for Tier Night")
    browser.wait(lambda: figure(browser, "Checked in") == 2, "the dashboard counts both check-ins", timeout=15)
    assert figure(browser, "Tickets") == 2, figure(browser, "Tickets")
    browser.scan("venue studio (dashboard)")
    before = set(os.listdir(browser.downloads))
    browser.click("button", "Download CSV")
    browser.wait(lambda: any(name.endswith(".csv") and name not in before for name in os.listdir(browser.downloads)), "the CSV is downloaded", timeout=20)

    # The venue's own details.
    browser.open("/settings")
    browser.find("textbox", "Address", timeout=15).send_keys("1 Cellar Steps")
    browser.find("spinbutton", "Capacity").send_keys("250")
    browser.find("textbox", "Opening hours").send_keys("Thu–Sat 19:00–02:00")
    browser.click("button", "Save profile")
    browser.wait(lambda: "saved" in " ".join(texts(browser, "main form[aria-labelledby=profile-heading] [role=status]")), "the profile is saved")
    venue = call("GET", "/users/web_venue").get("venue") or {}
    assert venue.get("capacity") == 250 and venue.get("address") == "1 Cellar Steps", f"the venue's details are saved: {venue}"
    browser.scan("settings (venue)")

    # The venue's photos: added in Settings, shown on its profile with their size, refused past eight, removed.
    name = call("GET", "/users/web_venue")["displayName"]
    first = os.path.join(WORK, "venue-photo-1.png")
    png(first, 96, 64, (200, 40, 40))
    browser.find("file", "Add a venue photo").send_keys(first)
    photo = browser.find("img", f"Photo 1 of {name}", timeout=20)
    assert (photo.get_dom_attribute("width"), photo.get_dom_attribute("height")) == ("96", "64"), venue_photos(browser)
    browser.wait(lambda: browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth === 96", photo), "the photo is drawn")
    assert "Added." in texts(browser, "main section[aria-labelledby=venue-photos-heading] .upload .meta"), "the file says it was added"
    browser.find("button", "Remove photo 1")
    browser.scan("settings (venue photo)")
    browser.open("/u/web_venue")
    browser.heading("Photos", timeout=15)
    assert venue_photos(browser) == [(f"Photo 1 of {name}", "96", "64", "lazy")], venue_photos(browser)
    facts = browser.driver.find_element(By.CSS_SELECTOR, "main .venue-facts").text
    assert "1 Cellar Steps" in facts and "250 people" in facts and "Thu–Sat 19:00–02:00" in facts, facts
    browser.scan("profile (venue)")
    # Six more through the API, then two chosen at once: the eighth is added, the ninth refused (409) in words.
    for number in range(2, 8):
        call("POST", "/me/venue-photos", data=png(os.path.join(WORK, f"venue-photo-{number}.png"), 32, 24, (20 * number, 90, 160)),
             token=token("web_venue"), content_type="image/png")
    more = [os.path.join(WORK, f"venue-photo-{number}.png") for number in (8, 9)]
    png(more[0], 40, 30, (10, 200, 10))
    png(more[1], 40, 30, (10, 10, 200))
    browser.open("/settings")
    browser.find("img", f"Photo 7 of {name}", timeout=15)
    browser.expected_console.append("/api/v1/me/venue-photos")
    browser.find("file", "Add a venue photo").send_keys("\n".join(more))
    browser.find("img", f"Photo 8 of {name}", timeout=20)
    browser.wait(lambda: any("venue-photo-9.png was not added" in text and "at most 8 photos" in text
                             for text in texts(browser, "main section[aria-labelledby=venue-photos-heading] [role=alert]")),
                 "the ninth photo is refused, saying why", timeout=20)
    assert "Your venue has 8 photos" in browser.driver.find_element(By.ID, "venue-photos-count").text, "the limit is explained"
    browser.scan("settings (venue photos full)")
    browser.console_errors()
    browser.expected_console.remove("/api/v1/me/venue-photos")
    first_id = (call("GET", "/users/web_venue").get("venue") or {}).get("photos", [{}])[0].get("id")
    browser.click("button", "Remove photo 1")
    browser.wait(lambda: len(venue_photos(browser)) == 7, "the photo leaves the list")
    absent(browser, "button", "Remove photo 8")
    assert browser.driver.switch_to.active_element.accessible_name == "Remove photo 1", "the focus goes to the photo that took its place"
    photos = (call("GET", "/users/web_venue").get("venue") or {}).get("photos", [])
    assert len(photos) == 7 and first_id not in [p["id"] for p in photos], f"the photo is removed: {photos}"
    sign_in_as(browser, "web_listener")


def studio_tracks(browser):
    """{title: state} of the tracks listed in Artist studio ({} while it is being redrawn)."""
    try:
        return {row.find_element(By.CSS_SELECTOR, ".card-title").text: row.find_element(By.CSS_SELECTOR, ".state-badge").text
                for row in browser.driver.find_elements(By.CSS_SELECTOR, "main .studio-track")}
    except StaleElementReferenceException:
        return {}


def journey_artist_studio(browser, data):
    """an artist opens "Artist studio" (empty), uploads two generated files through "Choose audio files" (a progress bar each, then each track's processing progress), sees both become ready, has an empty title refused under the field, retitles one and finds it on its track page, makes a release, adds both tracks and moves one up; a text file and a second copy get readable errors and leave nothing behind; a listener gets no "Artist studio" link and /studio says it is for artists."""
    files = {"studio-one": f"{WORK}/studio-one.flac", "studio-two": f"{WORK}/studio-two.wav"}
    for (name, path), tone in zip(files.items(), (440, 660)):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=f={tone}:d=6", "-ac", "2", path], check=True)
    with open(f"{WORK}/liner-notes.txt", "w") as notes:
        notes.write("Recorded live in the basement, one take.\n" * 50)
    register("web_studio", "artist")
    sign_in_as(browser, "web_studio")
    browser.click("link", "Artist studio")
    browser.heading("Artist studio")
    browser.wait(lambda: "No tracks yet — drop files here" in browser.driver.find_element(By.CSS_SELECTOR, "main").text, "a new artist's studio says it is empty")
    browser.scan("artist studio (empty)")

    # Every processing bar that is ever shown, so a quick processing job cannot be missed between two looks.
    browser.driver.execute_script("""
        window.processingSeen = [];
        new MutationObserver(() => {
          for (const bar of document.querySelectorAll('main progress[aria-label^="Processing progress for"]')) {
            if (bar.offsetParent && !window.processingSeen.includes(bar.getAttribute('aria-label'))) window.processingSeen.push(bar.getAttribute('aria-label'));
          }
        }).observe(document.querySelector('main'), { subtree: true, childList: true, attributes: true });""")
    browser.find("file", "Choose audio files").send_keys("\n".join(files.values()))
    for name in ("studio-one.flac", "studio-two.wav"):
        browser.find("progressbar", f"Upload progress for {name}")
    browser.wait(lambda: sorted(studio_tracks(browser)) == ["studio-one", "studio-two"], f"both uploads are listed: {studio_tracks(browser)}", timeout=30)
    browser.scan("artist studio (uploading)")
    browser.wait(lambda: studio_tracks(browser) == {"studio-one": "Ready", "studio-two": "Ready"},
                 f"both tracks become ready: {studio_tracks(browser)}", timeout=120)
    seen = browser.driver.execute_script("return window.processingSeen")
    assert sorted(seen) == ["Processing progress for studio-one", "Processing progress for studio-two"], f"each track showed its processing progress: {seen}"

    # A long file on a flaky phone connection: it goes in slices (tus); the network drops mid-way,
    # the row says it will try again, and once the network is back the upload goes on and finishes.
    long_path = f"{WORK}/studio-long.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=550:d=60", "-ac", "2", "-ar", "48000", long_path], check=True)
    size = os.path.getsize(long_path)
    cdp = browser.driver.execute_cdp_cmd
    cdp("Network.enable", {})
    network = lambda **change: cdp("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1, **change})
    network(uploadThroughput=1_500_000)
    browser.expected_console += ["/api/v1/uploads", "/api/v1/realtime", "ERR_INTERNET_DISCONNECTED"]
    browser.find("file", "Choose audio files").send_keys(long_path)
    bar = browser.find("progressbar", "Upload progress for studio-long.wav")
    sent = lambda: float(bar.get_attribute("value") or 0)
    browser.wait(lambda: sent() > 5_000_000, f"the first slice is through and the second on its way: {sent()} of {size}", timeout=60)
    network(offline=True)
    row_text = lambda: " ".join(texts(browser, "main .upload-list li"))
    browser.wait(lambda: "trying again" in row_text(), f"the row says the connection broke and it will try again: {row_text()!r}", timeout=30)
    browser.scan("artist studio (upload waiting for the network)")
    time.sleep(1)
    network()
    browser.wait(lambda: studio_tracks(browser).get("studio-long") in ("Processing", "Ready"), f"the long file arrived whole after the break: {studio_tracks(browser)}", timeout=90)
    browser.console_errors()
    for path in ["/api/v1/uploads", "/api/v1/realtime", "ERR_INTERNET_DISCONNECTED"]:
        browser.expected_console.remove(path)
    long_track = next(track for track in call("GET", "/users/web_studio/tracks", token=token("web_studio"))["items"] if track["title"] == "studio-long")
    original = urllib.request.Request(f"{BASE}/api/v1/tracks/{long_track['id']}/stream?format=original", headers={"authorization": f"Bearer {token('web_studio')}"})
    with urllib.request.urlopen(original, timeout=60) as response, open(long_path, "rb") as sent_file:
        assert response.read() == sent_file.read(), "the server holds the file byte for byte, each slice once"
    browser.wait(lambda: studio_tracks(browser).get("studio-long") == "Ready", f"the long file becomes ready: {studio_tracks(browser)}", timeout=120)
    assert not os.listdir(f"{WORK}/data/media/tmp/uploads"), "the finished upload left no bytes behind"

    # An empty title is refused under its field; a new one is saved and shown on the track's page.
    browser.expected_console.append("/api/v1/tracks/")
    browser.click("button", "Edit studio-one")
    title = browser.find("textbox", "Title")
    title.clear()
    browser.click("button", "Save track")
    browser.wait(lambda: browser.find("textbox", "Title").get_attribute("aria-invalid") == "true", "the empty title is marked invalid")
    described = browser.find("textbox", "Title").get_attribute("aria-describedby").split()
    under = browser.driver.find_element(By.ID, described[-1]).text
    assert under, f"the field's own message is under it: {described}"
    browser.scan("artist studio (refused edit)")
    browser.console_errors()
    browser.expected_console.remove("/api/v1/tracks/")
    title = browser.find("textbox", "Title")
    title.send_keys(f"Morning Tone {XSS}")
    browser.find("textbox", "Genre").send_keys("Ambient")
    browser.find("textbox", "Tags").send_keys("drone, test tone")
    browser.click("button", "Save track")
    browser.wait(lambda: "is saved" in " ".join(texts(browser, "main .track-editor [role=status]")), "the edit is saved")
    assert f"Morning Tone {XSS}" in studio_tracks(browser), f"the list shows the new title: {studio_tracks(browser)}"
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "the title made no image"
    browser.no_alert()
    browser.click("link", f"Morning Tone {XSS}")
    browser.heading(f"Morning Tone {XSS}")
    assert "Ambient" in browser.driver.find_element(By.CSS_SELECTOR, "main .facts").text, "the genre is on the track's page"

    # A release with both tracks, the second moved up by keyboard.
    browser.click("link", "Artist studio")
    browser.heading("Artist studio")
    browser.wait(lambda: studio_tracks(browser) == {f"Morning Tone {XSS}": "Ready", "studio-two": "Ready", "studio-long": "Ready"}, "the studio lists the tracks again")
    browser.click("button", "New release")
    browser.find("textbox", "Release title").send_keys("First Light")
    Select(browser.find("combobox", "Type")).select_by_visible_text("EP")
    browser.click("button", "Create release")
    browser.find("heading", "Tracks of First Light")
    for title in (f"Morning Tone {XSS}", "studio-two"):
        Select(browser.find("combobox", "Track to add")).select_by_visible_text(title)
        browser.click("button", "Add to release")
        browser.find("button", f"Remove {title} from the release")
    release_order = lambda: texts(browser, "main .release-editor .playlist-entries .track-title")
    browser.wait(lambda: release_order() == [f"Morning Tone {XSS}", "studio-two"], f"the tracks are on the release in the order added: {release_order()}")
    press_enter_on(browser, browser.find("button", "Move studio-two up"))
    browser.wait(lambda: release_order() == ["studio-two", f"Morning Tone {XSS}"], f"Enter on “Move studio-two up” moves it up: {release_order()}")
    focused = browser.driver.switch_to.active_element.accessible_name
    assert focused == "Move studio-two down", f"the focus stays with the moved track: {focused!r}"
    artist = token("web_studio")
    mine = call("GET", "/users/web_studio/tracks", token=artist)["items"]
    release = call("GET", f"/releases/{next(track['releaseId'] for track in mine if track.get('releaseId'))}", token=artist)
    assert (release["title"], release["kind"], [track["title"] for track in release["tracks"]]) == ("First Light", "ep", ["studio-two", f"Morning Tone {XSS}"]), \
        f"the server has the release in that order: {release['title']}, {[track['title'] for track in release['tracks']]}"
    browser.scan("artist studio (release)")

    # A text file and a second copy of an upload are refused in words; nothing of them is kept.
    originals = f"{WORK}/data/media/originals"
    kept = lambda: sorted(os.path.join(folder, name) for folder, _, names in os.walk(originals) for name in names)
    before = kept()
    browser.expected_console.append("/api/v1/uploads/")
    browser.find("file", "Choose audio files").send_keys(f"{WORK}/liner-notes.txt\n{files['studio-one']}")
    refusals = lambda: " ".join(texts(browser, "main .upload-list [role=alert]"))
    browser.wait(lambda: "liner-notes.txt was not uploaded" in refusals() and "studio-one.flac was not uploaded" in refusals(), f"both are refused: {refusals()!r}", timeout=30)
    assert "not an audio file" in refusals() and "uploaded this exact file before" in refusals(), f"the refusals are readable: {refusals()!r}"
    earlier = browser.find("link", "Open the track you uploaded before")
    assert earlier.get_attribute("href").endswith(f"/tracks/{release['tracks'][1]['id']}"), earlier.get_attribute("href")
    absent(browser, "button", "Cancel upload of liner-notes.txt")
    browser.scan("artist studio (refused upload)")
    browser.console_errors()
    browser.expected_console.remove("/api/v1/uploads/")
    assert len(call("GET", "/users/web_studio/tracks", token=token("web_studio"))["items"]) == 3, "no track was made of the refused files"
    assert kept() == before, "no original was stored for the refused files"
    scratch = f"{WORK}/data/media/tmp"
    leftovers = [name for name in os.listdir(scratch) if name.startswith("upload-")] if os.path.isdir(scratch) else []
    leftovers += os.listdir(f"{scratch}/uploads") if os.path.isdir(f"{scratch}/uploads") else []
    assert not leftovers, f"no partial upload is left: {leftovers}"

    sign_in_as(browser, "web_listener")
    browser.open("/library")
    browser.heading("Library")
    browser.find("link", "Settings")
    absent(browser, "link", "Artist studio")
    browser.open("/studio")
    browser.heading("Artist studio")
    assert "Artist studio is for artist accounts" in browser.driver.find_element(By.CSS_SELECTOR, "main").text, "a listener is told the studio is for artists"
    absent(browser, "file", "Choose audio files")
    browser.scan("artist studio (listener)")


def reasoned_rows(browser, selector):
    """(title, reason) of every track row matching `selector` ([] while the list is being redrawn)."""
    try:
        return [(row.find_element(By.CSS_SELECTOR, ".track-title").text,
                 " ".join(reason.text for reason in row.find_elements(By.CSS_SELECTOR, ".track-reason")))
                for row in browser.driver.find_elements(By.CSS_SELECTOR, selector)]
    except StaleElementReferenceException:
        return []


def wait_for_listen(username, track_id, source):
    """Waits (up to 15 s) until one of `username`'s latest listens is of `track_id`, reported with `source`."""
    deadline = time.monotonic() + 15
    while True:
        latest = [(listen["track"]["id"], listen.get("source")) for listen in call("GET", "/me/history?limit=5", token=token(username))["items"]]
        if (track_id, source) in latest:
            return
        assert time.monotonic() < deadline, f"the play of {track_id} is reported with source {source!r}: {latest}"
        time.sleep(0.5)


def now_playing(browser):
    """The id of the track the player bar names (its link), or None."""
    href = browser.driver.find_element(By.CSS_SELECTOR, ".player-bar .now-title").get_attribute("href") or ""
    return href.rsplit("/", 1)[1] if "/tracks/" in href else None


def queue_position(browser):
    """Where the playing track is in the player's queue (-1 for nowhere)."""
    return browser.driver.execute_script(
        "return [...document.querySelectorAll('.queue-list button')].findIndex((b) => b.getAttribute('aria-current') === 'true')")


def choose_place(browser, field, name):
    """Types `name` into a place combobox and chooses the gazetteer's suggestion by keyboard."""
    field.send_keys(name)
    assert call("GET", "/places?" + urllib.parse.urlencode({"q": name}))["items"], f"the test gazetteer has {name}"
    browser.wait(lambda: field.get_attribute("aria-expanded") == "true", f"{name} is suggested")
    field.send_keys(Keys.ARROW_DOWN)
    field.send_keys(Keys.ENTER)
    browser.wait(lambda: field.get_attribute("aria-expanded") == "false" and field.get_attribute("value") == name, f"{name} is chosen")


def journey_home_for_you(browser, data):
    """a new listener's Home says how to get recommendations (a link to Settings); once Settings has their city and a genre of a local artist's track, Home opens with "For you" and "Local this week in Leipzig", each track with its reason ("From Leipzig"); a play from a shelf is reported with source "recommendation"."""
    tone_a = data["tracks"]["Tone A"]
    register("web_local", "listener")
    artist = token("tester_artist")
    call("PATCH", "/me", {"city": "Leipzig"}, token=artist)
    call("PATCH", f"/tracks/{tone_a}", {"genre": "Ambient"}, token=artist)
    sign_in_as(browser, "web_local")
    browser.open("/")
    browser.heading("Home")
    settings = browser.find("link", "Add genres and a city in Settings", timeout=20)
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "every shelf settles")
    absent(browser, "heading", "For you")
    browser.scan("home (no recommendations)")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", settings)
    settings.click()
    browser.heading("Settings")
    city = browser.find("combobox", "City")
    city.clear()
    choose_place(browser, city, "Leipzig")
    browser.click("checkbox", "Ambient")
    browser.click("button", "Save profile")
    browser.wait(lambda: "saved" in " ".join(texts(browser, "main form[aria-labelledby=profile-heading] [role=status]")), "the profile is saved")
    me = call("GET", "/users/web_local")
    assert me.get("city") == "Leipzig" and me.get("genres") == ["Ambient"], f"Settings saved the city and genres: {me}"
    browser.scan("settings (city and genres)")

    # The artist's city and the track's genre reach discovery through the change feed, within moments.
    deadline = time.monotonic() + 30
    while True:
        shelves = {shelf["id"]: shelf for shelf in call("GET", "/me/home", token=token("web_local"))["shelves"]}
        picks = {item["track"]["id"]: item["reason"] for item in shelves.get("for-you", {}).get("items", [])}
        if tone_a in picks and "local" in shelves:
            break
        assert time.monotonic() < deadline, f"Tone A is recommended for you and a local shelf is made: {list(shelves)}"
        time.sleep(0.5)
    browser.click("link", "Home")
    browser.heading("Home")
    browser.find("heading", "For you")
    browser.find("heading", "Local this week in Leipzig")
    for_you = lambda: reasoned_rows(browser, "main section[aria-labelledby=home-shelf-for-you] .track-row")
    browser.wait(lambda: ("Tone A", picks[tone_a]) in for_you(), f"For you lists Tone A with its reason {picks[tone_a]!r}: {for_you()}")
    assert all(reason for _, reason in for_you()), f"every track on For you says why: {for_you()}"
    local = reasoned_rows(browser, "main section[aria-labelledby=home-shelf-local] .track-row")
    assert ("Tone A", "From Leipzig") in local, f"the local shelf says where Tone A is from: {local}"
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "no title made an image"
    browser.no_alert()
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "every shelf settles")
    browser.scan("home (recommendations)")

    shelf = browser.driver.find_element(By.CSS_SELECTOR, "main section[aria-labelledby=home-shelf-for-you]")
    play = next(button for button in shelf.find_elements(By.CSS_SELECTOR, "button") if button.accessible_name.strip() == "Play Tone A")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", play)
    play.click()
    browser.wait(lambda: browser.audio("audio.currentTime") > 1.0, "the audio element's currentTime advances", timeout=20)
    browser.find("button", "Pause")
    wait_for_listen("web_local", tone_a, "recommendation")
    browser.click("button", "Pause")


# Records the web app's calls to /api/v1/radio… (their URL and JSON body) in window.radioCalls.
RADIO_RECORDER = """
    window.radioCalls = [];
    if (!window.radioRecorded) {
      window.radioRecorded = true;
      const original = window.fetch.bind(window);
      window.fetch = (url, init) => {
        if (String(url).includes('/api/v1/radio')) {
          window.radioCalls.push({ url: String(url), body: init && typeof init.body === 'string' ? JSON.parse(init.body) : null });
        }
        return original(url, init);
      };
    }"""


def journey_radio(browser, data):
    """Radio (main navigation): mood "Calm" and "Start radio" play the station (the audio advances, "Pause"), its tracks listed with their reason ("Calm radio") under a status line, plays reported with source "radio"; "Next" skips, and the station, asked for more, is told of the skipped track and goes on."""
    browser.click("link", "Radio")
    browser.heading("Radio")
    browser.find("heading", "On this station")
    browser.scan("radio")
    browser.driver.execute_script(RADIO_RECORDER)
    Select(browser.find("combobox", "Mood")).select_by_visible_text("Calm")
    browser.click("button", "Start radio")
    station = lambda: reasoned_rows(browser, "main section[aria-labelledby=radio-station] .track-row")
    playing = lambda: browser.driver.find_element(By.CSS_SELECTOR, ".player-bar .now-title").text
    browser.wait(lambda: station() and playing() in [row[0] for row in station()], f"the station is listed and its first track loaded: {station()}", timeout=15)
    # Not the paused track of Home: a new source plays from its start.
    browser.wait(lambda: not browser.audio("audio.paused") and browser.audio("audio.currentTime") > 1.0, "the station's first track plays", timeout=20)
    browser.find("button", "Pause")
    calls = browser.driver.execute_script("return window.radioCalls")
    assert calls and calls[0]["url"].endswith("/api/v1/radio") and calls[0]["body"] == {"mood": "calm"}, f"the station is started with the mood: {calls}"
    rows = station()
    assert all(reason == "Calm radio" for _, reason in rows), f"each of the station's tracks says why: {rows}"
    status = browser.driver.find_element(By.CSS_SELECTOR, "main section[aria-labelledby=radio-station] [role=status]").text
    assert "on this station" in status, f"the status line says what the station holds: {status!r}"
    first = now_playing(browser)
    wait_for_listen("web_local", first, "radio")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "no title made an image"
    browser.scan("radio (playing)")

    # "Next" until the station is asked for more: that ask names a track left by "Next" as skipped.
    left = []
    def told_of_skip():
        asked = [made for made in browser.driver.execute_script("return window.radioCalls") if made["url"].endswith("/next")]
        return any(set(left) & set((made["body"] or {}).get("skipped") or []) for made in asked)
    for _ in range(8):
        if told_of_skip():
            break
        browser.wait(lambda: browser.find("button", "Next").is_enabled(), "the queue has a next track", timeout=15)
        position = queue_position(browser)
        left.append(now_playing(browser))
        browser.click("button", "Next")
        browser.wait(lambda: queue_position(browser) > position, f"Next moves on from position {position}")
    browser.wait(told_of_skip, "the station is asked for more and told of the skipped track", timeout=15)
    browser.wait(lambda: len(station()) > len(rows), f"the station goes on: more tracks are listed ({len(rows)} at first)", timeout=15)
    assert all(reason == "Calm radio" for _, reason in station()), f"the new tracks say why too: {station()}"
    browser.scan("radio (more)")
    browser.click("button", "Pause")


def journey_track_similar_and_radio(browser, data):
    """a track's page has a "Similar tracks" region (each with its reason, as the API lists them) and "Start radio", which opens Radio playing a station from that track ("Radio from Tone A"); an artist's profile has "Similar artists" and its own "Start radio" ("Artist radio")."""
    tone_a = data["tracks"]["Tone A"]
    browser.open(f"/tracks/{tone_a}")
    browser.heading("Tone A")
    browser.find("heading", "Similar tracks")
    region = "main section[aria-labelledby=similar-tracks]"
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, f"{region} .track-list, {region} .state-empty"), "the similar tracks load")
    similar = [(item["track"]["title"], item["reason"]) for item in call("GET", f"/tracks/{tone_a}/similar?limit=10", token=token("web_local"))["items"]]
    shown = reasoned_rows(browser, f"{region} .track-row")
    if similar:
        assert shown == similar, f"the similar tracks are listed with their reasons: {shown} (the API: {similar})"
    else:
        assert "No similar tracks yet." in browser.driver.find_element(By.CSS_SELECTOR, region).text, "no similar tracks is said in words"
    browser.scan("track (similar tracks)")
    browser.click("button", "Start radio")
    browser.heading("Radio")
    station = lambda: reasoned_rows(browser, "main section[aria-labelledby=radio-station] .track-row")
    browser.wait(lambda: station() and all(reason == "Radio from Tone A" for _, reason in station()), f"a station from Tone A is listed: {station()}", timeout=15)
    assert browser.path() == "/radio" and "track=" not in browser.driver.current_url, f"the seed leaves the address once started: {browser.driver.current_url}"
    browser.wait(lambda: browser.audio("audio.currentTime") > 1.0 and not browser.audio("audio.paused"), "the station plays", timeout=20)
    title = browser.driver.find_element(By.CSS_SELECTOR, ".player-bar .now-title").text
    assert title in [row[0] for row in station()], f"the playing track {title!r} is the station's: {station()}"
    browser.scan("radio (from a track)")

    browser.open("/u/tester_artist")
    browser.heading("Tester Artist")
    browser.find("heading", "Similar artists")
    region = "main section[aria-labelledby=similar-artists]"
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, f"{region} .card-list, {region} .state-empty"), "the similar artists load")
    browser.scan("profile (similar artists)")
    browser.click("button", "Start radio")
    browser.heading("Radio")
    browser.wait(lambda: station() and all(reason == "Artist radio" for _, reason in station()), f"an artist station is listed: {station()}", timeout=15)
    browser.wait(lambda: browser.audio("audio.currentTime") > 1.0 and not browser.audio("audio.paused"), "the artist station plays", timeout=20)
    browser.click("button", "Pause")
    sign_in_as(browser, "web_listener")


def swipe_card(browser):
    """(title, track id) of the card the swipe deck shows, or None while there is none."""
    try:
        links = browser.driver.find_elements(By.CSS_SELECTOR, "main .swipe-card .track-title")
        return (links[0].text, links[0].get_attribute("href").rsplit("/", 1)[1]) if links else None
    except StaleElementReferenceException:
        return None


def section_text(browser, selector):
    """The text of the first element matching `selector` ("" while there is none)."""
    found = texts(browser, selector)
    return found[0] if found else ""


def journey_discover(browser, data):
    """Discover (main navigation): the swipe deck shows one track with its reason and "Play <title>"; "Like" (by keyboard) and "Pass" record the swipe (the track is not dealt again) and show the next card or say the deck is empty; listeners near you are explained while taste matching is off; the local and venue charts follow the City and Genre filters (kept over a reload); Settings' three discovery checkboxes save and survive a reload; then listeners near you are listed, another listener's profile shows "Compatibility" (a percentage; "Make a blend" makes the private playlist and links to it) or the refusal as a message, and achievements; an artist's profile lists "Top fans"."""
    register("web_taste", "listener")
    call("PATCH", "/me", {"city": "Leipzig"}, token=token("web_taste"))
    call("PATCH", "/me/discovery-settings", {"tasteMatching": True}, token=token("web_local"))
    call("PATCH", "/me/discovery-settings", {"publicListening": True}, token=token("web_listener"))
    dealt = lambda: [item["track"]["id"] for item in call("GET", "/me/swipe-deck?count=30", token=token("web_taste"))["items"]]
    sign_in_as(browser, "web_taste")
    browser.click("link", "Discover")
    browser.heading("Discover")
    browser.find("heading", "Like or pass")
    first_title, first = browser.wait(lambda: swipe_card(browser), "the deck shows a card", timeout=15)
    browser.find("button", f"Play {first_title}")
    assert section_text(browser, "main .swipe-card .track-reason"), "the card says why the track is there"
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "main .swipe-card")) == 1, "one card at a time"
    near = "main section[aria-labelledby=discover-neighbours]"
    browser.wait(lambda: "Taste matching is off" in section_text(browser, near), "listeners near you are explained while taste matching is off")
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the view settles")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main img"), "no title made an image"
    browser.no_alert()
    browser.scan("discover")

    # "Like" by keyboard: the next card, the focus kept on the button, the swipe recorded.
    press_enter_on(browser, browser.find("button", "Like"))
    def next_card(*gone):
        card = swipe_card(browser)
        return card if card and card[1] not in gone else None
    second_title, second = browser.wait(lambda: next_card(first), f"Like shows the next card (was {first_title!r})")
    focused = browser.driver.switch_to.active_element.accessible_name
    assert focused == "Like", f"the focus stays on Like: {focused!r}"
    browser.wait(lambda: f"Liked {first_title}." in browser.driver.find_element(By.ID, "announcer").get_attribute("textContent"),
                 "the swipe is announced in the live region")
    assert first not in dealt(), "a liked track is not dealt again"
    browser.click("button", "Pass")
    browser.wait(lambda: next_card(first, second) or "Nothing left to swipe" in section_text(browser, "main section[aria-labelledby=discover-deck]"),
                 f"Pass shows the next card or says the deck is empty (was {second_title!r})")
    assert second not in dealt(), "a passed track is not dealt again"
    browser.scan("discover (swiped)")

    # The charts, filtered by the listener's city (the default) and a genre; the filters stay over a reload.
    city = browser.find("textbox", "City")
    assert city.get_attribute("value") == "Leipzig", f"the charts start from the listener's city: {city.get_attribute('value')!r}"
    Select(browser.find("combobox", "Genre")).select_by_visible_text("Ambient")
    browser.click("button", "Show charts")
    browser.wait(lambda: "genre=Ambient" in browser.driver.current_url and "city=Leipzig" in browser.driver.current_url, "the filters are kept in the address")
    browser.driver.refresh()
    browser.heading("Discover")
    browser.find("heading", "Top local artists this week")
    assert Select(browser.find("combobox", "Genre")).first_selected_option.text == "Ambient", "the genre survives a reload"
    local = "main section[aria-labelledby=discover-local-chart]"
    artists = [entry["artist"]["displayName"] for entry in call("GET", "/charts/local?city=Leipzig&genre=Ambient")["items"]]
    if artists:
        browser.wait(lambda: texts(browser, f"{local} .ranked .card-title") == artists, f"the local chart lists {artists}: {texts(browser, f'{local} .card-title')}")
    else:
        browser.wait(lambda: "No artists with listeners" in section_text(browser, local), "the empty local chart says so")
    venues = "main section[aria-labelledby=discover-venues-chart]"
    busiest = [entry["venue"]["displayName"] for entry in call("GET", "/charts/venues?city=Leipzig")["items"]]
    if busiest:
        browser.wait(lambda: texts(browser, f"{venues} .ranked .card-title") == busiest, f"the venues chart lists {busiest}")
    else:
        browser.wait(lambda: "No venues with shows" in section_text(browser, venues), "the empty venues chart says so")
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the view settles")
    browser.scan("discover (charts)")

    # The discovery choices: saved by the form, still there after a reload.
    browser.click("link", "Settings")
    browser.heading("Settings")
    browser.find("heading", "Discovery")
    assert not browser.find("checkbox", "Taste matching").is_selected(), "taste matching starts off"
    assert browser.find("checkbox", "Show me on public boards").is_selected(), "public boards start on"
    browser.click("checkbox", "Taste matching")
    browser.click("checkbox", "Share my listening")
    browser.click("button", "Save discovery choices")
    browser.wait(lambda: "saved" in " ".join(texts(browser, "main form[aria-labelledby=discovery-heading] [role=status]")), "the choices are saved")
    browser.scan("settings (discovery)")
    browser.driver.refresh()
    browser.heading("Settings")
    browser.find("checkbox", "Taste matching")
    browser.wait(lambda: browser.find("checkbox", "Taste matching").is_selected() and browser.find("checkbox", "Share my listening").is_selected(),
                 "the choices survive a reload")
    assert browser.find("checkbox", "Show me on public boards").is_selected(), "public boards stay on"
    saved = call("GET", "/me/discovery-settings", token=token("web_taste"))
    assert saved == {"tasteMatching": True, "publicBoards": True, "publicListening": True}, f"the server has the choices: {saved}"

    # With taste matching on: listeners near you.
    browser.click("link", "Discover")
    browser.heading("Discover")
    neighbours = call("GET", "/me/taste-neighbours", token=token("web_taste"))["items"]
    assert "web_local" in [entry["user"]["username"] for entry in neighbours], f"web_local (Leipzig, taste matching on) is near: {neighbours}"
    names = [entry["user"]["displayName"] for entry in neighbours]
    browser.wait(lambda: texts(browser, f"{near} .card-title") == names, f"listeners near you are listed: {names}")
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the view settles")
    browser.scan("discover (listeners near you)")

    # Someone who keeps taste matching off: the server's refusal, as a message; their achievements.
    compat = "main section[aria-labelledby=profile-compatibility]"
    browser.expected_console.append("/compatibility")
    listener = call("GET", "/users/web_listener")
    browser.open("/u/web_listener")
    browser.heading(listener["displayName"])
    browser.find("heading", "Compatibility")
    browser.wait(lambda: f"{listener['displayName']} has not turned taste matching on." in section_text(browser, compat), "the refusal is said in words")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, f"{compat} [role=alert]"), "the refusal is a message, not an error"
    absent(browser, "button", "Make a blend")
    browser.find("heading", "Achievements")
    earned = "main section[aria-labelledby=profile-achievements]"
    titles = [item["title"] for item in call("GET", "/users/web_listener/achievements", token=token("web_taste"))["items"]]
    if titles:
        browser.wait(lambda: texts(browser, f"{earned} .card-title") == titles, f"the achievements are listed: {titles}")
        assert all("Earned " in text for text in texts(browser, f"{earned} .meta")), "each achievement says when"
    else:
        browser.wait(lambda: "No achievements yet." in section_text(browser, earned), "no achievements is said in words")
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the profile settles")
    browser.scan("profile (compatibility refused)")

    # Someone who turned it on: how alike, and a blend.
    local_user = call("GET", "/users/web_local")
    browser.open("/u/web_local")
    browser.heading(local_user["displayName"])
    shown_percent = lambda: re.search(r"are (\d+)% alike", section_text(browser, compat))
    browser.wait(shown_percent, f"the compatibility is shown as a percentage: {section_text(browser, compat)!r}")
    percent = call("GET", "/users/web_local/compatibility", token=token("web_taste"))["percent"]
    # The taste in sound fades with time: a second look may round one point apart.
    assert abs(int(shown_percent().group(1)) - percent) <= 1, f"the compatibility is the server's {percent}%: {section_text(browser, compat)!r}"
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the profile settles")
    browser.scan("profile (compatibility)")
    browser.click("button", "Make a blend")
    blend = browser.find("link", Prefix("Blend: "), timeout=20)
    title, playlist_id = blend.text, blend.get_attribute("href").rsplit("/", 1)[1]
    made = call("GET", f"/playlists/{playlist_id}", token=token("web_taste"))
    assert made["visibility"] == "private" and made["owner"]["username"] == "web_taste", f"the blend is the listener's private playlist: {made}"
    browser.scan("profile (blend made)")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", blend)
    blend.click()
    browser.heading(title)

    # An artist's top fans (those who share their listening) and achievements.
    browser.open("/u/tester_artist")
    browser.heading("Tester Artist")
    browser.find("heading", "Top fans")
    fans_region = "main section[aria-labelledby=top-fans]"
    fans = [entry["fan"]["displayName"] for entry in call("GET", "/artists/tester_artist/top-fans")["items"]]
    if fans:
        browser.wait(lambda: texts(browser, f"{fans_region} .card-title") == fans, f"the top fans are listed: {fans}")
    else:
        browser.wait(lambda: "No top fans to show yet." in section_text(browser, fans_region), "no top fans is said in words")
    browser.find("heading", "Achievements")
    browser.wait(lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "main .state-loading"), "the profile settles")
    browser.scan("profile (top fans)")
    browser.console_errors()
    browser.expected_console.remove("/compatibility")
    sign_in_as(browser, "web_listener")


def journey_suspended_appeal(browser, data):
    """A suspended artist signs in, is refused with the reason, and appeals once from the sign-in page."""
    # The refused sign-in is a 403 the console reports; it is the point here.
    browser.expected_console.append("/api/v1/auth/web/sign-in")
    artist_id = call("GET", "/users/tester_artist")["id"]
    filed = call("POST", "/reports", {"kind": "user", "id": artist_id, "reason": "spam"}, token=token("web_listener"))
    call("POST", f"/admin/moderation/cases/{filed['caseId']}/decision", {"action": "suspend", "reason": "Posting the same tone everywhere.", "days": 3},
         token=token("web_admin"))
    browser.open("/settings")
    browser.heading("Settings")
    browser.click("button", "Sign out")
    browser.heading("Sign in")
    browser.find("textbox", "Username or email").send_keys("tester_artist")
    browser.find("textbox", "Password").send_keys(PASSWORD + Keys.ENTER)
    browser.find("textbox", "Why should this decision be reversed? You can appeal once.").send_keys("Every tone is different, listen again.")
    assert "suspended" in browser.driver.find_element(By.CSS_SELECTOR, "main").text, "the refusal says the account is suspended"
    browser.scan("sign in (suspended)")
    browser.click("button", "Send appeal")
    browser.wait(lambda: "Your appeal was sent" in browser.driver.find_element(By.CSS_SELECTOR, "main").text, "the appeal is acknowledged")
    cases = call("GET", "/admin/moderation/cases?status=appealed", token=token("web_admin"))["items"]
    assert [case["appealText"] for case in cases] == ["Every tone is different, listen again."], f"the appeal is in the queue: {cases}"
    browser.find("textbox", "Username or email").clear()
    browser.find("textbox", "Username or email").send_keys("web_listener")
    browser.find("textbox", "Password").clear()
    browser.find("textbox", "Password").send_keys(PASSWORD + Keys.ENTER)
    browser.wait(lambda: browser.path() != "/sign-in", "web_listener is signed in again")
    browser.console_errors()
    browser.expected_console.remove("/api/v1/auth/web/sign-in")


def second_browser(browser, username):
    """Another browser (another device), signed in as `username`; its views count among the scanned."""
    other = Browser()
    other.scanned = browser.scanned
    other.minor = browser.minor
    sign_in_as(other, username)
    return other


def slow_tide(data):
    """A 90-second tone, "Slow Tide", of an artist of its own (uploaded once, for the Jam and handoff journeys)."""
    if "slow_tide" not in data:
        path = f"{WORK}/slow-tide.flac"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=260:d=90", "-ac", "2", path], check=True)
        register("web_tide", "artist")
        with open(path, "rb") as file:
            track = call("POST", "/tracks?" + urllib.parse.urlencode({"filename": "slow-tide.flac", "title": "Slow Tide"}), data=file.read(),
                         token=token("web_tide"), content_type="audio/flac")
        deadline = time.monotonic() + 120
        while (state := call("GET", f"/tracks/{track['id']}", token=token("web_tide"))["state"]) == "processing":
            assert time.monotonic() < deadline, "Slow Tide was not processed in two minutes"
            time.sleep(0.5)
        assert state == "ready", f"Slow Tide is {state}"
        data["slow_tide"] = track
    return data["slow_tide"]


def announced(browser):
    return browser.driver.find_element(By.ID, "announcer").get_attribute("textContent")


def session_line(browser):
    """What the player bar says about a Jam or another device ("" when it says nothing)."""
    return " ".join(texts(browser, ".player-bar .player-session:not([hidden]) .session-part:not([hidden])"))


def apart(host, member):
    """How far the member's audio is from the host's, in seconds, reading both as near the same moment as two browsers allow."""
    read = "const audio = document.querySelector('audio'); return [audio.currentTime, Date.now()];"
    at_host, host_clock = host.driver.execute_script(read)
    at_member, member_clock = member.driver.execute_script(read)
    return at_member - (at_host + (member_clock - host_clock) / 1000)


def back_to_web_listener(browser):
    """Later journeys start as web_listener, who exists when register_and_play ran."""
    try:
        call("GET", "/users/web_listener")
    except RuntimeError:
        return
    sign_in_as(browser, "web_listener")


def queue_titles(browser):
    """The titles in the player's queue panel, in order ([] while it is being redrawn)."""
    return [text.split(" · ")[0] for text in texts(browser, ".queue-list li button")]


def journey_player_modes(browser, data):
    """the player bar's "Shuffle" puts what follows the playing track in another order (the same tracks; off brings the order back), N on the keyboard goes to the next track, a track plays from a progressive Opus stream; "Repeat: off" goes round to "Repeat: all" (Next after the last track plays the first) and "Repeat: one" (a track heard to its end starts again)."""
    sign_in_as(browser, "web_listener")
    browser.open("/u/web_studio")
    first = browser.find("button", Prefix("Play "), timeout=15)
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", first)
    first.click()
    browser.wait(lambda: not browser.audio("audio.paused") and browser.audio("audio.currentTime") > 0, "the first track plays", timeout=30)
    assert "format=opus" in browser.audio("audio.currentSrc"), f"a progressive Opus stream: {browser.audio('audio.currentSrc')}"
    browser.click("disclosure", Prefix("Queue"))
    browser.wait(lambda: len(queue_titles(browser)) == 3, f"the artist's three tracks are queued: {queue_titles(browser)}")
    original = queue_titles(browser)
    now = lambda: browser.driver.find_element(By.CSS_SELECTOR, ".now-title").text
    assert now() == original[0], (now(), original)

    shuffle = browser.find("button", "Shuffle")
    orders = set()
    for _ in range(20):
        shuffle.click()
        browser.wait(lambda: shuffle.get_attribute("aria-pressed") == "true", "Shuffle is pressed")
        shuffled = queue_titles(browser)
        assert shuffled[0] == original[0] and sorted(shuffled) == sorted(original), f"the playing track stays first, the same tracks follow: {shuffled}"
        orders.add(tuple(shuffled))
        shuffle.click()
        browser.wait(lambda: shuffle.get_attribute("aria-pressed") == "false" and queue_titles(browser) == original, f"off brings the order back: {queue_titles(browser)}")
        if len(orders) > 1:
            break
    assert len(orders) > 1, f"twenty shuffles gave one order only: {orders}"
    browser.scan("player (queue open)")

    # N (focus on a button, not in a text field) goes to the next track.
    ActionChains(browser.driver).send_keys("n").perform()
    browser.wait(lambda: now() == original[1] and not browser.audio("audio.paused"), f"N plays the next track: {now()!r}", timeout=20)

    repeat = browser.find("button", "Repeat: off")
    repeat.click()
    browser.find("button", "Repeat: all")
    last = [button for button in browser.driver.find_elements(By.CSS_SELECTOR, ".queue-list li button") if button.text.startswith(original[2])][0]
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", last)
    last.click()
    browser.wait(lambda: now() == original[2], f"the last track plays: {now()!r}", timeout=20)
    browser.click("button", "Next")
    browser.wait(lambda: now() == original[0] and not browser.audio("audio.paused"), f"Next after the last track plays the first again: {now()!r}", timeout=20)

    browser.click("button", "Repeat: all")
    browser.find("button", "Repeat: one")
    browser.driver.execute_script("window.endedSeen = 0; document.querySelector('audio').addEventListener('ended', () => { window.endedSeen += 1; });")
    playing = browser.audio("audio.currentSrc").split("/tracks/")[1].split("/")[0]
    seek = browser.find("slider", "Seek")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", seek)
    seek.send_keys(Keys.END)
    browser.wait(lambda: browser.driver.execute_script("return window.endedSeen") >= 1, "the track is heard to its end", timeout=30)
    browser.wait(lambda: not browser.audio("audio.paused") and browser.audio("audio.currentTime") > 0.2 and playing in browser.audio("audio.currentSrc"),
                 "Repeat: one plays the same track again", timeout=20)
    assert now() == original[0], f"the same track, again: {now()!r}"
    browser.click("button", "Repeat: one")
    browser.find("button", "Repeat: off")
    browser.scan("player (repeat)")


def journey_jam(browser, data):
    """a listener playing a track opens the queue and "Start a Jam": the Jam's page names its host and listeners, "Copy Jam link" says "Link copied" and the "Jam link" box holds the link; a second listener in another browser opens the link, "Join Jam", and their audio plays the same track within two seconds of the host's while both pages list two listeners and the member's Next and Seek are the host's; the host's "Pause" pauses the member's audio and "Play" plays it again; the member's "Leave Jam" leaves (the host's page lists one listener); the host's "Leave Jam" ends it."""
    track = slow_tide(data)
    register("web_jam_host", "listener")
    register("web_jam_guest", "listener")
    sign_in_as(browser, "web_jam_host")
    browser.open(f"/tracks/{track['id']}")
    browser.heading("Slow Tide")
    browser.click("button", "Play Slow Tide")
    browser.wait(lambda: browser.audio("audio.currentTime") > 2.0, "the host's track plays", timeout=20)
    browser.click("disclosure", "Queue (1)")
    browser.click("button", "Start a Jam")
    browser.heading("Jam with web_jam_host")
    jam_id = browser.path().rsplit("/", 1)[1]
    browser.find("heading", "Listeners (1)")
    browser.find("link", "Slow Tide")
    browser.wait(lambda: "You are hosting a Jam." in session_line(browser), "the player bar says a Jam is hosted here")
    browser.wait(lambda: call("GET", f"/jams/{jam_id}", token=token("web_jam_host"))["playing"], "the Jam plays as the host's player does")
    browser.scan("jam (host)")

    # The link: to the clipboard when the browser allows it (granted here), and always in its box.
    browser.driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": BASE, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    browser.click("button", "Copy Jam link")
    browser.wait(lambda: "Link copied" in announced(browser) or "could not be copied" in announced(browser), "copying the link is announced")
    link = browser.find("textbox", "Jam link").get_attribute("value")
    assert link.startswith(f"{BASE}/jam/{jam_id}?code="), f"the Jam link box holds the join link: {link!r}"
    if "Link copied" in announced(browser):
        copied = browser.driver.execute_async_script("const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(null));")
        assert copied in (link, None), f"the clipboard holds the link: {copied!r}"

    guest = second_browser(browser, "web_jam_guest")
    try:
        guest.driver.get(link)
        guest.heading("Join a Jam")
        guest.scan("jam (join)")
        guest.click("button", "Join Jam")
        guest.heading("Jam with web_jam_host")
        guest.find("heading", "Listeners (2)")
        assert "code=" not in guest.driver.current_url, f"the code leaves the address once joined: {guest.driver.current_url}"
        guest.wait(lambda: not guest.audio("audio.paused") and guest.audio("audio.currentTime") > 0.5, "the member's audio plays", timeout=20)
        assert track["id"] in guest.audio("audio.currentSrc"), f"the member plays the host's track: {guest.audio('audio.currentSrc')}"
        guest.wait(lambda: abs(apart(browser, guest)) < 2.0, f"the member plays within two seconds of the host ({apart(browser, guest):+.2f} s)", timeout=15)
        for _ in range(3):
            time.sleep(1)
            gap = apart(browser, guest)
            assert abs(gap) < 2.0, f"the member stays within two seconds of the host: {gap:+.2f} s"
        assert not guest.find("button", "Next").is_enabled() and not guest.find("slider", "Seek").is_enabled(), "the member's Next and Seek are the host's"
        assert "In web_jam_host’s Jam." in session_line(guest), f"the member's player bar names the Jam: {session_line(guest)!r}"
        guest.scan("jam (member)")
        browser.find("heading", "Listeners (2)", timeout=15)
        assert {"web_jam_host", "web_jam_guest"} <= set(texts(browser, "main .jam-members a")), texts(browser, "main .jam-members a")

        # The host's Pause and Play reach the member.
        browser.click("button", "Pause")
        guest.wait(lambda: guest.audio("audio.paused"), "the host's Pause pauses the member's audio", timeout=10)
        held = guest.audio("audio.currentTime")
        time.sleep(1.5)
        assert guest.audio("audio.paused") and abs(guest.audio("audio.currentTime") - held) < 0.3, "the member stays paused"
        browser.click("button", "Play")
        guest.wait(lambda: not guest.audio("audio.paused") and guest.audio("audio.currentTime") > held + 0.5, "the host's Play plays the member's audio again", timeout=10)

        guest.click("button", "Leave Jam")
        guest.heading("You left the Jam")
        guest.wait(lambda: guest.audio("audio.paused"), "leaving stops the member's audio")
        assert guest.find("slider", "Seek").is_enabled(), "the member's Seek is theirs again"
        assert session_line(guest) == "", f"the member's player bar no longer names the Jam: {session_line(guest)!r}"
        browser.find("heading", "Listeners (1)", timeout=15)
        members = [member["username"] for member in call("GET", f"/jams/{jam_id}", token=token("web_jam_host"))["members"]]
        assert members == ["web_jam_host"], f"the server lists only the host: {members}"
        guest.scan("jam (left)")
        errors = guest.console_errors()
        assert not errors, "the member's browser console:\n  " + "\n  ".join(errors)
    finally:
        guest.driver.quit()

    browser.click("button", "Leave Jam")
    browser.heading("You ended the Jam")
    browser.wait(lambda: session_line(browser) == "", "the host's player bar no longer names the Jam")
    assert not browser.audio("audio.paused"), "the host's own music goes on"
    browser.click("button", "Pause")


def journey_handoff(browser, data):
    """the same listener signed in in two browsers: A plays a track; B says it is on another device and "Continue here" takes playback over: A's audio pauses and A says "Playing on another device", B's audio advances from about where A was; A's own "Continue here" takes it back: B stops and A goes on from about where B was."""
    track = slow_tide(data)
    register("web_two_devices", "listener")
    # Two devices that save one queue may cross (a save refused with 409, then read again): that is the protocol at work.
    browser.expected_console.append("/api/v1/me/queue")
    sign_in_as(browser, "web_two_devices")
    browser.open(f"/tracks/{track['id']}")
    browser.heading("Slow Tide")
    browser.click("button", "Play Slow Tide")
    browser.wait(lambda: browser.audio("audio.currentTime") > 7.0, "A plays for a while", timeout=30)
    other = second_browser(browser, "web_two_devices")
    other.expected_console.append("/api/v1/me/queue")
    try:
        other.wait(lambda: "Slow Tide is on another of your devices." in session_line(other), f"B says what plays on another device: {session_line(other)!r}", timeout=15)
        assert other.audio("audio.paused"), "B is silent until asked"
        other.scan("handoff (offered)")
        other.click("button", "Continue here")
        browser.wait(lambda: browser.audio("audio.paused"), "A's audio pauses", timeout=10)
        stopped = browser.audio("audio.currentTime")
        browser.wait(lambda: "Playing on another device." in session_line(browser), f"A says it plays on another device: {session_line(browser)!r}")
        other.wait(lambda: not other.audio("audio.paused") and other.audio("audio.currentTime") > 0, "B plays", timeout=20)
        start = other.audio("audio.currentTime")
        assert track["id"] in other.audio("audio.currentSrc"), "B plays A's track"
        # A stores where it is every five seconds: B starts at most that far before where A stopped.
        assert stopped - 6.5 <= start <= stopped + 2.5, f"B starts near where A stopped ({stopped:.1f} s): {start:.1f} s"
        other.wait(lambda: other.audio("audio.currentTime") > start + 1.5, "B's audio advances", timeout=10)
        assert browser.audio("audio.paused") and abs(browser.audio("audio.currentTime") - stopped) < 0.3, "A stays paused"
        queue = call("GET", "/me/queue", token=token("web_two_devices"))
        assert queue["device"] == other.driver.execute_script("return sessionStorage.getItem('based.device')"), f"the queue names B: {queue}"
        browser.scan("handoff (playing elsewhere)")
        other.scan("handoff (continued)")

        # A takes it back the same way, from about where B was.
        browser.click("button", "Continue here")
        other.wait(lambda: other.audio("audio.paused"), "B's audio pauses when A continues", timeout=10)
        left_at = other.audio("audio.currentTime")
        other.wait(lambda: "Playing on another device." in session_line(other), "B says it plays on another device")
        browser.wait(lambda: not browser.audio("audio.paused"), "A plays again", timeout=20)
        again = browser.audio("audio.currentTime")
        assert left_at - 6.5 <= again <= left_at + 2.5, f"A goes on near where B stopped ({left_at:.1f} s): {again:.1f} s"
        browser.wait(lambda: browser.audio("audio.currentTime") > again + 1.0, "A's audio advances")
        errors = other.console_errors()
        assert not errors, "B's browser console:\n  " + "\n  ".join(errors)
    finally:
        other.driver.quit()
    browser.click("button", "Pause")
    browser.console_errors()
    browser.expected_console.remove("/api/v1/me/queue")
    back_to_web_listener(browser)


def outbox_size(browser):
    """How many writes wait in this browser's outbox (outbox.js's IndexedDB store), -1 when it cannot be read."""
    return browser.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const request = indexedDB.open('based', 1);
        request.onupgradeneeded = () => request.result.createObjectStore('outbox', { keyPath: 'id' });
        request.onerror = () => done(-1);
        request.onsuccess = () => {
          const db = request.result;
          const count = db.transaction('outbox').objectStore('outbox').count();
          count.onsuccess = () => { db.close(); done(count.result); };
          count.onerror = () => { db.close(); done(-1); };
        };""")


def outbox_line(browser):
    return browser.driver.find_element(By.CSS_SELECTOR, ".outbox-waiting").get_attribute("textContent")


# What a tab without a network may print: its failed requests, the socket's retries, the queue it cannot save.
OFFLINE_CONSOLE = ["ERR_INTERNET_DISCONNECTED", "/api/v1/realtime", "/api/v1/me/queue"]


def set_offline(browser, tabs, offline):
    """Cuts (or restores) the network of each tab with CDP; a cut tab is waited on until it knows it is offline. Ends in the last tab."""
    driver = browser.driver
    for tab in tabs:
        driver.switch_to.window(tab)
        if offline:
            driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        if offline:
            browser.wait(lambda: driver.execute_script("return navigator.onLine") is False, "the tab knows it is offline")


def journey_offline_outbox(browser, data):
    """with the network cut in two tabs of one listener, a like shows at once, the end of a listen is kept, a message shows as "Waiting for the network" and a line counts what waits; when the network comes back both tabs try to send and each write reaches the server exactly once (one like, one message in the conversation, one completed listen counted once); the message then shows as sent, and reloading both tabs sends nothing again."""
    register("web_outbox", "listener")
    # An artist of its own, with a 15-second tone (long enough to outlast cutting the network, short enough to hear to its end).
    register("web_outbox_pal", "artist")
    call("PATCH", "/me", {"displayName": "Outbox Pal"}, token=token("web_outbox_pal"))
    path = f"{WORK}/outbox-tone.flac"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=490:d=15", "-ac", "2", path], check=True)
    with open(path, "rb") as file:
        track_id = call("POST", "/tracks?" + urllib.parse.urlencode({"filename": "outbox-tone.flac", "title": "Outbox Tone"}), data=file.read(),
                        token=token("web_outbox_pal"), content_type="audio/flac")["id"]
    deadline = time.monotonic() + 120
    while (state := call("GET", f"/tracks/{track_id}", token=token("web_outbox_pal"))["state"]) == "processing":
        assert time.monotonic() < deadline, "Outbox Tone was not processed in two minutes"
        time.sleep(0.5)
    assert state == "ready", f"Outbox Tone is {state}"
    me = call("GET", "/users/web_outbox")
    conversation = call("POST", "/messages", {"to": me["id"], "clientMessageId": "web-outbox-hello", "text": "Heard you like tones"},
                        token=token("web_outbox_pal"))["conversationId"]
    plays_before = call("GET", f"/tracks/{track_id}")["playCount"]
    sent_text = "Written on the train"

    def server_side():
        """(likes of the track, copies of the message, [(completed) of each listen of the track], the track's play count)."""
        listener = token("web_outbox")
        likes = [item for item in call("GET", "/me/likes/tracks?limit=100", token=listener)["items"] if item["track"]["id"] == track_id]
        messages = [item for item in call("GET", f"/conversations/{conversation}/messages?limit=50", token=listener)["items"] if item.get("text") == sent_text]
        listens = [item["completed"] for item in call("GET", "/me/history?limit=50", token=listener)["items"] if item["track"]["id"] == track_id]
        return len(likes), len(messages), listens, call("GET", f"/tracks/{track_id}")["playCount"] - plays_before

    sign_in_as(browser, "web_outbox")
    driver = browser.driver
    tab_track = driver.current_window_handle
    driver.switch_to.new_window("tab")
    tab_chat = driver.current_window_handle
    browser.open(f"/messages/{conversation}")
    browser.heading("Outbox Pal")
    browser.wait(lambda: "Heard you like tones" in texts(browser, ".bubble .text"), "the conversation opens in the second tab")
    driver.switch_to.window(tab_track)
    browser.open(f"/tracks/{track_id}")
    browser.heading("Outbox Tone")
    browser.find("button", "Like")
    browser.click("button", "Play Outbox Tone")
    browser.wait(lambda: browser.audio("audio.currentTime") > 1.0, "Outbox Tone plays", timeout=20)
    browser.wait(lambda: server_side()[2] == [False], f"the start of the listen is reported while online: {server_side()}", timeout=15)
    length = call("GET", f"/tracks/{track_id}")["durationSeconds"]
    browser.wait(lambda: browser.audio(f"audio.buffered.length > 0 && audio.buffered.end(audio.buffered.length - 1) >= {length} - 0.5"),
                 "the whole track is loaded before the network goes", timeout=15)

    browser.expected_console += OFFLINE_CONSOLE
    try:
        set_offline(browser, [tab_chat, tab_track], True)
        assert not browser.audio("audio.ended"), "Outbox Tone still plays when the network goes"
        browser.click("button", "Like")
        browser.wait(lambda: browser.pressed("Like"), "a like made offline shows as liked at once")
        browser.wait(lambda: browser.audio("audio.ended"), "Outbox Tone plays to its end offline", timeout=25)
        browser.wait(lambda: outbox_line(browser) == "2 actions waiting to be sent", f"the like and the end of the listen wait: {outbox_line(browser)!r}")
        browser.scan("track (like waiting for the network)")

        driver.switch_to.window(tab_chat)
        browser.find("textbox", "Message").send_keys(sent_text)
        browser.click("button", "Send")
        waiting_bubble = lambda: [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".bubble.mine.waiting")]
        browser.wait(lambda: any(sent_text in text and "Waiting for the network" in text for text in waiting_bubble()),
                     f"the message shows as waiting for the network: {waiting_bubble()}")
        browser.wait(lambda: outbox_line(browser) == "3 actions waiting to be sent", f"the other tab's writes count too: {outbox_line(browser)!r}")
        assert outbox_size(browser) == 3, f"three writes wait in IndexedDB: {outbox_size(browser)}"
        assert server_side()[:2] == (0, 0), f"nothing reached the server while offline: {server_side()}"
        browser.scan("conversation (message waiting for the network)")
    finally:
        # Both tabs come back online (and both try to send what waits).
        set_offline(browser, [tab_track, tab_chat], False)

    browser.wait(lambda: outbox_size(browser) == 0, f"the outbox empties once the network is back: {outbox_size(browser)}", timeout=30)
    browser.wait(lambda: not waiting_bubble() and texts(browser, ".bubble.mine .text").count(sent_text) == 1,
                 f"the message shows as sent, once: {texts(browser, '.bubble.mine .text')} (waiting: {waiting_bubble()})", timeout=15)
    browser.wait(lambda: outbox_line(browser) == "", f"nothing is said to wait any more: {outbox_line(browser)!r}")
    expected = (1, 1, [True], 1)
    assert server_side() == expected, f"each write reached the server exactly once (likes, messages, listens completed, plays added): {server_side()}"

    # A reload of each tab sends nothing again.
    driver.refresh()
    browser.heading("Outbox Pal")
    browser.wait(lambda: texts(browser, ".bubble.mine .text").count(sent_text) == 1, "the message is there once after a reload")
    assert not waiting_bubble(), "nothing waits after a reload"
    driver.switch_to.window(tab_track)
    driver.refresh()
    browser.heading("Outbox Tone")
    browser.wait(lambda: browser.pressed("Like"), "the like is kept")
    time.sleep(3)
    assert outbox_size(browser) == 0, "the outbox stays empty"
    assert server_side() == expected, f"a reload sent nothing again: {server_side()}"

    driver.switch_to.window(tab_chat)
    driver.close()
    driver.switch_to.window(tab_track)
    browser.console_errors()
    for path in OFFLINE_CONSOLE:
        browser.expected_console.remove(path)
    back_to_web_listener(browser)


def journey_offline_swipes_and_first_message(browser, data):
    """with the network cut in two tabs of one listener, "Like" and "Pass" on Discover show the next card at once and the first message to someone, written from their profile, shows as "Waiting for the network" ("3 actions waiting to be sent"); when the network comes back both tabs try to send and each write reaches the server exactly once (both swipes recorded: neither track is dealt again; one new conversation holding the message once), the message's tab opens that conversation, and reloading both tabs sends nothing again."""
    register("web_swiper", "listener")
    register("web_swiper_pal", "listener")
    call("PATCH", "/me", {"displayName": "Swiper Pal"}, token=token("web_swiper_pal"))
    dealt = lambda: [item["track"]["id"] for item in call("GET", "/me/swipe-deck?count=30", token=token("web_swiper"))["items"]]
    assert len(dealt()) >= 3, f"the deck has three cards to swipe offline: {dealt()}"
    sent_text = "Loved your set list"

    def server_side():
        """(Swiper Pal's conversations, copies of the message in them)."""
        pal = token("web_swiper_pal")
        conversations = call("GET", "/conversations?limit=50", token=pal)["items"]
        copies = [item for conversation in conversations
                  for item in call("GET", f"/conversations/{conversation['id']}/messages?limit=50", token=pal)["items"] if item.get("text") == sent_text]
        return len(conversations), len(copies)

    sign_in_as(browser, "web_swiper")
    driver = browser.driver
    tab_discover = driver.current_window_handle
    browser.open("/discover")
    browser.heading("Discover")
    browser.wait(lambda: swipe_card(browser), "the deck shows a card", timeout=15)
    driver.switch_to.new_window("tab")
    tab_compose = driver.current_window_handle
    browser.open("/u/web_swiper_pal")
    browser.heading("Swiper Pal")
    browser.click("link", "Message Swiper Pal")
    browser.heading("Message Swiper Pal")
    waiting_bubble = lambda: [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".bubble.mine.waiting")]

    browser.expected_console += OFFLINE_CONSOLE
    try:
        set_offline(browser, [tab_discover, tab_compose], True)
        browser.find("textbox", "Message").send_keys(sent_text)
        browser.click("button", "Send")
        browser.wait(lambda: any(sent_text in text and "Waiting for the network" in text for text in waiting_bubble()),
                     f"the first message shows as waiting for the network: {waiting_bubble()}")
        assert browser.path() == "/messages/to/web_swiper_pal", f"the message waits where it was written: {browser.path()}"
        browser.wait(lambda: outbox_line(browser) == "1 action waiting to be sent", f"the message waits: {outbox_line(browser)!r}")
        browser.scan("message to someone new (waiting for the network)")

        driver.switch_to.window(tab_discover)
        def next_card(*gone):
            card = swipe_card(browser)
            return card if card and card[1] not in gone else None
        first_title, first = swipe_card(browser)
        browser.click("button", "Like")
        second_title, second = browser.wait(lambda: next_card(first), f"Like shows the next card offline (was {first_title!r})")
        browser.click("button", "Pass")
        browser.wait(lambda: next_card(first, second), f"Pass shows the next card offline (was {second_title!r})")
        browser.wait(lambda: outbox_line(browser) == "3 actions waiting to be sent", f"both swipes and the message wait: {outbox_line(browser)!r}")
        assert outbox_size(browser) == 3, f"three writes wait in IndexedDB: {outbox_size(browser)}"
        assert server_side() == (0, 0), f"no message reached the server while offline: {server_side()}"
        browser.scan("discover (swipes waiting for the network)")
    finally:
        set_offline(browser, [tab_discover, tab_compose], False)

    browser.wait(lambda: outbox_size(browser) == 0, f"the outbox empties once the network is back: {outbox_size(browser)}", timeout=30)
    browser.wait(lambda: browser.path().startswith("/messages/") and not browser.path().startswith("/messages/to/"),
                 f"the new conversation opens once the message is sent: {browser.path()}", timeout=15)
    browser.heading("Swiper Pal")
    browser.wait(lambda: not waiting_bubble() and texts(browser, ".bubble.mine .text").count(sent_text) == 1,
                 f"the message shows as sent, once: {texts(browser, '.bubble.mine .text')} (waiting: {waiting_bubble()})", timeout=15)
    browser.wait(lambda: outbox_line(browser) == "", f"nothing is said to wait any more: {outbox_line(browser)!r}")
    assert server_side() == (1, 1), f"one conversation with the message once (conversations, copies): {server_side()}"
    assert first not in dealt() and second not in dealt(), f"both swipes are recorded: {first}, {second} not in {dealt()}"

    # A reload of each tab sends nothing again.
    driver.refresh()
    browser.heading("Swiper Pal")
    browser.wait(lambda: texts(browser, ".bubble.mine .text").count(sent_text) == 1, "the message is there once after a reload")
    assert not waiting_bubble(), "nothing waits after a reload"
    driver.switch_to.window(tab_discover)
    driver.refresh()
    browser.heading("Discover")
    browser.wait(lambda: next_card(first, second) or "Nothing left to swipe" in section_text(browser, "main section[aria-labelledby=discover-deck]"),
                 "the swiped tracks are not dealt again after a reload", timeout=15)
    time.sleep(3)
    assert outbox_size(browser) == 0, "the outbox stays empty"
    assert server_side() == (1, 1), f"a reload sent nothing again: {server_side()}"
    assert first not in dealt() and second not in dealt(), "the swipes stay recorded"

    driver.switch_to.window(tab_compose)
    driver.close()
    driver.switch_to.window(tab_discover)
    browser.console_errors()
    for path in OFFLINE_CONSOLE:
        browser.expected_console.remove(path)
    back_to_web_listener(browser)


def journey_offline(browser, data):
    """with the server gone, a deep link still opens (service worker) and the view says the server cannot be reached."""
    browser.open("/events")
    browser.heading("Events")
    browser.wait(lambda: browser.driver.execute_script("return !!navigator.serviceWorker.controller"), "the service worker controls the page")
    errors = browser.console_errors()
    assert not errors, "browser console errors before the server stopped:\n  " + "\n  ".join(errors)
    os.kill(SERVER_PID, signal.SIGTERM)
    port = urllib.parse.urlparse(BASE).port
    def refused():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return False
        except OSError:
            return True
    browser.wait(refused, "the server stopped", timeout=30)
    browser.open(f"/events/{data['event']['id']}")
    browser.heading("This page could not be loaded")
    alert = browser.driver.find_element(By.CSS_SELECTOR, "[role=alert]")
    assert "could not be reached" in alert.text, f"a readable error: {alert.text!r}"
    browser.find("button", "Try again")
    browser.find("link", "Events")
    # Failed requests are what this journey is about; the console may list them.
    browser.expected_console = ["ERR_CONNECTION_REFUSED", "ERR_FAILED"]


def main():
    data = seed()
    browser = Browser()
    passed = failed = 0
    try:
        for journey in [journey_register_and_play, journey_html_as_text, journey_event_rsvp_and_reload, journey_messages,
                        journey_other_views, journey_data_export, journey_delete_account_and_cancel, journey_sign_out_and_in, journey_report_and_moderate,
                        journey_artist_analytics, journey_playlist_collaborate, journey_track_comments, journey_venue_studio,
                        journey_shows, journey_artist_studio, journey_home_for_you, journey_radio, journey_track_similar_and_radio, journey_discover,
                        journey_suspended_appeal, journey_whats_playing, journey_player_modes, journey_jam, journey_handoff, journey_offline_outbox,
                        journey_offline_swipes_and_first_message, journey_offline]:
            name = journey.__name__.removeprefix("journey_")
            if os.environ.get("WEB_JOURNEYS") and name not in os.environ["WEB_JOURNEYS"].split(","):
                continue
            started = time.monotonic()
            try:
                journey(browser, data)
                errors = browser.console_errors()
                assert not errors, "browser console errors:\n  " + "\n  ".join(errors)
                passed += 1
                print(f"✔ {name} ({time.monotonic() - started:.1f}s): {journey.__doc__.strip()}")
            except Exception as error:
                failed += 1
                browser.console_errors()
                print(f"✘ {name}: {journey.__doc__.strip()}\n    {error}")
                if not isinstance(error, AssertionError):
                    traceback.print_exc()
                try:
                    browser.driver.save_screenshot(f"{WORK}/{name}.png")
                except Exception:
                    pass
    finally:
        browser.driver.quit()
    print(f"axe{' ' + browser.axe_version if browser.axe_version else ''}: {len(browser.scanned)} views scanned ({', '.join(browser.scanned)})")
    if browser.minor:
        print("axe, moderate and minor (not failures): " + "; ".join(f"{rule} on {', '.join(sorted(views))}" for rule, views in browser.minor.items()))
    print(f"web journeys: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
