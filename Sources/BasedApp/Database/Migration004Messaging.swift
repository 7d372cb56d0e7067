/// Conversations, messages, blocks and mutes, notifications, push devices and
/// the presence of sockets across server processes.
enum Migration004Messaging {
    static let migration = Migration(version: 4, name: "messaging", statements: [
        """
        CREATE TABLE conversations (
            id {id} PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'room')),
            title TEXT,
            direct_key TEXT UNIQUE,
            subject TEXT,
            created_by {id} REFERENCES users(id) ON DELETE SET NULL,
            last_seq INTEGER NOT NULL,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        """
        CREATE TABLE conversation_members (
            conversation_id {id} NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
            joined_seq INTEGER NOT NULL,
            read_seq INTEGER NOT NULL,
            delivered_seq INTEGER NOT NULL,
            muted {bool} NOT NULL,
            joined_at {time} NOT NULL,
            PRIMARY KEY (conversation_id, user_id)
        )
        """,
        "CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id)",
        """
        CREATE TABLE attachments (
            id {id} PRIMARY KEY,
            owner_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('image', 'audio')),
            content_type TEXT NOT NULL,
            blob_hash TEXT NOT NULL,
            byte_count INTEGER NOT NULL,
            duration_seconds {real},
            created_at {time} NOT NULL
        )
        """,
        """
        CREATE TABLE messages (
            id {id} PRIMARY KEY,
            conversation_id {id} NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            sender_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            client_message_id TEXT NOT NULL,
            body TEXT,
            attachment_id {id} REFERENCES attachments(id) ON DELETE SET NULL,
            reply_to_seq INTEGER,
            reactions TEXT NOT NULL,
            edited_at {time},
            deleted_at {time},
            created_at {time} NOT NULL,
            UNIQUE (conversation_id, seq),
            UNIQUE (sender_id, client_message_id)
        )
        """,
        """
        CREATE TABLE blocks (
            blocker_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            blocked_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at {time} NOT NULL,
            PRIMARY KEY (blocker_id, blocked_id)
        )
        """,
        "CREATE INDEX blocks_blocked ON blocks (blocked_id)",
        """
        CREATE TABLE user_mutes (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            muted_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at {time} NOT NULL,
            PRIMARY KEY (user_id, muted_id)
        )
        """,
        """
        CREATE TABLE notifications (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            actor_id {id} REFERENCES users(id) ON DELETE CASCADE,
            subject_id TEXT,
            body TEXT NOT NULL,
            created_at {time} NOT NULL,
            read_at {time}
        )
        """,
        "CREATE INDEX notifications_user ON notifications (user_id, id)",
        """
        CREATE TABLE notification_settings (
            user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            disabled_in_app TEXT NOT NULL,
            disabled_push TEXT NOT NULL,
            quiet_start INTEGER,
            quiet_end INTEGER,
            time_zone TEXT,
            share_now_playing {bool} NOT NULL
        )
        """,
        """
        CREATE TABLE push_devices (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            token TEXT NOT NULL UNIQUE,
            platform TEXT NOT NULL,
            created_at {time} NOT NULL
        )
        """,
        "CREATE INDEX push_devices_user ON push_devices (user_id)",
        """
        CREATE TABLE realtime_processes (
            id {id} PRIMARY KEY,
            heartbeat_at {time} NOT NULL
        )
        """,
        """
        CREATE TABLE realtime_sockets (
            id {id} PRIMARY KEY,
            process_id {id} NOT NULL,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            away {bool} NOT NULL,
            connected_at {time} NOT NULL
        )
        """,
        "CREATE INDEX realtime_sockets_user ON realtime_sockets (user_id)",
        "CREATE INDEX realtime_sockets_process ON realtime_sockets (process_id)",
        """
        CREATE TABLE last_seen (
            user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            seen_at {time} NOT NULL
        )
        """,
    ])
}
