"""Programs given access to the memory (MCP clients): a name each, a token of their own, what
they may do (read, ask, add), and the person's approval.

Tokens are shown once, when made, and kept only as a SHA-256 hash (256 random bits cannot be
guessed back from it). A client launched over stdio without a token can be approved by the
person in the desktop app the first time it connects; it is then known by its name and the
program that launched it. Revoking stops a client at its next request, in any process.
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from app.domain import from_iso, to_iso, utcnow
from app.errors import InvalidInput, NotFound
from app.store.db import Database

Permission = Literal["read", "ask", "add"]
PERMISSIONS: tuple[Permission, ...] = ("read", "ask", "add")
DEFAULT_PERMISSIONS: frozenset[Permission] = frozenset({"read", "ask"})
WHAT_EACH_ALLOWS: dict[Permission, str] = {
    "read": "search your memories, read them with their sources, see what you did when",
    "ask": "ask questions answered from your memory",
    "add": "add new memories (never to the vault)",
}
TOKEN_PREFIX = "mlc_c_"
NAME_LIMIT = 60
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per client

Status = Literal["active", "pending", "denied", "revoked"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def parse_permissions(values: Iterable[str]) -> frozenset[Permission]:
    """Permission names (any case, comma lists allowed) as a set; unknown names are refused."""
    chosen: set[Permission] = set()
    for value in values:
        for part in value.split(","):
            word = part.strip().lower()
            if not word:
                continue
            match = next((p for p in PERMISSIONS if p == word), None)
            if match is None:
                raise InvalidInput(f"Unknown permission {word!r}; use read, ask or add.")
            chosen.add(match)
    return frozenset(chosen)


def clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidInput("Give the client a name (e.g. 'Claude Desktop').")
    if len(text) > NAME_LIMIT:
        raise InvalidInput(f"A client name is limited to {NAME_LIMIT} characters.")
    if any(not ch.isprintable() for ch in text):
        raise InvalidInput("A client name must be printable text.")
    return text


@dataclass(frozen=True)
class Client:
    """One program and what it may do. `launcher` is set for clients approved over stdio
    without a token (the program that started `memloci mcp`)."""

    id: str
    name: str
    permissions: frozenset[Permission]
    status: Status
    launcher: str
    has_token: bool
    created_at: datetime
    approved_at: datetime | None = None
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None

    def may(self, permission: Permission) -> bool:
        return self.status == "active" and permission in self.permissions

    def to_dict(self) -> dict[str, str | bool | list[str] | None]:
        def moment(value: datetime | None) -> str | None:
            return to_iso(value) if value else None

        return {
            "id": self.id,
            "name": self.name,
            "permissions": [p for p in PERMISSIONS if p in self.permissions],
            "status": self.status,
            "launcher": self.launcher,
            "token": self.has_token,
            "created_at": moment(self.created_at),
            "approved_at": moment(self.approved_at),
            "last_seen_at": moment(self.last_seen_at),
            "revoked_at": moment(self.revoked_at),
        }


@dataclass(frozen=True)
class NewClient:
    """A client just made, with its token: the only time the token is available."""

    client: Client
    token: str


_COLUMNS = (
    "id, name, token_hash, permissions, status, launcher, created_at, approved_at, "
    "last_seen_at, revoked_at"
)


def _moment(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _client(row: dict[str, str | None]) -> Client:
    status = str(row["status"])
    assert status in ("active", "pending", "denied", "revoked")
    return Client(
        id=str(row["id"]),
        name=str(row["name"]),
        permissions=parse_permissions([str(row["permissions"] or "")]),
        status=status,  # type: ignore[arg-type]
        launcher=str(row["launcher"] or ""),
        has_token=bool(row["token_hash"]),
        created_at=from_iso(str(row["created_at"])),
        approved_at=_moment(row["approved_at"]),
        last_seen_at=_moment(row["last_seen_at"]),
        revoked_at=_moment(row["revoked_at"]),
    )


def _joined(permissions: Iterable[Permission]) -> str:
    chosen = set(permissions)
    return ",".join(p for p in PERMISSIONS if p in chosen)


class ClientRegistry:
    """The `api_clients` table. Every method is one short transaction or read."""

    def __init__(self, database: Database) -> None:
        self.db = database

    # -- the person's own actions (CLI, Settings → Privacy) --------------------------------------
    def add(self, name: str, permissions: Iterable[Permission] = DEFAULT_PERMISSIONS) -> NewClient:
        """A new active client with a fresh token (returned once, stored hashed)."""
        name = clean_name(name)
        chosen = frozenset(permissions)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = to_iso(utcnow())
        with self.db.write() as db:
            taken = db.conn.execute(
                "SELECT 1 FROM api_clients WHERE name = ? COLLATE NOCASE "
                "AND status IN ('active', 'pending')",
                (name,),
            ).fetchone()
            if taken is not None:
                raise InvalidInput(
                    f"There is a client {name!r} already; revoke it first or choose another name."
                )
            db.conn.execute(
                f"INSERT INTO api_clients ({_COLUMNS}) VALUES (?, ?, ?, ?, 'active', '', ?, ?, "
                "NULL, NULL)",
                (secrets.token_hex(8), name, token_hash(token), _joined(chosen), now, now),
            )
        return NewClient(self.get(name), token)

    def list(self, *, include_gone: bool = False) -> list[Client]:
        """Active and pending clients (with `include_gone`, revoked and denied ones too)."""
        where = "" if include_gone else "WHERE status IN ('active', 'pending')"
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM api_clients {where} ORDER BY name COLLATE NOCASE, created_at"
        )
        return [_client(r) for r in rows]

    def get(self, ident: str) -> Client:
        """A live client by id or by name (any case)."""
        text = " ".join((ident or "").split())
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM api_clients WHERE (id = ? OR name = ? COLLATE NOCASE) "
            "AND status IN ('active', 'pending') ORDER BY created_at DESC LIMIT 1",
            (text, text),
        )
        if not rows:
            raise NotFound(f"There is no client {text!r}; see `memloci clients list`.")
        return _client(rows[0])

    def revoke(self, ident: str) -> Client:
        """Stop a client at once: its token and its approval stop working."""
        client = self.get(ident)
        with self.db.write() as db:
            db.conn.execute(
                "UPDATE api_clients SET status = 'revoked', token_hash = NULL, revoked_at = ? "
                "WHERE id = ?",
                (to_iso(utcnow()), client.id),
            )
        return self._by_id(client.id)

    def allow(self, ident: str, permissions: Iterable[Permission]) -> Client:
        """Replace what a client may do."""
        client = self.get(ident)
        with self.db.write() as db:
            db.conn.execute(
                "UPDATE api_clients SET permissions = ? WHERE id = ?",
                (_joined(permissions), client.id),
            )
        return self._by_id(client.id)

    # -- programs asking -------------------------------------------------------------------------
    def identify(self, token: str | None) -> Client | None:
        """The active client holding `token`, else None (the hash is looked up, so the
        comparison costs the same whatever the token)."""
        if not token or not token.strip().startswith(TOKEN_PREFIX):
            return None
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM api_clients WHERE token_hash = ? AND status = 'active'",
            (token_hash(token),),
        )
        return self._seen(_client(rows[0])) if rows else None

    def launched(self, name: str, launcher: str) -> Client | None:
        """An active client approved for this name and launching program (stdio, no token)."""
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM api_clients WHERE name = ? COLLATE NOCASE AND launcher = ? "
            "AND launcher != '' AND status = 'active' AND token_hash IS NULL",
            (clean_name(name), launcher),
        )
        return self._seen(_client(rows[0])) if rows else None

    def request(self, name: str, launcher: str) -> Client:
        """A pending request for the person to approve (the same one while it waits)."""
        name = clean_name(name)
        if not launcher:
            raise InvalidInput("A request needs the program that asks.")
        with self.db.write() as db:
            row = db.conn.execute(
                "SELECT id, launcher, status FROM api_clients WHERE name = ? COLLATE NOCASE "
                "AND status IN ('active', 'pending')",
                (name,),
            ).fetchone()
            if row is not None and (row[2] == "active" or row[1] != launcher):
                raise InvalidInput(
                    f"Another program already uses the name {name!r}; give this one a name of "
                    "its own (memloci mcp --name NAME) or a token (memloci clients add NAME)."
                )
            if row is None:
                ident = secrets.token_hex(8)
                db.conn.execute(
                    f"INSERT INTO api_clients ({_COLUMNS}) VALUES (?, ?, NULL, ?, 'pending', ?, "
                    "?, NULL, NULL, NULL)",
                    (ident, name, _joined(DEFAULT_PERMISSIONS), launcher, to_iso(utcnow())),
                )
            else:
                ident = str(row[0])
        return self._by_id(ident)

    def pending(self) -> builtins.list[Client]:
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM api_clients WHERE status = 'pending' ORDER BY created_at"
        )
        return [_client(r) for r in rows]

    def decide(self, client_id: str, permissions: Iterable[Permission] | None) -> Client:
        """The person's answer to a pending request: `permissions` to approve, None to deny."""
        now = to_iso(utcnow())
        with self.db.write() as db:
            if permissions is None:
                changed = db.conn.execute(
                    "UPDATE api_clients SET status = 'denied', revoked_at = ? "
                    "WHERE id = ? AND status = 'pending'",
                    (now, client_id),
                ).rowcount
            else:
                changed = db.conn.execute(
                    "UPDATE api_clients SET status = 'active', permissions = ?, approved_at = ? "
                    "WHERE id = ? AND status = 'pending'",
                    (_joined(permissions), now, client_id),
                ).rowcount
        if not changed:
            raise NotFound("That request was answered or withdrawn already.")
        return self._by_id(client_id)

    def status_of(self, client_id: str) -> Client:
        return self._by_id(client_id)

    # -- helpers ---------------------------------------------------------------------------------
    def _by_id(self, client_id: str) -> Client:
        rows = self.db.query(f"SELECT {_COLUMNS} FROM api_clients WHERE id = ?", (client_id,))
        if not rows:
            raise NotFound("That client no longer exists.")
        return _client(rows[0])

    def _seen(self, client: Client) -> Client:
        now = utcnow()
        if client.last_seen_at is None or now - client.last_seen_at > SEEN_EVERY:
            with self.db.write() as db:
                db.conn.execute(
                    "UPDATE api_clients SET last_seen_at = ? WHERE id = ?",
                    (to_iso(now), client.id),
                )
        return client
