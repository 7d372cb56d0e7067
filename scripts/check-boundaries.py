#!/usr/bin/env python3
"""Feature boundaries (docs/decisions.md, "Feature boundaries").

A feature folder under Sources/BasedApp reaches another feature only through
that feature's service. Two rules, each reported as file:line:
  1. an `XQueries` type is used only inside the folder that defines it;
  2. a feature's SQL names only its own tables (TABLES below says whose each
     is); the infrastructure folders App/, Database/ and Jobs/ belong to no
     feature and may name any.
Exits 1 when anything is found, 0 otherwise. `--self-test` shows that each rule
fires on a deliberate violation.
"""
import os
import re
import sys
import tempfile

ROOT = "Sources/BasedApp"
INFRASTRUCTURE = {"App", "Database", "Jobs"}

# Which feature owns each table. A new table is added here with its migration.
TABLES = {
    "Accounts": ["users", "auth_sessions", "refresh_tokens", "app_passwords"],
    "Catalog": ["tracks", "releases", "track_uploads"],
    "Analysis": ["track_analyses"],
    "Streaming": ["plays"],
    "Social": ["follows", "blocks", "user_mutes"],
    "Messaging": ["conversations", "conversation_members", "messages", "attachments"],
    "Notifications": ["notifications", "notification_settings", "push_devices"],
    "Realtime": ["realtime_processes", "realtime_sockets", "last_seen"],
    "Events": ["events", "event_rsvps", "event_lineup"],
    "Library": ["likes", "resume_positions", "play_queues", "ratings"],
    "Playlists": ["playlists", "playlist_ops", "playlist_members"],
    "Comments": ["track_comments", "comments_off"],
    "Jam": ["jams", "jam_members"],
    "Calendars": ["calendar_feeds"],
    "Tickets": ["ticket_tiers", "tickets", "ticket_holdings", "ticket_waitlist", "door_staff", "venue_ticket_keys"],
    "Jobs": ["jobs"],
    "App": ["idempotency_keys"],
}
OWNER = {table: feature for feature, tables in TABLES.items() for table in tables}

# A table named to a SQLKit builder: .from("t"), .join("t", …), into: "t", .update("t"), SQLIdentifier("t").
TABLE_USE = re.compile(r'(?:\.from|\.join|into:|from:|\.update|\.table|SQLIdentifier|SQLQualifiedTable)\(?\s*"([a-z_]+)"')
# A table in SQL text: FROM t, JOIN t, INTO t, UPDATE t, TABLE t (keywords in capitals, as our SQL is written).
SQL_TEXT = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS \(SELECT 1 FROM)\s+([a-z_]+)\b")


def feature_of(path, root):
    parts = os.path.relpath(path, root).split(os.sep)
    return parts[0] if len(parts) > 1 else None


def swift_files(root):
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".swift"):
                yield os.path.join(folder, name)


def code_lines(text):
    """Lines with their numbers, comments blanked out (strings kept)."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("//") or stripped.startswith("///") or stripped.startswith("*"):
            continue
        yield number, line


def check(root):
    problems = []
    texts = {path: open(path, encoding="utf-8").read() for path in swift_files(root)}
    homes = {}
    for path, text in texts.items():
        for match in re.finditer(r"\b(?:enum|struct|final class|class|actor)\s+(\w+Queries)\b", text):
            homes[match.group(1)] = feature_of(path, root)
    for path, text in texts.items():
        feature = feature_of(path, root)
        if feature is None:
            continue
        lines = list(code_lines(text))
        # 1. Another feature's queries.
        for number, line in lines:
            for name, home in homes.items():
                if home != feature and re.search(rf"\b{name}\s*\.", line):
                    problems.append(f"{path}:{number}: {feature} uses {name}, which belongs to {home}: call {home}'s service instead")
        if feature in INFRASTRUCTURE:
            continue
        # 2. Another feature's tables, in a query builder or in SQL text.
        for number, line in lines:
            for table in set(TABLE_USE.findall(line)) | set(SQL_TEXT.findall(line)):
                owner = OWNER.get(table)
                if owner and owner != feature and owner not in INFRASTRUCTURE:
                    problems.append(f"{path}:{number}: {feature} queries the table {table}, which belongs to {owner}: call {owner}'s service instead")
    return problems


def self_test():
    """Each rule fires on a deliberate violation in a throwaway tree."""
    cases = {
        "queries": ("Social/FollowService.swift", "struct S { func f() async throws { _ = try await AccountQueries.user(id: x, on: sql) } }\n"),
        "builder": ("Social/FollowService.swift", "struct S { func f() async throws { try await sql.select().column(\"id\").from(\"users\").all() } }\n"),
        "sql text": ("Social/FollowQueries.swift", "enum FollowQueries { static func f() { _ = \"SELECT f.id FROM follows f JOIN users u ON u.id = f.followee_id\" } }\n"),
    }
    ok = True
    for rule, (relative, source) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "Accounts"))
            with open(os.path.join(root, "Accounts", "AccountQueries.swift"), "w") as f:
                f.write("enum AccountQueries { static func user() {} }\n")
            path = os.path.join(root, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(source)
            found = check(root)
            print(f"self-test {rule}: {'caught' if found else 'MISSED'}: {found[0] if found else ''}")
            ok = ok and bool(found)
    return ok


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        sys.exit(0 if self_test() else 1)
    root = sys.argv[1] if len(sys.argv) > 1 else ROOT
    problems = check(root)
    for problem in problems:
        print(problem)
    print(f"boundaries: {len(problems)} crossing{'s' if len(problems) != 1 else ''}")
    sys.exit(1 if problems else 0)
