"""Room documents in the embedded SQLite database: an append-only log of Yjs updates per
document, folded into a snapshot from time to time, and each room's session state.

Appends never wait: they are gathered and written in one transaction at most
`flush_interval` after the first of them, by one thread that owns the connection, so the
event loop never blocks on the disk. Loads and compactions go through the same thread in
order, so a load always sees every append made before it. A `kill -9` loses at most the
last interval, which reconnecting y-websocket clients send again (sync step 2).

Several processes may share the database (`serve --workers`): a compaction folds what is
stored (the snapshot and every logged update, whoever appended them) into the new
snapshot, so it never drops edits another process logged and this one has not seen.

With Redis, each process also marks the documents it logged updates of that Redis may not
hold durably yet (`sync_unsynced`: document, process, a sequence number), in the same
transaction as the updates; the relay clears a mark once Redis has had them long enough to
write them to disk, and hands Redis what a dead process left marked (`sync.handover`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from pycrdt import merge_updates

log = logging.getLogger("readingroom.sync")

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_documents (
    doc TEXT PRIMARY KEY,
    snapshot BLOB NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_updates_by_doc ON sync_updates (doc, id);
CREATE TABLE IF NOT EXISTS sync_sessions (
    room TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_unsynced (
    doc TEXT NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (doc, origin)
);
"""


@dataclass(frozen=True, slots=True)
class StoredDocument:
    snapshot: bytes | None
    updates: list[bytes]


@dataclass(frozen=True, slots=True)
class _Append:
    doc: str
    data: bytes


@dataclass(frozen=True, slots=True)
class _Compact:
    doc: str
    snapshot: bytes
    written: Callable[[], None] | None


@dataclass(frozen=True, slots=True)
class _SaveSession:
    room: str
    state: str


@dataclass(frozen=True, slots=True)
class _Mark:
    doc: str
    origin: str
    seq: int
    clear: bool  # False: Redis may lack updates up to seq; True: it holds them durably


_Op = _Append | _Compact | _SaveSession | _Mark


@dataclass(frozen=True, slots=True)
class Unsynced:
    """A mark: `origin` logged updates of `doc`, up to `seq`, that Redis may lack."""

    doc: str
    origin: str
    seq: int


class SessionStore:
    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        flush_interval: float,
        *,
        shared: bool = False,
    ) -> None:
        """`shared`: other processes may write the same database (scale-out), so a
        compaction folds what they logged; alone, the process's snapshot holds it all."""
        self._connect = connect
        self._interval = flush_interval
        self._shared = shared
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._ops: list[_Op] = []
        self._dirty = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self.batches_written = 0

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-store")
        await self._run(self._open_connection)
        self._flusher = asyncio.get_running_loop().create_task(self._flush_loop())

    def _open_connection(self) -> None:
        self._conn = self._connect()
        self._conn.executescript(_SCHEMA)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        if self._executor is None:
            return
        await self.flush()
        await self._run(self._close_connection)
        self._executor.shutdown(wait=True)
        self._executor = None

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _run(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise RuntimeError("the session store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    # Writes: queued here, written by the flusher.

    def append(self, doc: str, update: bytes) -> None:
        self._queue(_Append(doc, update))

    def compact(self, doc: str, snapshot: bytes, written: Callable[[], None] | None = None) -> None:
        """Replace `doc`'s log by `snapshot`, which holds every update appended so far;
        `written` is called (on the event loop) once that is on disk."""
        self._queue(_Compact(doc, snapshot, written))

    def save_session(self, room: str, state: str) -> None:
        self._queue(_SaveSession(room, state))

    def mark_unsynced(self, doc: str, origin: str, seq: int) -> None:
        """Updates of `doc` appended so far may be missing from Redis (written with them)."""
        self._queue(_Mark(doc, origin, seq, clear=False))

    def clear_unsynced(self, doc: str, origin: str, seq: int) -> None:
        """Redis holds `origin`'s updates of `doc` up to `seq` durably: forget those marks
        (a mark with a higher sequence number stays)."""
        self._queue(_Mark(doc, origin, seq, clear=True))

    def _queue(self, op: _Op) -> None:
        self._ops.append(op)
        self._dirty.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._dirty.wait()
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except sqlite3.Error:
                log.exception("writing live sessions to the database failed; will retry")
                await asyncio.sleep(1.0)

    async def flush(self) -> None:
        """Write everything queued so far."""
        self._dirty.clear()
        ops, self._ops = self._ops, []
        if not ops:
            return
        try:
            await self._run(lambda: self._write(ops))
        except sqlite3.Error:
            self._ops[:0] = ops
            self._dirty.set()
            raise
        self.batches_written += 1
        for op in ops:
            if isinstance(op, _Compact) and op.written is not None:
                op.written()

    def _write(self, ops: list[_Op]) -> None:
        conn = self._conn
        assert conn is not None
        now = time.time()
        with conn:
            # Taken at once: a compaction reads what it folds and replaces it, and no other
            # process sharing the database may write in between.
            conn.execute("BEGIN IMMEDIATE")
            appends: list[tuple[str, bytes]] = []
            marks: dict[tuple[str, str], int] = {}  # one row per document and process
            for op in ops:
                if isinstance(op, _Mark) and not op.clear:
                    key = (op.doc, op.origin)
                    marks[key] = max(op.seq, marks.get(key, 0))
                    continue
                if isinstance(op, _Append):
                    appends.append((op.doc, op.data))
                    continue
                if appends:
                    conn.executemany("INSERT INTO sync_updates (doc, data) VALUES (?, ?)", appends)
                    appends = []
                if isinstance(op, _Compact):
                    _fold(conn, op.doc, op.snapshot, now, self._shared)
                elif isinstance(op, _Mark):
                    if marks.get((op.doc, op.origin), 0) <= op.seq:
                        marks.pop((op.doc, op.origin), None)
                    conn.execute(
                        "DELETE FROM sync_unsynced WHERE doc = ? AND origin = ? AND seq <= ?",
                        (op.doc, op.origin, op.seq),
                    )
                else:
                    conn.execute(
                        "INSERT INTO sync_sessions (room, state) VALUES (?, ?) "
                        "ON CONFLICT (room) DO UPDATE SET state = excluded.state",
                        (op.room, op.state),
                    )
            if appends:
                conn.executemany("INSERT INTO sync_updates (doc, data) VALUES (?, ?)", appends)
            conn.executemany(
                "INSERT INTO sync_unsynced (doc, origin, seq) VALUES (?, ?, ?) "
                "ON CONFLICT (doc, origin) DO UPDATE SET seq = max(seq, excluded.seq)",
                [(doc, origin, seq) for (doc, origin), seq in marks.items()],
            )

    # Reads: after everything queued before them.

    async def unsynced(self) -> list[Unsynced]:
        """Every mark, of every process that shares this database."""
        await self.flush()
        return await self._run(self._unsynced)

    def _unsynced(self) -> list[Unsynced]:
        conn = self._conn
        assert conn is not None
        rows = conn.execute("SELECT doc, origin, seq FROM sync_unsynced ORDER BY doc").fetchall()
        return [Unsynced(str(doc), str(origin), int(seq)) for doc, origin, seq in rows]

    async def load_marked(self, doc: str) -> tuple[StoredDocument, list[Unsynced]]:
        """The document and its marks, read together: every update a mark stands for is in
        what is returned (marks are written with their updates)."""
        await self.flush()
        return await self._run(lambda: self._load_marked(doc))

    def _load_marked(self, doc: str) -> tuple[StoredDocument, list[Unsynced]]:
        conn = self._conn
        assert conn is not None
        with conn:
            conn.execute("BEGIN")  # one snapshot of the database for both reads
            rows = conn.execute(
                "SELECT origin, seq FROM sync_unsynced WHERE doc = ?", (doc,)
            ).fetchall()
            stored = self._load(doc)
        return stored, [Unsynced(doc, str(origin), int(seq)) for origin, seq in rows]

    async def load(self, doc: str) -> StoredDocument:
        await self.flush()
        return await self._run(lambda: self._load(doc))

    def _load(self, doc: str) -> StoredDocument:
        conn = self._conn
        assert conn is not None
        row = conn.execute("SELECT snapshot FROM sync_documents WHERE doc = ?", (doc,)).fetchone()
        updates = [
            bytes(data)
            for (data,) in conn.execute(
                "SELECT data FROM sync_updates WHERE doc = ? ORDER BY id", (doc,)
            )
        ]
        return StoredDocument(bytes(row[0]) if row else None, updates)

    def read_snapshot(self, doc: str) -> bytes | None:
        """The stored snapshot, read at once on a connection of its own (the rare path of
        rebuilding a document; the writer thread may be busy)."""
        conn = self._connect()
        try:
            row = conn.execute(
                "SELECT snapshot FROM sync_documents WHERE doc = ?", (doc,)
            ).fetchone()
        finally:
            conn.close()
        return bytes(row[0]) if row else None

    async def load_session(self, room: str) -> str | None:
        await self.flush()
        return await self._run(lambda: self._load_session(room))

    def _load_session(self, room: str) -> str | None:
        conn = self._conn
        assert conn is not None
        row = conn.execute("SELECT state FROM sync_sessions WHERE room = ?", (room,)).fetchone()
        return str(row[0]) if row else None


def _fold(conn: sqlite3.Connection, doc: str, snapshot: bytes, now: float, shared: bool) -> None:
    """Replace the document's snapshot and log by one snapshot: `snapshot`, merged when the
    database is `shared` with what is stored, since another process may have logged updates
    this one lacks (alone, the process's own snapshot already holds everything it logged)."""
    folded = snapshot
    if shared:
        stored = [
            bytes(data)
            for (data,) in conn.execute(
                "SELECT snapshot FROM sync_documents WHERE doc = ? UNION ALL "
                "SELECT data FROM (SELECT data FROM sync_updates WHERE doc = ? ORDER BY id)",
                (doc, doc),
            )
        ]
        folded = merge_updates(*stored, snapshot) if stored else snapshot
    conn.execute(
        "INSERT INTO sync_documents (doc, snapshot, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (doc) DO UPDATE SET snapshot = excluded.snapshot, "
        "updated_at = excluded.updated_at",
        (doc, folded, now),
    )
    conn.execute("DELETE FROM sync_updates WHERE doc = ?", (doc,))
