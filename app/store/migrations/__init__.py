"""Numbered schema migrations, applied in order, each in its own transaction.

Each migration is a module `mNNNN_name.py` in this package with an `apply(db)` function taking a
sqlite-utils `Database`. Numbers must be unique and increasing; gaps are fine (areas of the app
number their migrations in their own range). Never edit a migration that has shipped. A store
written by a newer Memloci (a number we do not know) is refused rather than damaged.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from collections.abc import Callable
from typing import Any

from app.domain import to_iso, utcnow
from app.errors import StoreTooNew
from app.store.db import Database

log = logging.getLogger(__name__)

Migration = Callable[[Any], None]
_NAME = re.compile(r"^m(\d{4})_(\w+)$")


def discover() -> list[tuple[int, str, Migration]]:
    """Every migration module of this package, by number."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if match:
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append((int(match.group(1)), match.group(2), module.apply))
    found.sort(key=lambda item: item[0])
    numbers = [n for n, _, _ in found]
    assert len(numbers) == len(set(numbers)), f"duplicate migration numbers: {numbers}"
    return found


def applied_numbers(db: Any) -> set[int]:
    if not db["_migrations"].exists():
        return set()
    return {row[0] for row in db.execute("SELECT number FROM _migrations").fetchall()}


def migrate(database: Database) -> list[str]:
    """Apply every migration this store lacks. Returns the names of those applied.

    Membership, not the highest number, decides: a migration numbered in an earlier range but
    added in a later release is still applied.
    """
    migrations = discover()
    known = {number for number, _, _ in migrations}
    with database.reading() as db:
        have = applied_numbers(db)
    unknown = have - known
    if unknown:
        raise StoreTooNew(
            f"This store was written by a newer Memloci (schema steps {sorted(unknown)} are "
            "unknown here). Update Memloci; nothing was changed."
        )
    applied: list[str] = []
    for number, name, fn in migrations:
        if number in have:
            continue  # the usual case: opening takes no write lock
        with database.write() as db:
            if not db["_migrations"].exists():
                db["_migrations"].create(
                    {"number": int, "name": str, "applied_at": str}, pk="number"
                )
            if number in applied_numbers(db):
                continue  # another process applied it meanwhile
            fn(db)
            db["_migrations"].insert(
                {"number": number, "name": name, "applied_at": to_iso(utcnow())}
            )
        log.info("applied migration %04d_%s", number, name)
        applied.append(f"{number:04d}_{name}")
    return applied
