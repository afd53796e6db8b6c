"""The audit log: who did which librarian or admin action to what, and whether it worked.

Only ids and outcomes are kept, never reading content (no page text, no search terms, no
annotation bodies), so the log can be shown to admins and kept for as long as they like.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from experience_server.auth.roles import Principal
from experience_server.database import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: float
    user_id: str
    role: str
    action: str
    target: str
    outcome: str


class AuditLog:
    """Appends entries and reads them back newest first; one SQLite table."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)
        self._conn.execute(_SCHEMA)
        self._conn.commit()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def record(self, principal: Principal, action: str, target: str, outcome: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO audit_log (at, user_id, role, action, target, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), principal.user, principal.role.name, action, target, outcome),
            )
            self._conn.commit()

    @contextmanager
    def action(self, principal: Principal, action: str, target: str) -> Iterator[None]:
        """Record `ok` when the block completes, else the error's class name, and re-raise."""
        try:
            yield
        except BaseException as exc:
            self.record(principal, action, target, f"failed: {type(exc).__name__}")
            raise
        self.record(principal, action, target, "ok")

    def entries(self, limit: int = 100, before: int | None = None) -> list[AuditEntry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, at, user_id, role, action, target, outcome FROM audit_log"
                " WHERE id < ? ORDER BY id DESC LIMIT ?",
                (before if before is not None else 2**62, limit),
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    def count(self) -> int:
        with self._lock:
            row: tuple[int] = self._conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()
        return row[0]


__all__ = ["AuditEntry", "AuditLog"]
