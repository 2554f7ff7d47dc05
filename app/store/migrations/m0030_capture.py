"""Screen capture: shared state, exclusion rules, activity sessions, frames waiting for OCR and
retained frames.

Everything a second process must see (pause, last frame, stall, rules) lives here rather than in
memory, so `memloci capture pause` in a terminal pauses the capture running inside the app.
"""

from __future__ import annotations

from typing import Any

from app.domain import to_iso, utcnow

# (kind, pattern, note): windows that are never captured unless the person removes the rule.
DEFAULT_RULES: tuple[tuple[str, str, str], ...] = (
    ("app", "keepassxc", "password manager"),
    ("app", "keepass*", "password manager"),
    ("app", "1password", "password manager"),
    ("app", "bitwarden", "password manager"),
    ("app", "enpass", "password manager"),
    ("app", "lastpass", "password manager"),
    ("app", "dashlane", "password manager"),
    ("app", "proton*pass", "password manager"),
    ("app", "seahorse", "password and key manager"),
    ("app", "kwalletmanager*", "password manager"),
    ("app", "gcr-prompter", "password prompt"),
    ("app", "pinentry*", "password prompt"),
    ("app", "polkit*", "administrator password prompt"),
    ("app", "ssh-askpass*", "password prompt"),
    ("app", "*screensaver*", "lock screen"),
    ("app", "*screenlock*", "lock screen"),
    ("app", "i3lock", "lock screen"),
    ("app", "slock", "lock screen"),
    ("app", "xsecurelock", "lock screen"),
    ("app", "light-locker", "lock screen"),
    ("app", "kscreenlocker*", "lock screen"),
    ("app", "memloci", "Memloci itself"),
    ("app", "tor browser", "private browser"),
    ("app", "torbrowser*", "private browser"),
    ("title", "*private browsing*", "private browser window"),
    ("title", "*incognito*", "private browser window"),
    ("title", "*inprivate*", "private browser window"),
    ("title", "*(private)*", "private browser window"),
    ("title", "memloci", "Memloci itself"),
    ("title", "memloci *", "Memloci itself"),
    ("url", "about:privatebrowsing*", "private browser window"),
    ("url", "chrome://settings/passwords*", "saved passwords"),
    ("url", "about:logins*", "saved passwords"),
)


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE capture_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE capture_rules (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('app', 'title', 'url')),
            pattern TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('default', 'user')),
            created_at TEXT NOT NULL,
            UNIQUE (kind, pattern)
        )
        """
    )
    now = to_iso(utcnow())
    db.conn.executemany(
        "INSERT INTO capture_rules (kind, pattern, note, origin, created_at) "
        "VALUES (?, ?, ?, 'default', ?)",
        [(kind, pattern, note, now) for kind, pattern, note in DEFAULT_RULES],
    )
    db.execute(
        """
        CREATE TABLE capture_sessions (
            id TEXT PRIMARY KEY,
            memory_id TEXT REFERENCES memories(id) ON DELETE CASCADE,
            window_key TEXT NOT NULL,
            app TEXT NOT NULL,
            wm_class TEXT NOT NULL DEFAULT '',
            process TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            focused INTEGER NOT NULL DEFAULT 1,
            started_at TEXT NOT NULL,
            ended_at TEXT NOT NULL,
            frames INTEGER NOT NULL DEFAULT 0,
            ocr_runs INTEGER NOT NULL DEFAULT 0,
            lines TEXT NOT NULL DEFAULT '[]',
            redactions INTEGER NOT NULL DEFAULT 0,
            queued_lines INTEGER NOT NULL DEFAULT 0,
            queued_ocr_runs INTEGER NOT NULL DEFAULT 0,
            queued_at TEXT,
            record_synced_at TEXT,
            record_lines INTEGER NOT NULL DEFAULT -1,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'final')),
            owner_pid INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db["capture_sessions"].create_index(["status"], index_name="capture_sessions_status")
    db["capture_sessions"].create_index(["memory_id"], index_name="capture_sessions_memory")
    db.execute(
        """
        CREATE TABLE capture_pending (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES capture_sessions(id) ON DELETE CASCADE,
            taken_at TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('full', 'regions')),
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            image BLOB NOT NULL,
            bands TEXT NOT NULL
        )
        """
    )
    db["capture_pending"].create_index(["session_id"], index_name="capture_pending_session")
    db.execute(
        """
        CREATE TABLE capture_frames (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES capture_sessions(id) ON DELETE CASCADE,
            taken_at TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            bytes INTEGER NOT NULL
        )
        """
    )
    db["capture_frames"].create_index(["taken_at"], index_name="capture_frames_time")
    db["capture_frames"].create_index(["session_id"], index_name="capture_frames_session")
