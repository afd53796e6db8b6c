"""Reading history: which book (and page) a user opened, and when. Users are stored as
keyed hashes; events older than the retention setting are purged."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.patrons import PatronHasher

SCHEMA = """
CREATE TABLE IF NOT EXISTS history_events (
    user BLOB NOT NULL,
    book_id TEXT NOT NULL,
    page INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS history_events_user ON history_events(user, at);
CREATE INDEX IF NOT EXISTS history_events_at ON history_events(at);
"""


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    book_id: str
    page: int | None
    at: dt.datetime


class ReadingHistory:
    def __init__(self, catalog: EmbeddedCatalog, hasher: PatronHasher) -> None:
        self._catalog = catalog
        self._hash = hasher
        self._catalog.connection().executescript(SCHEMA)

    def record(
        self, user: str, book_id: str, page: int | None = None, at: float | None = None
    ) -> None:
        with self._catalog.transaction() as tx:
            tx.execute(
                "INSERT INTO history_events (user, book_id, page, at) VALUES (?, ?, ?, ?)",
                (self._hash(user), book_id, page, int(at if at is not None else time.time())),
            )

    def events(self, user: str, limit: int = 1000) -> list[HistoryEvent]:
        rows = self._catalog.connection().execute(
            "SELECT book_id, page, at FROM history_events WHERE user = ? ORDER BY at DESC LIMIT ?",
            (self._hash(user), limit),
        )
        return [
            HistoryEvent(book, page, dt.datetime.fromtimestamp(at, dt.UTC))
            for book, page, at in rows
        ]

    def export(self, user: str) -> list[dict[str, Any]]:
        return [
            {"book": e.book_id, "page": e.page, "at": e.at.isoformat()}
            for e in self.events(user, limit=1_000_000)
        ]

    def delete(self, user: str) -> int:
        with self._catalog.transaction() as tx:
            return tx.execute(
                "DELETE FROM history_events WHERE user = ?", (self._hash(user),)
            ).rowcount

    def purge(self, before: int) -> int:
        with self._catalog.transaction() as tx:
            return tx.execute("DELETE FROM history_events WHERE at < ?", (before,)).rowcount
