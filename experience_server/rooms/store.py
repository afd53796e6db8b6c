"""SQLite tables of rooms: the current template, every earlier version, and the latest
build per device profile (with the book-set fingerprint it was built from)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experience_server.database import connect
from experience_server.rooms.errors import (
    RoomExistsError,
    RoomNotFoundError,
    RoomVersionConflictError,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scene_rooms (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    template TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scene_room_versions (
    room_id TEXT NOT NULL REFERENCES scene_rooms(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    template TEXT NOT NULL,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (room_id, version)
);
CREATE TABLE IF NOT EXISTS scene_builds (
    room_id TEXT NOT NULL REFERENCES scene_rooms(id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    version INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    scene_digest TEXT NOT NULL,
    manifest TEXT NOT NULL,
    preview_digest TEXT,
    built_at REAL NOT NULL,
    PRIMARY KEY (room_id, profile)
);
CREATE TABLE IF NOT EXISTS scene_book_previews (
    model_digest TEXT PRIMARY KEY,
    preview_digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scene_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class RoomRecord:
    id: str
    version: int
    template: dict[str, Any]
    created_at: float
    updated_at: float
    updated_by: str


@dataclass(frozen=True, slots=True)
class VersionRecord:
    version: int
    template: dict[str, Any]
    created_at: float
    created_by: str


@dataclass(frozen=True, slots=True)
class BuildRecord:
    room_id: str
    profile: str
    version: int
    fingerprint: str
    scene_digest: str
    manifest: dict[str, Any]
    preview_digest: str | None
    built_at: float


class RoomStore:
    """Thread-safe: every call takes the lock, so it can run in worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def open(self) -> None:
        self._conn = connect(self.path)
        with self._lock, self._conn:
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.OperationalError("the room store is not open")
        return self._conn

    def seed_once(self, templates: Iterable[dict[str, Any]], by: str) -> int:
        """Add the shipped rooms the first time the database sees them, never again (a
        librarian may have retired them)."""
        with self._lock, self._db as db:
            if db.execute("SELECT 1 FROM scene_meta WHERE key = 'seeded'").fetchone():
                return 0
            added = 0
            now = time.time()
            for template in templates:
                exists = db.execute(
                    "SELECT 1 FROM scene_rooms WHERE id = ?", (template["id"],)
                ).fetchone()
                if not exists:
                    self._insert(db, template, by, now)
                    added += 1
            db.execute("INSERT INTO scene_meta (key, value) VALUES ('seeded', ?)", (str(now),))
            return added

    @staticmethod
    def _insert(db: sqlite3.Connection, template: dict[str, Any], by: str, now: float) -> None:
        text = json.dumps(template, ensure_ascii=False)
        db.execute(
            "INSERT INTO scene_rooms (id, version, template, created_at, updated_at, "
            "updated_by) VALUES (?, 1, ?, ?, ?, ?)",
            (template["id"], text, now, now, by),
        )
        db.execute(
            "INSERT INTO scene_room_versions (room_id, version, template, created_at, "
            "created_by) VALUES (?, 1, ?, ?, ?)",
            (template["id"], text, now, by),
        )

    def create(self, template: dict[str, Any], by: str) -> RoomRecord:
        with self._lock, self._db as db:
            try:
                self._insert(db, template, by, time.time())
            except sqlite3.IntegrityError:
                raise RoomExistsError(f"a room with id {template['id']!r} already exists") from None
        return self.get(template["id"])

    def update(
        self, room_id: str, template: dict[str, Any], by: str, expected_version: int | None
    ) -> RoomRecord:
        """Store `template` as the next version, atomically."""
        text = json.dumps(template, ensure_ascii=False)
        now = time.time()
        with self._lock, self._db as db:
            row = db.execute("SELECT version FROM scene_rooms WHERE id = ?", (room_id,)).fetchone()
            if row is None:
                raise RoomNotFoundError(f"no room {room_id!r}")
            current = int(row[0])
            if expected_version is not None and expected_version != current:
                raise RoomVersionConflictError(
                    f"room {room_id!r} is at version {current}, not {expected_version}; "
                    "reload it and apply your change again"
                )
            db.execute(
                "UPDATE scene_rooms SET version = ?, template = ?, updated_at = ?, "
                "updated_by = ? WHERE id = ?",
                (current + 1, text, now, by, room_id),
            )
            db.execute(
                "INSERT INTO scene_room_versions (room_id, version, template, "
                "created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                (room_id, current + 1, text, now, by),
            )
        return self.get(room_id)

    def get(self, room_id: str) -> RoomRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT id, version, template, created_at, updated_at, updated_by "
                "FROM scene_rooms WHERE id = ?",
                (room_id,),
            ).fetchone()
        if row is None:
            raise RoomNotFoundError(f"no room {room_id!r}")
        return RoomRecord(row[0], int(row[1]), json.loads(row[2]), row[3], row[4], row[5])

    def all(self) -> list[RoomRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, version, template, created_at, updated_at, updated_by "
                "FROM scene_rooms ORDER BY id"
            ).fetchall()
        return [RoomRecord(r[0], int(r[1]), json.loads(r[2]), r[3], r[4], r[5]) for r in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM scene_rooms").fetchone()[0])

    def versions(self, room_id: str) -> list[VersionRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT version, template, created_at, created_by FROM scene_room_versions "
                "WHERE room_id = ? ORDER BY version",
                (room_id,),
            ).fetchall()
        if not rows:
            raise RoomNotFoundError(f"no room {room_id!r}")
        return [VersionRecord(int(r[0]), json.loads(r[1]), r[2], r[3]) for r in rows]

    def get_build(self, room_id: str, profile: str) -> BuildRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT room_id, profile, version, fingerprint, scene_digest, manifest, "
                "preview_digest, built_at FROM scene_builds WHERE room_id = ? AND profile = ?",
                (room_id, profile),
            ).fetchone()
        if row is None:
            return None
        return BuildRecord(
            row[0], row[1], int(row[2]), row[3], row[4], json.loads(row[5]), row[6], row[7]
        )

    def builds(self, room_id: str) -> list[BuildRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT room_id, profile, version, fingerprint, scene_digest, manifest, "
                "preview_digest, built_at FROM scene_builds WHERE room_id = ?",
                (room_id,),
            ).fetchall()
        return [
            BuildRecord(r[0], r[1], int(r[2]), r[3], r[4], json.loads(r[5]), r[6], r[7])
            for r in rows
        ]

    def put_builds(self, builds: Iterable[BuildRecord]) -> None:
        with self._lock, self._db as db:
            db.executemany(
                "INSERT OR REPLACE INTO scene_builds (room_id, profile, version, fingerprint, "
                "scene_digest, manifest, preview_digest, built_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        b.room_id,
                        b.profile,
                        b.version,
                        b.fingerprint,
                        b.scene_digest,
                        json.dumps(b.manifest, ensure_ascii=False),
                        b.preview_digest,
                        b.built_at,
                    )
                    for b in builds
                ],
            )

    def set_preview(self, room_id: str, profile: str, scene_digest: str, preview: str) -> None:
        with self._lock, self._db as db:
            db.execute(
                "UPDATE scene_builds SET preview_digest = ? WHERE room_id = ? AND "
                "profile = ? AND scene_digest = ?",
                (preview, room_id, profile, scene_digest),
            )

    def book_preview(self, model_digest: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT preview_digest FROM scene_book_previews WHERE model_digest = ?",
                (model_digest,),
            ).fetchone()
        return None if row is None else str(row[0])

    def set_book_preview(self, model_digest: str, preview: str) -> None:
        with self._lock, self._db as db:
            db.execute(
                "INSERT OR REPLACE INTO scene_book_previews (model_digest, "
                "preview_digest) VALUES (?, ?)",
                (model_digest, preview),
            )
