"""The embedded SQLite database file: one per data directory, in WAL mode so readers never
wait on the writer. Packages open their own connections to it and own their tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the pragmas every user of the database relies on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class Database:
    """Holds the path and a health-check connection; built in the lifespan."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def open(self) -> None:
        self._conn = connect(self.path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def ping(self) -> None:
        if self._conn is None:
            raise sqlite3.OperationalError("database is not open")
        self._conn.execute("SELECT 1").fetchone()
