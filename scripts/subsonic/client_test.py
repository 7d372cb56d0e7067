"""Based's /rest (Subsonic + OpenSubsonic) driven by a real client library,
py-opensonic (module libopensonic), plus raw calls where the library cannot
say it: XML answers, wrong or conflicting credentials, bad values.

    python3 scripts/subsonic/client_test.py http://127.0.0.1:PORT WORKDIR DATABASE

WORKDIR is a scratch folder for the audio it makes and the streams it
checks (scripts/test-subsonic.sh makes and removes it). The run seeds
an artist (ana: two albums, a private and an unlisted track), two listeners (ben, the
Subsonic user; cyd, whose playlists ben must not touch) through the REST API,
then runs every named test in order (some read what earlier ones changed:
the play count after the streams, the lists after the scrobble). Prints one
line per test and `subsonic: N passed, M failed (DATABASE)`.
"""

import os
import re
import subprocess
import sys
import time
import types
from datetime import datetime, timezone
import uuid
from urllib.parse import urljoin, urlparse

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (NAMESPACE, Client, Failure, Rest, Runner, check, decoded_seconds, enc_auth, equal,  # noqa: E402
                     expect_error, expect_ok, image_size, key_auth, library_error, plain_auth, probe, rest_call,
                     token_auth)
import libopensonic  # noqa: E402
from libopensonic.media.media_types import AlbumInfo, ArtistInfo2  # noqa: E402

BASE, WORK, DATABASE = sys.argv[1], sys.argv[2], sys.argv[3]
PORT = urlparse(BASE).port
HOST = f"{urlparse(BASE).scheme}://{urlparse(BASE).hostname}"
PASSWORD = "subsonic client run 2026"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
runner = Runner()
test = runner.test
errors = libopensonic.errors

# The library the tests seed, as tagged FLAC files: (title, album, track number, year, genre, seconds, tone Hz, visibility).
# The album tags make the releases; only the first track has cover art.
TRACKS = {
    "a": ("Harbour Lights", "First Light", 1, 2024, "Brass", 20, 330, "public"),
    "b": ("Tidal Brass", "First Light", 2, 2024, "Brass", 12, 440, "public"),
    "c": ("Night Walk", "Night Walks", 1, 2019, "Ambient", 8, 550, "public"),
    "p": ("Secret Sketch", "Drafts", 1, 2025, "Sketches", 6, 660, "private"),
    "u": ("Loose Thread", "Loose Ends", 1, 2023, "Lo-Fi", 7, 770, "unlisted"),
}


def make_audio(key):
    title, album, number, year, genre, seconds, tone, _ = TRACKS[key]
    path = os.path.join(WORK, f"{key}.flac")
    cover = []
    if key == "a":
        png = os.path.join(WORK, "cover.png")
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=orange:s=600x600:d=1",
                        "-frames:v", "1", png], check=True)
        cover = ["-i", png, "-map", "0:a", "-map", "1:v", "-c:v", "png", "-disposition:v", "attached_pic"]
    tags = {"title": title, "artist": "Ana Example", "album": album, "track": number, "date": year, "genre": genre}
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=f={tone}:d={seconds}", *cover, "-ac", "2",
                    *[arg for name, value in tags.items() for arg in ("-metadata", f"{name}={value}")], path], check=True)
    return open(path, "rb").read()


# MARK: Seeding


def seed():
    c = types.SimpleNamespace()
    anonymous = Rest(BASE)
    users = {}
    for name, role in [("ana", "artist"), ("ben", "listener"), ("cyd", "listener")]:
        session = anonymous.call("POST", "/auth/register", {"username": name, "email": f"{name}@example.org", "password": PASSWORD,
                                                            "role": role, "displayName": name.capitalize() + " Example"})
        users[name] = (Rest(BASE, session["accessToken"]), session["user"]["id"].lower())
    (c.ana, c.ana_id), (c.ben, c.ben_id), (c.cy, c.cy_id) = users["ana"], users["ben"], users["cyd"]

    c.original, c.track, c.release = {}, {}, {}
    for key, (_, _, _, _, _, _, _, visibility) in TRACKS.items():
        data = c.original[key] = make_audio(key)
        made = c.ana.call("POST", "/tracks", data=data, params={"filename": f"{key}.flac", "visibility": visibility})
        c.track[key] = made["id"].lower()
        time.sleep(0.05)  # "newest" is by time added: keep the order unambiguous
    for key, track_id in c.track.items():
        deadline = time.time() + 180
        while True:
            track = c.ana.call("GET", f"/tracks/{track_id}")
            if track["state"] != "processing" or time.time() > deadline:
                break
            time.sleep(0.3)
        check(track["state"] == "ready", f"seeding: track {key} is {track['state']}: {track.get('failureReason')}")
        check(track.get("releaseId"), f"seeding: track {key} got no release from its album tag")
        c.release[TRACKS[key][1]] = track["releaseId"].lower()
    c.first_light, c.night_walks, c.drafts = c.release["First Light"], c.release["Night Walks"], c.release["Drafts"]
    c.public_tracks = {c.track[k] for k in "abc"}

    app = c.ben.call("POST", "/me/app-passwords", {"name": "Symfonium", "kind": "password"})
    key = c.ben.call("POST", "/me/app-passwords", {"name": "Feishin", "kind": "apiKey"})
    c.app_password, c.app_password_id, c.api_key = app["secret"], app["id"], key["secret"]

    c.tok = Client(HOST, PORT, username="ben", password=c.app_password)                               # t+s, POST name.view
    c.get = Client(HOST, PORT, username="ben", password=c.app_password, use_get=True, use_views=False)  # t+s, GET name
    c.enc = Client(HOST, PORT, username="ben", password=c.app_password, legacy_auth=True)              # p=enc:…
    c.key = Client(HOST, PORT, api_key=c.api_key)                                                      # apiKey
    c.sub = lambda endpoint, params=None, fmt="json", method="GET": rest_call(
        BASE, endpoint, params, token_auth("ben", c.app_password), fmt, method)
    return c


def every(checks):
    """Runs every check and fails with all that failed, so one table-driven test reports each bad case."""
    problems = []
    for one in checks:
        try:
            one()
        except Failure as error:
            problems.append(str(error))
    check(not problems, f"{len(problems)} of {len(checks)} cases: " + "; ".join(problems))


def ids(items):
    return [item.id for item in items or []]


def rest_play_count(c, key):
    return c.ben.call("GET", f"/tracks/{c.track[key]}")["playCount"]


# MARK: System


@test("ping answers XML by default, in Subsonic's namespace, with the OpenSubsonic fields")
def _(c):
    answer = c.sub("ping", fmt="xml")
    root = expect_ok(answer, "ping")
    equal(root.tag, NAMESPACE + "subsonic-response", "root element")
    check("xml" in answer.content_type, f"content type {answer.content_type}")
    equal(root.get("version"), "1.16.1", "version")
    equal(root.get("openSubsonic"), "true", "openSubsonic")
    equal(root.get("type"), "based", "type")
    check(root.get("serverVersion"), "serverVersion is missing")


@test("ping answers JSON under subsonic-response with f=json")
def _(c):
    answer = c.sub("ping")
    body = expect_ok(answer, "ping")
    check(answer.content_type.startswith("application/json"), f"content type {answer.content_type}")
    equal(body.get("version"), "1.16.1", "version")
    equal(body.get("openSubsonic"), True, "openSubsonic")
    equal(body.get("type"), "based", "type")
    check(isinstance(body.get("serverVersion"), str) and body["serverVersion"], "serverVersion")


@test("the library pings by form POST to name.view and by GET to the bare name")
def _(c):
    equal(c.tok.ping(), True, "POST ping.view")
    equal(c.get.ping(), True, "GET ping")


@test("getOpenSubsonicExtensions needs no credentials and lists formPost, apiKeyAuthentication, transcodeOffset")
def _(c):
    answer = rest_call(BASE, "getOpenSubsonicExtensions")
    body = expect_ok(answer, "getOpenSubsonicExtensions without credentials")
    names = {e["name"] for e in body["openSubsonicExtensions"]}
    for name in ["formPost", "apiKeyAuthentication", "transcodeOffset"]:
        check(name in names, f"{name} not advertised: {sorted(names)}")
    listed = {e.name: e.versions for e in c.tok.get_open_subsonic_extensions()}
    check(1 in listed.get("apiKeyAuthentication", []), f"library sees {listed}")


@test("getLicense says valid")
def _(c):
    body = expect_ok(c.sub("getLicense"), "getLicense")
    equal(body["license"]["valid"], True, "license.valid")


# MARK: Authentication


@test("an app password works as a token (t+s), in clear (p=) and hex-encoded (p=enc:)")
def _(c):
    equal(c.tok.get_song(c.track["a"]).id, c.track["a"], "t+s getSong")
    expect_ok(rest_call(BASE, "ping", auth=plain_auth("ben", c.app_password)), "p= ping")
    equal(c.enc.get_song(c.track["a"]).id, c.track["a"], "p=enc: getSong")


@test("an API key works alone (apiKey, no u) through the library and by GET")
def _(c):
    equal(c.key.ping(), True, "library ping")
    equal(c.key.get_album(c.first_light).id, c.first_light, "library getAlbum")
    expect_ok(rest_call(BASE, "getSong", {"id": c.track["a"]}, auth=key_auth(c.api_key)), "GET getSong")


@test("the account password works with p= and p=enc:")
def _(c):
    expect_ok(rest_call(BASE, "ping", auth=plain_auth("ben", PASSWORD)), "p= ping")
    expect_ok(rest_call(BASE, "ping", auth=plain_auth("ben", PASSWORD), method="POST"), "p= ping by POST")
    expect_ok(rest_call(BASE, "ping", auth=enc_auth("ben", PASSWORD)), "p=enc: ping (lowercase hex)")
    account = Client(HOST, PORT, username="ben", password=PASSWORD, legacy_auth=True)
    try:
        equal(account.ping(), True, "library p=enc: ping")
    finally:
        account.close()


@test("the account password as a token (t+s) gets error 41 (a user with no app password)")
def _(c):
    expect_error(rest_call(BASE, "ping", auth=token_auth("cyd", PASSWORD)), 41, "t+s with cyd's account password")
    account = Client(HOST, PORT, username="cyd", password=PASSWORD)
    try:
        error = library_error(lambda: account.ping())
        equal(type(error), errors.SonicError, "the library's exception for 41")
    finally:
        account.close()


@test("once a user has app passwords, a token matching none of them is error 40")
def _(c):
    # md5(password + salt) from the account password cannot be told apart from one made
    # from a wrong password (the server keeps only a bcrypt hash of it), so for a user who
    # has app passwords it is "wrong credentials" (docs/subsonic.md, docs/decisions.md).
    expect_error(rest_call(BASE, "ping", auth=token_auth("ben", PASSWORD)), 40, "t+s with ben's account password")


@test("wrong credentials get error 40: a wrong password, an unknown user, ben's app password as ana")
def _(c):
    expect_error(rest_call(BASE, "ping", auth=token_auth("ben", "not the password")), 40, "wrong token")
    expect_error(rest_call(BASE, "ping", auth=plain_auth("nobody", c.app_password)), 40, "unknown user")
    expect_error(rest_call(BASE, "ping", auth=plain_auth("ana", c.app_password)), 40, "ben's app password as ana (p=)")
    wrong = Client(HOST, PORT, username="ben", password="not the password")
    try:
        check(isinstance(library_error(lambda: wrong.ping()), errors.CredentialError), "library: not a CredentialError")
    finally:
        wrong.close()


@test("app passwords are listed without their secret, with when they were last used")
def _(c):
    items = c.ben.call("GET", "/me/app-passwords")["items"]
    by_id = {item["id"]: item for item in items}
    check(c.app_password_id in by_id, f"Symfonium not listed: {items}")
    for item in items:
        check("secret" not in item, f"a listed app password shows its secret: {item}")
        check({"id", "name", "kind", "createdAt"} <= set(item), f"fields missing: {item}")
    equal(by_id[c.app_password_id]["kind"], "password", "kind")
    check(by_id[c.app_password_id].get("lastUsedAt"), "Symfonium's password was used but has no lastUsedAt")
    equal(c.cy.call("GET", "/me/app-passwords")["items"], [], "cyd's list (ben's passwords are not hers)")


@test("a revoked app password gets error 40")
def _(c):
    made = c.ben.call("POST", "/me/app-passwords", {"name": "Old phone", "kind": "password"})
    check(made["secret"] != c.app_password, "two app passwords share a secret")
    expect_ok(rest_call(BASE, "ping", auth=token_auth("ben", made["secret"])), "before revoking")
    c.ben.call("DELETE", f"/me/app-passwords/{made['id']}", expect=(204,))
    expect_error(rest_call(BASE, "ping", auth=token_auth("ben", made["secret"])), 40, "t+s after revoking")
    expect_error(rest_call(BASE, "ping", auth=plain_auth("ben", made["secret"])), 40, "p= after revoking")
    check(made["id"] not in {i["id"] for i in c.ben.call("GET", "/me/app-passwords")["items"]}, "still listed")


@test("another user cannot revoke ben's app password")
def _(c):
    c.cy.call("DELETE", f"/me/app-passwords/{c.app_password_id}", expect=(404, 403))
    expect_ok(rest_call(BASE, "ping", auth=token_auth("ben", c.app_password)), "ben's app password after cy tried")


@test("a revoked or unknown API key gets error 44")
def _(c):
    made = c.ben.call("POST", "/me/app-passwords", {"name": "Spare key", "kind": "apiKey"})
    expect_ok(rest_call(BASE, "ping", auth=key_auth(made["secret"])), "before revoking")
    c.ben.call("DELETE", f"/me/app-passwords/{made['id']}", expect=(204,))
    expect_error(rest_call(BASE, "ping", auth=key_auth(made["secret"])), 44, "after revoking")
    expect_error(rest_call(BASE, "ping", auth=key_auth("not-a-key")), 44, "unknown key")


@test("an API key together with u, p or t, or p together with t, gets error 43")
def _(c):
    expect_error(rest_call(BASE, "ping", auth={"apiKey": c.api_key, "u": "ben"}), 43, "apiKey + u")
    expect_error(rest_call(BASE, "ping", auth={"apiKey": c.api_key, **token_auth("ben", c.app_password)}), 43, "apiKey + u/t/s")
    expect_error(rest_call(BASE, "ping", auth={"apiKey": c.api_key, "p": c.app_password}), 43, "apiKey + p")
    expect_error(rest_call(BASE, "ping", auth={**token_auth("ben", c.app_password), "p": c.app_password}), 43, "p + t/s")


@test("a mechanism Based does not offer (Navidrome's jwt) gets error 42; an API key is no password (40)")
def _(c):
    expect_error(rest_call(BASE, "ping", auth={"u": "ben", "jwt": "eyJhbGciOiJIUzI1NiJ9.e30.x"}), 42, "u + jwt")
    expect_error(rest_call(BASE, "ping", auth={"jwt": "eyJhbGciOiJIUzI1NiJ9.e30.x"}), 42, "jwt alone")
    expect_error(rest_call(BASE, "ping", auth=plain_auth("ben", c.api_key)), 40, "API key as p=")
    expect_error(rest_call(BASE, "ping", auth=token_auth("ben", c.api_key)), 40, "API key as t+s")


@test("no credentials at all get error 10")
def _(c):
    expect_error(rest_call(BASE, "ping"), 10, "ping without u")
    expect_error(rest_call(BASE, "ping", auth={"u": "ben"}), 10, "ping with u and nothing else")


# MARK: Browsing by tags (ID3)


@test("getMusicFolders has one folder, id 1")
def _(c):
    # py-opensonic 10.4.1 iterates musicFolders as if it were the list itself, so this one is raw.
    body = expect_ok(c.sub("getMusicFolders"), "getMusicFolders")
    folders = body["musicFolders"]["musicFolder"]
    equal([f["id"] for f in folders], [1], "folder ids")
    xml = expect_ok(c.sub("getMusicFolders", fmt="xml"), "getMusicFolders XML")
    equal([e.get("id") for e in xml.iter(NAMESPACE + "musicFolder")], ["1"], "XML folder ids")


@test("getArtists lists the artist (not listeners) with the albums ben may see")
def _(c):
    artists = [a for index in c.tok.get_artists().index or [] for a in index.artist or []]
    equal(ids(artists), [c.ana_id], "artist ids")
    equal(artists[0].album_count, 2, "albumCount (the private Drafts left out)")
    check(artists[0].name, "artist has no name")


@test("getArtist lists the artist's albums with their release ids")
def _(c):
    artist = c.tok.get_artist(c.ana_id)
    equal(artist.id, c.ana_id, "id")
    equal(sorted(ids(artist.album)), sorted([c.first_light, c.night_walks]), "album ids")
    equal(sorted(a.name for a in artist.album), ["First Light", "Night Walks"], "album names")


@test("getAlbum has its songs in track order with tags, durations and counts")
def _(c):
    album = c.tok.get_album(c.first_light)
    equal(album.name, "First Light", "name")
    equal(album.artist_id, c.ana_id, "artistId")
    equal(album.song_count, 2, "songCount")
    equal(album.year, 2024, "year")
    equal(album.genre, "Brass", "genre")
    check(abs(album.duration - 32) <= 1, f"duration {album.duration}, expected 32")
    equal(ids(album.song), [c.track["a"], c.track["b"]], "song ids")
    equal([s.track for s in album.song], [1, 2], "track numbers")
    equal([s.title for s in album.song], ["Harbour Lights", "Tidal Brass"], "titles")


@test("getAlbum in XML carries the same facts as attributes")
def _(c):
    root = expect_ok(c.sub("getAlbum", {"id": c.first_light}, fmt="xml"), "getAlbum XML")
    album = root.find(NAMESPACE + "album")
    check(album is not None, "no album element")
    equal(album.get("id"), c.first_light, "id")
    equal(album.get("songCount"), "2", "songCount")
    equal([s.get("id") for s in album.findall(NAMESPACE + "song")], [c.track["a"], c.track["b"]], "song elements")
    equal(album.findall(NAMESPACE + "song")[0].get("isDir"), "false", "isDir")


@test("getSong describes the original: suffix, size, duration, album and artist ids")
def _(c):
    song = c.tok.get_song(c.track["a"])
    equal(song.id, c.track["a"], "id")
    equal(song.is_dir, False, "isDir")
    equal(song.title, "Harbour Lights", "title")
    equal(song.album, "First Light", "album")
    equal(song.album_id, c.first_light, "albumId")
    equal(song.artist_id, c.ana_id, "artistId")
    equal((song.track, song.year, song.genre), (1, 2024, "Brass"), "track, year, genre")
    check(abs(song.duration - 20) <= 1, f"duration {song.duration}")
    equal(song.suffix, "flac", "suffix")
    equal(song.size, len(c.original["a"]), "size (bytes of the original)")
    check(song.cover_art, "no coverArt for a track with embedded art")


@test("JSON keeps Subsonic's types: integers stay integers, dates are ISO 8601, ids are lowercase UUIDs")
def _(c):
    song = expect_ok(c.sub("getSong", {"id": c.track["a"]}), "getSong")["song"]
    for field in ["duration", "track", "year", "size"]:
        check(type(song.get(field)) is int, f"song.{field} is {song.get(field)!r}")
    check(song.get("isDir") is False, f"song.isDir is {song.get('isDir')!r}")
    check(ISO.match(song.get("created", "")), f"song.created {song.get('created')!r}")
    for field in ["id", "albumId", "artistId"] + (["parent"] if "parent" in song else []):
        check(UUID.match(str(song.get(field))), f"song.{field} {song.get(field)!r} is not a lowercase UUID")
    album = expect_ok(c.sub("getAlbum", {"id": c.first_light}), "getAlbum")["album"]
    for field in ["songCount", "duration", "year"]:
        check(type(album.get(field)) is int, f"album.{field} is {album.get(field)!r}")
    check(ISO.match(album.get("created", "")), f"album.created {album.get('created')!r}")


@test("getGenres counts songs and albums per genre (private and unlisted tracks left out)")
def _(c):
    genres = {g.value: (g.song_count, g.album_count) for g in c.tok.get_genres()}
    equal(genres.get("Brass"), (2, 1), "Brass")
    equal(genres.get("Ambient"), (1, 1), "Ambient")
    check("Sketches" not in genres, f"the private track's genre is listed: {genres}")
    check("Lo-Fi" not in genres, f"the unlisted track's genre is listed: {genres}")


@test("an unlisted track plays by its id but is listed nowhere")
def _(c):
    unlisted = c.track["u"]
    equal(c.tok.get_song(unlisted).title, "Loose Thread", "getSong")
    equal(c.tok.body(c.tok.download(unlisted)), c.original["u"], "download")
    loose = c.release["Loose Ends"]
    every([lambda: check(unlisted not in ids(c.tok.search3("", song_count=100).song), "search3 lists it"),
           lambda: check(unlisted not in ids(c.tok.search3("loose thread").song), "search3 finds it by title"),
           lambda: check(unlisted not in ids(c.tok.get_random_songs(size=50)), "getRandomSongs lists it"),
           lambda: check(unlisted not in ids(c.tok.get_songs_by_genre("Lo-Fi", count=50)), "getSongsByGenre lists it"),
           lambda: check(loose not in ids(c.tok.get_album_list2("alphabeticalByName", size=50)), "getAlbumList2 lists its album"),
           lambda: check(loose not in ids(c.tok.get_artist(c.ana_id).album), "getArtist lists its album")])


@test("getArtistInfo2 and getAlbumInfo2 answer for ben's artist and album")
def _(c):
    info = c.tok.get_artist_info2(c.ana_id)
    check(isinstance(info, ArtistInfo2), f"artistInfo2 {info!r}")
    album_info = c.tok.get_album_info2(c.first_light)
    check(isinstance(album_info, AlbumInfo), f"albumInfo {album_info!r}")


@test("getTopSongs by artist name has only that artist's public songs")
def _(c):
    name = c.tok.get_artist(c.ana_id).name
    songs = c.tok.get_top_songs(name, count=10)
    check(songs, "no top songs")
    check(set(ids(songs)) <= c.public_tracks, f"unexpected songs {ids(songs)}")
    check(all(s.artist_id == c.ana_id for s in songs), "a song of another artist")
    equal(c.tok.get_top_songs("Nobody By That Name", count=10), [], "an unknown artist's top songs")


@test("getSimilarSongs2 suggests other public songs")
def _(c):
    songs = c.tok.get_similar_songs2(c.track["a"], count=10)
    check(songs, "no similar songs")
    check(set(ids(songs)) <= c.public_tracks, f"private or unknown songs suggested: {ids(songs)}")


# MARK: Browsing by folders


@test("getIndexes lists the artist as a folder")
def _(c):
    indexes = c.tok.get_indexes()
    artists = [a for index in indexes.index or [] for a in index.artist or []]
    equal(len(artists), 1, f"artists {[(a.id, a.name) for a in artists]}")
    check(artists[0].name, "artist folder has no name")
    check(isinstance(indexes.last_modified, int), f"lastModified {indexes.last_modified!r}")
    c.artist_folder = artists[0].id


@test("getMusicDirectory walks artist → albums → songs")
def _(c):
    artist = c.tok.get_music_directory(c.artist_folder)
    albums = artist.child or []
    equal(sorted(a.title for a in albums), ["First Light", "Night Walks"], "album folders")
    check(all(a.is_dir for a in albums), "an album folder is not a directory")
    first = next(a for a in albums if a.title == "First Light")
    equal(first.parent, artist.id, "album folder's parent")
    album = c.tok.get_music_directory(first.id)
    songs = album.child or []
    equal(ids(songs), [c.track["a"], c.track["b"]], "songs in the album folder")
    check(not any(s.is_dir for s in songs), "a song is a directory")
    equal({s.parent for s in songs}, {first.id}, "songs' parent")


# MARK: Lists


@test("getAlbumList2 answers every type without private albums")
def _(c):
    extra = {"byYear": {"from_year": 1900, "to_year": 2100}, "byGenre": {"genre": "Brass"}}
    for kind in ["newest", "recent", "frequent", "random", "alphabeticalByName", "alphabeticalByArtist", "starred",
                 "byYear", "byGenre", "highest"]:
        albums = c.tok.get_album_list2(kind, size=50, **extra.get(kind, {}))
        check(set(ids(albums)) <= {c.first_light, c.night_walks}, f"{kind}: unexpected albums {ids(albums)}")


@test("getAlbumList2 orders newest, alphabetical, by year and by genre")
def _(c):
    equal(ids(c.tok.get_album_list2("newest", size=10)), [c.night_walks, c.first_light], "newest")
    equal(ids(c.tok.get_album_list2("alphabeticalByName", size=10)), [c.first_light, c.night_walks], "alphabeticalByName")
    equal(set(ids(c.tok.get_album_list2("alphabeticalByArtist", size=10))), {c.first_light, c.night_walks}, "alphabeticalByArtist")
    equal(set(ids(c.tok.get_album_list2("random", size=10))), {c.first_light, c.night_walks}, "random")
    equal(ids(c.tok.get_album_list2("byYear", size=10, from_year=2024, to_year=2024)), [c.first_light], "byYear 2024")
    equal(ids(c.tok.get_album_list2("byYear", size=10, from_year=2015, to_year=2020)), [c.night_walks], "byYear 2015–2020")
    equal(ids(c.tok.get_album_list2("byGenre", size=10, genre="Ambient")), [c.night_walks], "byGenre Ambient")


@test("getAlbumList2 pages with size and offset")
def _(c):
    equal(ids(c.tok.get_album_list2("alphabeticalByName", size=1, offset=0)), [c.first_light], "first page")
    equal(ids(c.tok.get_album_list2("alphabeticalByName", size=1, offset=1)), [c.night_walks], "second page")
    equal(ids(c.tok.get_album_list2("alphabeticalByName", size=1, offset=2)), [], "past the end")


@test("getRandomSongs and getSongsByGenre give public songs only")
def _(c):
    equal(set(ids(c.tok.get_random_songs(size=10))), c.public_tracks, "random songs")
    equal(sorted(ids(c.tok.get_songs_by_genre("Brass", count=10))), sorted([c.track["a"], c.track["b"]]), "Brass songs")
    equal(c.tok.get_songs_by_genre("Sketches", count=10), [], "the private track's genre")


# MARK: search3


@test("search3 finds a song, an album and an artist by name")
def _(c):
    deadline = time.time() + 10  # the search index catches up with new tracks
    while True:
        result = c.tok.search3("harbour")
        if ids(result.song) or time.time() > deadline:
            break
        time.sleep(0.5)
    name = c.tok.get_artist(c.ana_id).name
    every([lambda: equal(ids(result.song), [c.track["a"]], "songs for 'harbour'"),
           lambda: equal(ids(c.tok.search3("night walks").album)[:1], [c.night_walks], "albums for 'night walks'"),
           lambda: equal(ids(c.tok.search3(name).artist), [c.ana_id], f"artists for {name!r}"),
           lambda: equal(ids(c.tok.search3("secret sketch").song), [], "songs for the private track's title")])


@test("search3 with an empty query returns the whole library ben may see")
def _(c):
    result = c.tok.search3("", artist_count=100, album_count=100, song_count=100)
    equal(set(ids(result.song)), c.public_tracks, "songs")
    equal(set(ids(result.album)), {c.first_light, c.night_walks}, "albums")
    equal(ids(result.artist), [c.ana_id], "artists")
    quoted = expect_ok(c.sub("search3", {"query": '""', "songCount": 100}), 'query=""')["searchResult3"]
    equal({s["id"] for s in quoted.get("song", [])}, c.public_tracks, 'songs for query="" (what some apps send)')


@test("search3 pages through everything with songCount and songOffset")
def _(c):
    seen = []
    for offset in range(4):
        page = ids(c.tok.search3("", artist_count=0, album_count=0, song_count=1, song_offset=offset).song)
        if offset < 3:
            equal(len(page), 1, f"page at offset {offset}")
        else:
            equal(page, [], "page past the end")
        seen += page
    equal(sorted(seen), sorted(c.public_tracks), "songs over the pages (each once)")
    albums = ids(c.tok.search3("", artist_count=0, album_count=1, album_offset=1, song_count=0).album)
    equal(len(albums), 1, "second album page")


# MARK: Media


def stream_to_file(c, client, key, name, **options):
    response = client.stream(c.track[key], **options)
    check(response.status == 200, f"stream {options}: HTTP {response.status}")
    check(response.headers.get("content-type", "").startswith(("audio/", "application/octet-stream")),
          f"stream {options}: content type {response.headers.get('content-type')}")
    data = client.body(response)
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path, data, response


@test("stream transcodes to mp3, opus and aac: ffprobe reads the codec, the decode lasts the track")
def _(c):
    for fmt, codec in [("mp3", "mp3"), ("opus", "opus"), ("aac", "aac")]:
        path, _, _ = stream_to_file(c, c.tok, "a", f"stream.{fmt}", tformat=fmt)
        equal(probe(path)["codec"], codec, f"codec of format={fmt}")
        seconds = decoded_seconds(path)
        check(abs(seconds - 20) <= 1, f"format={fmt} decodes to {seconds:.2f} s, expected 20")


@test("stream with format=raw and maxBitRate=0 sends the original")
def _(c):
    _, data, _ = stream_to_file(c, c.tok, "b", "stream-raw.flac", tformat="raw", max_bit_rate=0)
    check(data == c.original["b"], f"raw stream: {len(data)} bytes, original {len(c.original['b'])}")


@test("stream honours maxBitRate")
def _(c):
    for fmt, limit in [("opus", 64), ("mp3", 128)]:
        path, data, _ = stream_to_file(c, c.tok, "a", f"limited.{fmt}", tformat=fmt, max_bit_rate=limit)
        seconds = decoded_seconds(path)
        rate = len(data) * 8 / seconds / 1000
        check(rate <= limit * 1.15, f"format={fmt} maxBitRate={limit}: {rate:.0f} kbps")
    path, _, _ = stream_to_file(c, c.tok, "a", "unlimited.mp3", tformat="mp3", max_bit_rate=0)
    check(abs(decoded_seconds(path) - 20) <= 1, "maxBitRate=0 (no limit)")


@test("stream with timeOffset starts that far in")
def _(c):
    path, _, _ = stream_to_file(c, c.tok, "a", "offset.mp3", tformat="mp3", time_offset=15)
    seconds = decoded_seconds(path)
    check(3.5 <= seconds <= 6.5, f"timeOffset=15 of 20 s decodes to {seconds:.2f} s, expected about 5")


@test("stream with estimateContentLength sends a Content-Length, also for a live transcode, that the body keeps")
def _(c):
    for label, options in [("a rendition", {"tformat": "opus"}), ("a live transcode", {"tformat": "mp3", "max_bit_rate": 96})]:
        path, data, response = stream_to_file(c, c.tok, "c", "estimate", estimate_length=True, **options)
        length = response.headers.get("content-length")
        check(length and int(length) > 0, f"{label}: Content-Length {length!r}")
        equal(len(data), int(length), f"{label}: bytes sent against Content-Length")
        check(abs(decoded_seconds(path) - 8) <= 1, f"{label}: decodes to {decoded_seconds(path):.2f} s, expected 8")


@test("stream serves byte ranges to GET, of the original and of a rendition")
def _(c):
    response = c.get.stream(c.track["a"], tformat="raw", byte_range="bytes=0-99")
    equal(response.status, 206, "status")
    equal(c.get.body(response), c.original["a"][:100], "the first 100 bytes")
    check(response.headers.get("content-range", "").startswith("bytes 0-99/"), f"Content-Range {response.headers.get('content-range')}")
    response = c.get.stream(c.track["a"], tformat="raw", byte_range="bytes=-100")
    equal((response.status, c.get.body(response)), (206, c.original["a"][-100:]), "the last 100 bytes")
    # An iOS player seeks an MP3 with ranges: the same bytes as the whole stream's.
    whole = c.get.body(c.get.stream(c.track["a"], tformat="mp3"))
    response = c.get.stream(c.track["a"], tformat="mp3", byte_range="bytes=1000-1999")
    equal(response.status, 206, "mp3 range status")
    check(c.get.body(response) == whole[1000:2000], "mp3 range: not the same bytes as the whole stream's")


@test("download sends the original byte for byte")
def _(c):
    for key in "ac":
        response = c.tok.download(c.track[key])
        data = c.tok.body(response)
        check(data == c.original[key], f"download {key}: {len(data)} bytes, original {len(c.original[key])}")


@test("getCoverArt sends the embedded cover, scaled with size; every coverArt id handed out works")
def _(c):
    song = c.tok.get_song(c.track["a"])
    album = c.tok.get_album(c.first_light)
    artist = c.tok.get_artist(c.ana_id)
    for label, art in [("song", song.cover_art), ("album", album.cover_art), ("artist", artist.cover_art)]:
        if not art:
            check(label != "song", f"{label} has no coverArt")
            continue
        data = c.tok.body(c.tok.get_cover_art(art))
        check(data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n", f"{label} cover is not JPEG or PNG: {data[:8]!r}")
        path = os.path.join(WORK, f"cover-{label}")
        open(path, "wb").write(data)
        image_size(path)
    small = os.path.join(WORK, "cover-small")
    open(small, "wb").write(c.tok.body(c.tok.get_cover_art(song.cover_art, size=128)))
    _, width, height = image_size(small)
    check(width <= 128 and height <= 128, f"size=128 gave {width}×{height}")


@test("hls.m3u8 is a playlist whose URIs a player can follow to audio")
def _(c):
    response = requests.get(f"{BASE}/rest/hls.m3u8", params={"id": c.track["a"], "v": "1.16.1", "c": "t",
                                                             **token_auth("ben", c.app_password)}, timeout=60)
    equal(response.status_code, 200, "status")
    url, text = response.url, response.text
    for _ in range(3):  # master → variant → segment
        check(text.startswith("#EXTM3U"), f"{url} is not an M3U8: {text[:80]!r}")
        uris = [line for line in text.splitlines() if line and not line.startswith("#")]
        check(uris, f"no URIs in {url}")
        for init in re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text):
            equal(requests.get(urljoin(url, init), timeout=60).status_code, 200, f"init segment {init}")
        url = urljoin(url, uris[0])
        fetched = requests.get(url, timeout=60)
        equal(fetched.status_code, 200, f"GET {url}")
        if not fetched.content.startswith(b"#EXTM3U"):
            check(len(fetched.content) > 1000, f"segment {url} has {len(fetched.content)} bytes")
            return
        text = fetched.text
    raise Failure("no segment after three playlists")


# MARK: Scrobbling and now playing


@test("stream never counts a play")
def _(c):
    for _ in range(2):
        c.tok.body(c.tok.stream(c.track["b"], tformat="mp3"))
    equal(rest_play_count(c, "b"), 0, "REST playCount of b after two streams")
    equal(rest_play_count(c, "a"), 0, "REST playCount of a after the stream tests")
    check(c.tok.get_song(c.track["b"]).play_count in (None, 0), "getSong playCount of b")


def now_playing(username):
    """(username, song id) of each getNowPlaying entry, asked with the user's account password."""
    body = expect_ok(rest_call(BASE, "getNowPlaying", auth=plain_auth(username, PASSWORD)), f"getNowPlaying as {username}")
    return [(e.get("username"), e.get("id")) for e in body["nowPlaying"].get("entry", [])]


@test("scrobble with submission=false is now playing, shared only when ben shares it, and not a play")
def _(c):
    c.ana.call("PUT", "/users/ben/follow")
    equal(c.tok.scrobble(c.track["a"], submission=False), True, "scrobble while not sharing")
    equal(now_playing("ana"), [], "what ana (a follower) sees while ben does not share")
    settings = c.ben.call("GET", "/me/notification-settings")
    c.ben.call("PUT", "/me/notification-settings", {**settings, "shareNowPlaying": True})
    equal(c.tok.scrobble(c.track["a"], submission=False), True, "scrobble while sharing")
    equal(rest_play_count(c, "a"), 0, "REST playCount")
    entries = c.tok.get_now_playing()   # the library checks the entry's required fields
    equal([(e.username, e.id) for e in entries], [("ben", c.track["a"])], "ben's own getNowPlaying")
    equal(now_playing("ana"), [("ben", c.track["a"])], "ana's (she follows ben)")
    equal(now_playing("cyd"), [], "cyd's (she does not follow ben)")


@test("scrobble (a submission) counts one play, source subsonic, seen in REST and getSong")
def _(c):
    equal(c.tok.scrobble(c.track["a"]), True, "scrobble")
    equal(rest_play_count(c, "a"), 1, "REST playCount")
    equal(c.tok.get_song(c.track["a"]).play_count, 1, "getSong playCount")
    listens = [i for i in c.ben.call("GET", "/me/history", params={"limit": 50})["items"] if i["track"]["id"].lower() == c.track["a"]]
    equal(len(listens), 1, "listens of a in ben's history")
    equal(listens[0].get("source"), "subsonic", "source")


@test("after the play, getAlbumList2 recent and frequent start with its album")
def _(c):
    equal(ids(c.tok.get_album_list2("recent", size=10))[:1], [c.first_light], "recent")
    equal(ids(c.tok.get_album_list2("frequent", size=10))[:1], [c.first_light], "frequent")


@test("scrobble with time records the play when it happened, once however often an offline app resends it")
def _(c):
    played = int(time.time()) - 3600
    c.tok.scrobble(c.track["c"], listen_time=played)
    c.tok.scrobble(c.track["c"], listen_time=played)
    equal(rest_play_count(c, "c"), 1, "REST playCount after the same scrobble twice")
    listens = [i for i in c.ben.call("GET", "/me/history", params={"limit": 50})["items"] if i["track"]["id"].lower() == c.track["c"]]
    equal(len(listens), 1, "listens of c")
    at = datetime.fromisoformat(listens[0]["playedAt"].replace("Z", "+00:00")).timestamp()
    check(abs(at - played) <= 2, f"playedAt {listens[0]['playedAt']}, expected {datetime.fromtimestamp(played, timezone.utc).isoformat()}")


# MARK: Stars and ratings


@test("star and unstar a song: a like in the REST API, in getStarred2 and on getSong")
def _(c):
    c.tok.star(sids=[c.track["a"]])
    liked = [i["track"]["id"].lower() for i in c.ben.call("GET", "/me/likes/tracks")["items"]]
    equal(liked, [c.track["a"]], "REST liked tracks")
    equal(ids(c.tok.get_starred2().song), [c.track["a"]], "getStarred2 songs")
    check(ISO.match(c.tok.get_song(c.track["a"]).starred or ""), "getSong starred")
    c.tok.unstar(sids=[c.track["a"]])
    equal(c.ben.call("GET", "/me/likes/tracks")["items"], [], "REST liked tracks after unstar")
    equal(ids(c.tok.get_starred2().song), [], "getStarred2 songs after unstar")
    equal(c.tok.get_song(c.track["a"]).starred, None, "getSong starred after unstar")


@test("star an album: a liked release, in getStarred2 and getAlbumList2 starred")
def _(c):
    c.tok.star(album_ids=[c.first_light])
    liked = [i["release"]["id"].lower() for i in c.ben.call("GET", "/me/likes/releases")["items"]]
    equal(liked, [c.first_light], "REST liked releases")
    equal(ids(c.tok.get_starred2().album), [c.first_light], "getStarred2 albums")
    equal(ids(c.tok.get_album_list2("starred", size=10)), [c.first_light], "getAlbumList2 starred")
    c.tok.unstar(album_ids=[c.first_light])
    equal(c.ben.call("GET", "/me/likes/releases")["items"], [], "REST liked releases after unstar")
    equal(ids(c.tok.get_album_list2("starred", size=10)), [], "getAlbumList2 starred after unstar")


@test("star an artist: ben follows ana, in getStarred2; unstar unfollows")
def _(c):
    c.key.star(artist_ids=[c.ana_id])
    following = [i["user"]["id"].lower() for i in c.ben.call("GET", "/users/ben/following")["items"]]
    equal(following, [c.ana_id], "REST following")
    equal(ids(c.tok.get_starred2().artist), [c.ana_id], "getStarred2 artists")
    c.key.unstar(artist_ids=[c.ana_id])
    equal(c.ben.call("GET", "/users/ben/following")["items"], [], "REST following after unstar")
    equal(ids(c.tok.get_starred2().artist), [], "getStarred2 artists after unstar")


@test("star and unstar several songs in one call")
def _(c):
    both = [c.track["b"], c.track["c"]]
    c.tok.star(sids=both)
    equal(sorted(ids(c.tok.get_starred2().song)), sorted(both), "getStarred2 songs")
    c.tok.unstar(sids=both)
    equal(ids(c.tok.get_starred2().song), [], "getStarred2 songs after unstar")


@test("setRating rates a song 1–5 and 0 removes it")
def _(c):
    c.tok.set_rating(c.track["b"], 4)
    equal(c.tok.get_song(c.track["b"]).user_rating, 4, "userRating")
    c.tok.set_rating(c.track["b"], 0)
    check(c.tok.get_song(c.track["b"]).user_rating in (None, 0), "userRating after 0")


@test("setRating on an album shows on getAlbum and leads getAlbumList2 highest")
def _(c):
    c.tok.set_rating(c.night_walks, 5)
    equal(c.tok.get_album(c.night_walks).user_rating, 5, "album userRating")
    equal(ids(c.tok.get_album_list2("highest", size=10))[:1], [c.night_walks], "highest")


# MARK: Playlists


def playlist_named(c, name):
    found = [p for p in c.tok.get_playlists() if p.name == name]
    check(len(found) == 1, f"playlists named {name!r}: {[p.name for p in c.tok.get_playlists()]}")
    return found[0]


def rest_playlist_tracks(c, playlist_id):
    detail = c.ben.call("GET", f"/playlists/{playlist_id}")
    return detail, [i["track"]["id"].lower() for i in detail["items"]]


@test("createPlaylist makes a Based playlist the REST API shows")
def _(c):
    equal(c.tok.create_playlist(name="Night drive", song_ids=[c.track["a"], c.track["b"]]), True, "createPlaylist")
    listed = playlist_named(c, "Night drive")
    check(UUID.match(listed.id), f"playlist id {listed.id}")
    equal(listed.song_count, 2, "songCount")
    check(abs(listed.duration - 32) <= 1, f"duration {listed.duration}")
    equal(listed.owner, "ben", "owner")
    equal(ids(c.tok.get_playlist(listed.id).entry), [c.track["a"], c.track["b"]], "entries")
    detail, tracks = rest_playlist_tracks(c, listed.id)
    equal(detail["title"], "Night drive", "REST title")
    equal(tracks, [c.track["a"], c.track["b"]], "REST tracks")
    check(listed.id in {p["id"].lower() for p in c.ben.call("GET", "/me/playlists")["items"]}, "not in REST /me/playlists")
    c.playlist = listed.id


@test("createPlaylist answers with the new playlist (OpenSubsonic)")
def _(c):
    body = expect_ok(c.sub("createPlaylist", {"name": "Raw list", "songId": [c.track["c"]]}, method="POST"), "createPlaylist")
    playlist = body.get("playlist") or {}
    check(UUID.match(playlist.get("id", "")), f"no playlist in the answer: {body}")
    equal(playlist.get("songCount"), 1, "songCount")
    c.raw_playlist = playlist["id"]


@test("updatePlaylist renames, comments, adds and removes by index")
def _(c):
    c.tok.update_playlist(c.playlist, name="Night drive II", comment="after midnight", song_ids_to_add=[c.track["c"]],
                          song_indices_to_remove=[0])
    playlist = c.tok.get_playlist(c.playlist)
    equal((playlist.name, playlist.comment), ("Night drive II", "after midnight"), "name and comment")
    equal(ids(playlist.entry), [c.track["b"], c.track["c"]], "entries")
    detail, tracks = rest_playlist_tracks(c, c.playlist)
    equal((detail["title"], detail["description"]), ("Night drive II", "after midnight"), "REST title and description")
    equal(tracks, [c.track["b"], c.track["c"]], "REST tracks")


@test("createPlaylist with playlistId replaces the songs")
def _(c):
    c.tok.create_playlist(playlist_id=c.playlist, song_ids=[c.track["c"], c.track["a"]])
    equal(ids(c.tok.get_playlist(c.playlist).entry), [c.track["c"], c.track["a"]], "entries")
    equal(rest_playlist_tracks(c, c.playlist)[1], [c.track["c"], c.track["a"]], "REST tracks")


@test("updatePlaylist public=false and public=true set the REST visibility")
def _(c):
    expect_ok(c.sub("updatePlaylist", {"playlistId": c.playlist, "public": "false"}), "public=false")
    equal(c.ben.call("GET", f"/playlists/{c.playlist}")["visibility"], "private", "REST visibility")
    equal(playlist_named(c, "Night drive II").public, False, "getPlaylists public")
    expect_ok(c.sub("updatePlaylist", {"playlistId": c.playlist, "public": "true"}), "public=true")
    equal(c.ben.call("GET", f"/playlists/{c.playlist}")["visibility"], "public", "REST visibility")
    equal(playlist_named(c, "Night drive II").public, True, "getPlaylists public")


@test("a playlist made in the web app (REST) is in getPlaylists")
def _(c):
    made = c.ben.call("POST", "/playlists", {"title": "From the web app", "visibility": "private"})
    c.ben.call("POST", f"/playlists/{made['id']}/tracks", {"trackIds": [c.track["c"]]})
    listed = playlist_named(c, "From the web app")
    equal(listed.id, made["id"].lower(), "id")
    equal(listed.song_count, 1, "songCount")
    equal(ids(c.tok.get_playlist(listed.id).entry), [c.track["c"]], "entries")


@test("deletePlaylist removes it from Subsonic and REST")
def _(c):
    c.tok.delete_playlist(c.raw_playlist)
    check(isinstance(library_error(lambda: c.tok.get_playlist(c.raw_playlist)), errors.DataNotFoundError), "getPlaylist after delete")
    c.ben.call("GET", f"/playlists/{c.raw_playlist}", expect=(404,))


@test("another user's private playlist does not exist for ben (70); her public one is read-only (50)")
def _(c):
    private = c.cy.call("POST", "/playlists", {"title": "Cy private", "visibility": "private"})["id"].lower()
    public = c.cy.call("POST", "/playlists", {"title": "Cy public", "visibility": "public"})["id"].lower()
    c.cy.call("POST", f"/playlists/{public}/tracks", {"trackIds": [c.track["a"]]})
    check(isinstance(library_error(lambda: c.tok.get_playlist(private)), errors.DataNotFoundError), "getPlaylist of cy's private one")
    check(private not in ids(c.tok.get_playlists()), "cyd's private playlist is listed for ben")
    equal(ids(c.tok.get_playlist(public).entry), [c.track["a"]], "cyd's public playlist")
    check(isinstance(library_error(lambda: c.tok.update_playlist(public, name="mine now")), errors.AuthError), "updatePlaylist")
    check(isinstance(library_error(lambda: c.tok.delete_playlist(public)), errors.AuthError), "deletePlaylist")
    equal(c.cy.call("GET", f"/playlists/{public}")["title"], "Cy public", "cyd's playlist after ben's tries")
    c.cy_private, c.cy_public = private, public


# MARK: Play queue and bookmarks


@test("savePlayQueue is the web app's queue, and getPlayQueue reads it back")
def _(c):
    c.tok.save_play_queue([c.track["a"], c.track["b"], c.track["c"]], current=c.track["b"], position=5000)
    queue = c.tok.get_play_queue()
    equal(ids(queue.entry), [c.track["a"], c.track["b"], c.track["c"]], "entries")
    equal((queue.current, queue.position, queue.username), (c.track["b"], 5000, "ben"), "current, position, username")
    rest = c.ben.call("GET", "/me/queue")
    equal([t.lower() for t in rest["trackIds"]], [c.track["a"], c.track["b"], c.track["c"]], "REST trackIds")
    equal((rest["index"], rest["positionSeconds"]), (1, 5), "REST index and position")


@test("a queue saved in the web app (REST) is what getPlayQueue returns")
def _(c):
    version = c.ben.call("GET", "/me/queue")["version"]
    c.ben.call("PUT", "/me/queue", {"trackIds": [c.track["c"], c.track["a"]], "index": 1, "positionSeconds": 3,
                                    "version": version, "device": "web"})
    queue = c.tok.get_play_queue()
    equal(ids(queue.entry), [c.track["c"], c.track["a"]], "entries")
    equal((queue.current, queue.position), (c.track["a"], 3000), "current and position")


@test("bookmarks are resume positions: create, list, delete")
def _(c):
    c.tok.create_bookmark(c.track["a"], 12000, comment="half way")
    marks = [m for m in c.tok.get_bookmarks() if m.entry.id == c.track["a"]]
    equal(len(marks), 1, "bookmarks of a")
    equal((marks[0].position, marks[0].username), (12000, "ben"), "position and username")
    resume = c.ben.call("GET", "/me/resume", params={"trackIds": c.track["a"]})["items"]
    equal([(r["trackId"].lower(), r["positionSeconds"]) for r in resume], [(c.track["a"], 12)], "REST resume positions")
    c.tok.delete_bookmark(c.track["a"])
    equal([m.entry.id for m in c.tok.get_bookmarks()], [], "bookmarks after delete")
    equal(c.ben.call("GET", "/me/resume", params={"trackIds": c.track["a"]})["items"], [], "REST resume after delete")


@test("savePlayQueue without ids clears the queue (OpenSubsonic)")
def _(c):
    expect_ok(c.sub("savePlayQueue", {}, method="POST"), "savePlayQueue with no parameters")
    equal(c.ben.call("GET", "/me/queue")["trackIds"], [], "REST trackIds")
    queue = expect_ok(c.sub("getPlayQueue"), "getPlayQueue").get("playQueue") or {}
    equal(queue.get("entry", []), [], "getPlayQueue entries")


# MARK: Users


@test("getUser describes ben; another user's getUser is error 50")
def _(c):
    user = c.tok.get_user("ben")
    equal(user.username, "ben", "username")
    equal((user.stream_role, user.download_role, user.playlist_role, user.admin_role), (True, True, True, False),
          "stream, download, playlist, admin roles")
    check(isinstance(library_error(lambda: c.tok.get_user("ana")), errors.AuthError), "getUser ana as ben")


# MARK: Privacy


@test("another user's private track is error 70 everywhere ben asks for it")
def _(c):
    private = c.track["p"]
    expect_ok(rest_call(BASE, "getSong", {"id": private}, auth=plain_auth("ana", PASSWORD)), "ana's own private track")
    check(isinstance(library_error(lambda: c.tok.get_song(private)), errors.DataNotFoundError), "getSong")
    every([lambda e=endpoint, p=params: expect_error(c.sub(e, p), 70, f"{e} of ana's private item")
           for endpoint, params in [("stream", {"id": private}), ("download", {"id": private}), ("getCoverArt", {"id": private}),
                                    ("star", {"id": private}), ("scrobble", {"id": private}), ("setRating", {"id": private, "rating": 3}),
                                    ("createBookmark", {"id": private, "position": 1000}), ("getSimilarSongs2", {"id": private}),
                                    ("getAlbum", {"id": c.drafts}), ("getMusicDirectory", {"id": c.drafts})]])
    equal(c.ben.call("GET", "/me/likes/tracks")["items"], [], "a like was made anyway")
    check(private not in ids(c.tok.search3("", song_count=100).song), "search3 lists it")
    equal(c.ana.call("GET", f"/tracks/{private}")["playCount"], 0, "a play was counted anyway")


@test("ids of the wrong kind are error 70")
def _(c):
    every([lambda e=endpoint, w=wrong, n=name: expect_error(c.sub(e, {"id": w}), 70, f"{e} with {n}")
           for endpoint, wrong, name in [("getSong", c.first_light, "an album id"), ("getAlbum", c.track["a"], "a song id"),
                                         ("getArtist", c.ben_id, "a listener's id"), ("getArtist", c.first_light, "an album id"),
                                         ("getPlaylist", c.track["a"], "a song id"), ("stream", c.first_light, "an album id")]])


# MARK: XML and JSON


def tree_differences(value, element, path):
    """Where an XML element and the JSON object of the same answer disagree:
    JSON scalars are attributes (`value` is the element's text, as a genre's
    name is), objects are child elements, lists are repeated child elements
    (lists of scalars carry them as text). `lastModified` may move between
    the two calls."""
    problems = []
    attributes = dict(element.attrib)
    children = [child.tag.replace(NAMESPACE, "") for child in element]
    for key, item in value.items():
        where = f"{path}.{key}"
        if isinstance(item, dict):
            found = element.findall(NAMESPACE + key)
            if len(found) != 1:
                problems.append(f"{where}: {len(found)} XML elements for a JSON object")
            else:
                problems += tree_differences(item, found[0], where)
        elif isinstance(item, list):
            found = element.findall(NAMESPACE + key)
            if len(found) != len(item):
                problems.append(f"{where}: {len(found)} XML elements for {len(item)} JSON items")
                continue
            for index, (one, child) in enumerate(zip(item, found)):
                if isinstance(one, dict):
                    problems += tree_differences(one, child, f"{where}[{index}]")
                elif (child.text or "") != xml_text(one):
                    problems.append(f"{where}[{index}]: XML {child.text!r}, JSON {one!r}")
        else:
            text = attributes.pop(key, None)
            if text is None and key == "value":
                text = element.text
            if key == "lastModified" and text is not None:
                continue
            if text is None:
                problems.append(f"{where}: no XML attribute for JSON {item!r}")
            elif isinstance(item, float) and not isinstance(item, bool):
                if abs(float(text) - item) > 1e-9 * max(1, abs(item)):
                    problems.append(f"{where}: XML {text!r}, JSON {item!r}")
            elif text != xml_text(item):
                problems.append(f"{where}: XML {text!r}, JSON {item!r}")
    for key in attributes:
        problems.append(f"{path}.{key}: XML attribute missing from JSON")
    for tag in set(children) - set(value):
        problems.append(f"{path}.{tag}: XML element missing from JSON")
    return problems


def xml_text(value):
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@test("XML and JSON carry the same tree for every kind of answer")
def _(c):
    calls = [("getSong", {"id": c.track["a"]}), ("getAlbum", {"id": c.first_light}), ("getArtist", {"id": c.ana_id}),
             ("getArtists", {}), ("getIndexes", {}), ("getMusicDirectory", {"id": c.first_light}), ("getGenres", {}),
             ("search3", {"query": "", "songCount": 100}), ("getAlbumList2", {"type": "alphabeticalByName"}),
             ("getStarred2", {}), ("getPlaylists", {}), ("getPlaylist", {"id": c.playlist}), ("getPlayQueue", {}),
             ("getUser", {"username": "ben"}), ("getOpenSubsonicExtensions", {}), ("getMusicFolders", {}),
             ("getTopSongs", {"artist": c.tok.get_artist(c.ana_id).name}), ("getSongsByGenre", {"genre": "Brass"})]

    def same(endpoint, params):
        json_body = expect_ok(c.sub(endpoint, params), f"{endpoint} JSON")
        xml_body = expect_ok(c.sub(endpoint, params, "xml"), f"{endpoint} XML")
        problems = tree_differences(json_body, xml_body, endpoint)
        check(not problems, "; ".join(problems[:6]) + (f" (and {len(problems) - 6} more)" if len(problems) > 6 else ""))
    every([lambda e=endpoint, p=params: same(e, p) for endpoint, params in calls])


# MARK: Error codes, in XML and JSON


ERROR_CASES = {
    0: lambda c, fmt: rest_call(BASE, "getPodcasts", None, token_auth("ben", c.app_password), fmt),
    10: lambda c, fmt: c.sub("getSong", None, fmt),
    40: lambda c, fmt: rest_call(BASE, "ping", None, token_auth("ben", "wrong password 1"), fmt),
    41: lambda c, fmt: rest_call(BASE, "ping", None, token_auth("cyd", PASSWORD), fmt),
    42: lambda c, fmt: rest_call(BASE, "ping", None, {"u": "ben", "jwt": "eyJhbGciOiJIUzI1NiJ9.e30.x"}, fmt),
    43: lambda c, fmt: rest_call(BASE, "ping", None, {"apiKey": c.api_key, "u": "ben"}, fmt),
    44: lambda c, fmt: rest_call(BASE, "ping", None, key_auth("0" * 32), fmt),
    50: lambda c, fmt: c.sub("deletePlaylist", {"id": c.cy_public}, fmt),
    70: lambda c, fmt: c.sub("getSong", {"id": str(uuid.uuid4())}, fmt),
}


def error_test(code, fmt):
    @test(f"error {code} in {fmt.upper()}")
    def _(c):
        expect_error(ERROR_CASES[code](c, fmt), code, f"error {code} in {fmt}")
        if fmt == "json":
            answer = ERROR_CASES[code](c, fmt)
            equal(answer.body.get("openSubsonic"), True, "openSubsonic on an error")
            equal(answer.body.get("version"), "1.16.1", "version on an error")


for _code in ERROR_CASES:
    for _fmt in ["xml", "json"]:
        error_test(_code, _fmt)


@test("endpoints Based does not implement answer error 0 in a 200, at name and name.view, GET and POST")
def _(c):
    every([lambda e=endpoint, m=method, f=fmt: expect_error(rest_call(BASE, e, None, token_auth("ben", c.app_password), f, m), 0,
                                                            f"{m} {e} ({f})")
           for endpoint in ["getPodcasts", "getPodcasts.view", "jukeboxControl", "fooBar.view"]
           for method in ["GET", "POST"] for fmt in ["json", "xml"]])


# MARK: Bad values


@test("bad sizes, counts and types are error 10 or 0 with a message, never a 5xx")
def _(c):
    cases = [
        ("getAlbumList2", {"type": "newest", "size": -1}),
        ("getAlbumList2", {"type": "newest", "size": 100000}),
        ("getAlbumList2", {"type": "newest", "offset": -5}),
        ("getAlbumList2", {"type": "bestEver"}),
        ("getAlbumList2", {}),
        ("getAlbumList2", {"type": "byYear"}),
        ("getAlbumList2", {"type": "byGenre"}),
        ("getAlbumList2", {"type": "newest", "size": "ten"}),
        ("search3", {"query": "", "songCount": -1}),
        ("search3", {"query": "", "songCount": 100000}),
        ("getRandomSongs", {"size": -1}),
        ("getCoverArt", {"id": c.track["a"], "size": -1}),
        ("getCoverArt", {"id": c.track["a"], "size": 100000}),
        ("setRating", {"id": c.track["a"], "rating": 6}),
        ("setRating", {"id": c.track["a"]}),
        ("scrobble", {}),
        ("createPlaylist", {}),
        ("stream", {"id": c.track["a"], "maxBitRate": -1}),
        ("stream", {"id": c.track["a"], "timeOffset": 3600}),
        ("stream", {"id": c.track["a"], "timeOffset": -3}),
    ]
    every([lambda e=endpoint, p=params, f=fmt: expect_error(c.sub(e, p, f), (10, 0), f"{e} {p} ({f})")
           for endpoint, params in cases for fmt in ["json", "xml"]])


@test("a repeated or malformed id is an error, not a guess")
def _(c):
    expect_error(c.sub("getSong", {"id": [c.track["a"], c.track["b"]]}), (10, 0), "getSong with two ids")
    expect_error(c.sub("getSong", {"id": "not-a-uuid"}), (10, 70), "getSong id=not-a-uuid")
    expect_error(c.sub("getSong", {"id": ""}), (10, 70), "getSong id=")


@test("musicFolderId=1, which apps send once a folder is picked, is accepted")
def _(c):
    equal(set(ids(c.tok.search3("", song_count=100, music_folder_id=1).song)), c.public_tracks, "search3")
    equal(set(ids(c.tok.get_album_list2("newest", size=10, music_folder_id=1))), {c.first_light, c.night_walks}, "getAlbumList2")
    expect_ok(c.sub("getArtists", {"musicFolderId": 1}), "getArtists")
    expect_ok(c.sub("getIndexes", {"musicFolderId": 1}), "getIndexes")


# MARK: Blocks (last: they hide ana from cyd from here on)


@test("once cyd blocks ana, ana's music does not exist for cyd")
def _(c):
    as_cyd = lambda endpoint, params=None: rest_call(BASE, endpoint, params, plain_auth("cyd", PASSWORD))
    expect_ok(as_cyd("getSong", {"id": c.track["a"]}), "getSong before the block")
    c.cy.call("PUT", "/users/ana/block", expect=(200, 204))
    every([lambda e=endpoint, p=params: expect_error(as_cyd(e, p), 70, f"{e} after the block")
           for endpoint, params in [("getSong", {"id": c.track["a"]}), ("getAlbum", {"id": c.first_light}),
                                    ("getArtist", {"id": c.ana_id}), ("stream", {"id": c.track["a"]}),
                                    ("download", {"id": c.track["a"]})]] +
          [lambda: equal(expect_ok(as_cyd("search3", {"query": ""}), "search3")["searchResult3"].get("song", []), [],
                         "search3 songs after the block"),
           lambda: equal(expect_ok(as_cyd("getAlbumList2", {"type": "newest"}), "getAlbumList2")["albumList2"].get("album", []), [],
                         "getAlbumList2 after the block"),
           lambda: equal(expect_ok(as_cyd("getArtists"), "getArtists")["artists"].get("index", []), [], "getArtists after the block")])


def main():
    context = seed()
    print(f"seeded: 3 users, {len(TRACKS)} tracks ({DATABASE})", flush=True)
    try:
        runner.run(context)
    finally:
        for client in [context.tok, context.get, context.enc, context.key]:
            client.close()
    print(f"subsonic: {runner.passed} passed, {len(runner.failed)} failed ({DATABASE})")
    return 1 if runner.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # seeding failed: nothing can be tested
        print(f"✘ seeding: {error}")
        print(f"subsonic: 0 passed, 1 failed ({DATABASE})")
        sys.exit(1)
