"""The RFID ledger in SQLite: each copy's track, tag -> item bindings, each reader's latest
report and the movement log. One transaction per batch of reads, taken with BEGIN
IMMEDIATE so two processes never interleave a read-modify-write of the same track."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from catalog_adapter.rfid import Movement, MovementKind, Read, Rules, Spot, Track, TrackState

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rfid_tags (
    tag TEXT PRIMARY KEY,
    item TEXT NOT NULL,
    bound_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rfid_tracks (
    item TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('pending', 'present', 'departed')),
    reader TEXT, antenna TEXT, since REAL, last_seen REAL,
    cand_reader TEXT, cand_antenna TEXT, cand_first REAL, cand_last REAL,
    last_read REAL
);
CREATE INDEX IF NOT EXISTS rfid_tracks_by_reader ON rfid_tracks (reader, state, last_seen);
CREATE TABLE IF NOT EXISTS rfid_readers (
    reader TEXT PRIMARY KEY,
    last_report REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rfid_movements (
    id INTEGER PRIMARY KEY,
    item TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('arrived', 'moved', 'departed')),
    at REAL NOT NULL,
    from_reader TEXT, from_antenna TEXT, to_reader TEXT, to_antenna TEXT,
    recorded_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rfid_movements_by_item ON rfid_movements (item, id);
"""

_TRACK_COLUMNS = (
    "item, state, reader, antenna, since, last_seen, cand_reader, cand_antenna, cand_first, "
    "cand_last, last_read"
)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Recorded:
    """What one batch changed: the movements it produced and how many reads were late."""

    movements: list[Movement]
    late_reads: int


def _spot(reader: Any, antenna: Any) -> Spot | None:
    return None if reader is None or antenna is None else Spot(str(reader), str(antenna))


def _track(row: Sequence[Any]) -> Track:
    return Track(
        item=row[0],
        state=cast(TrackState, row[1]),
        spot=_spot(row[2], row[3]),
        since=row[4],
        last_seen=row[5],
        candidate=_spot(row[6], row[7]),
        candidate_first=row[8],
        candidate_last=row[9],
        last_read=row[10],
    )


def _track_row(t: Track) -> tuple[Any, ...]:
    spot, cand = t.spot, t.candidate
    return (
        t.item, t.state,
        spot.reader if spot else None, spot.antenna if spot else None, t.since, t.last_seen,
        cand.reader if cand else None, cand.antenna if cand else None,
        t.candidate_first, t.candidate_last, t.last_read,
    )  # fmt: skip


def _chunks(values: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


class RfidLedger:
    """Owns the `rfid_*` tables of the embedded database file."""

    def __init__(self, path: Path, rules: Rules, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self.rules = rules
        self._clock = clock
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, timeout=10.0, check_same_thread=False,
                               isolation_level=None)  # fmt: skip
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        self._conn = conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        if self._conn is None:
            raise RuntimeError("the RFID ledger is not open")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- reading ------------------------------------------------------------------------

    def bound_items(self, tags: Collection[str]) -> dict[str, str]:
        """tag -> item for the tags already bound by an earlier read that named its item."""
        found: dict[str, str] = {}
        with self._transaction(write=False) as conn:
            for chunk in _chunks(tags):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT tag, item FROM rfid_tags WHERE tag IN ({marks})"  # noqa: S608
                rows = conn.execute(sql, chunk)
                found.update(rows)
        return found

    def tracks(self, items: Collection[str]) -> dict[str, Track]:
        with self._transaction(write=False) as conn:
            return self._load_tracks(conn, items)

    def reader_reports(self, readers: Collection[str]) -> dict[str, float]:
        """Each reader's latest report time (reader clock)."""
        found: dict[str, float] = {}
        with self._transaction(write=False) as conn:
            for chunk in _chunks(readers):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT reader, last_report FROM rfid_readers WHERE reader IN ({marks})"  # noqa: S608
                found.update(conn.execute(sql, chunk))
        return found

    def movements(self, item: str, limit: int = 50) -> list[Movement]:
        """The newest movements of one copy, newest first."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                "SELECT item, kind, at, from_reader, from_antenna, to_reader, to_antenna "
                "FROM rfid_movements WHERE item = ? ORDER BY id DESC LIMIT ?",
                (item, limit),
            ).fetchall()
        return [
            Movement(r[0], cast(MovementKind, r[1]), r[2], _spot(r[3], r[4]), _spot(r[5], r[6]))
            for r in rows
        ]

    def count(self) -> int:
        with self._transaction(write=False) as conn:
            row = conn.execute(
                "SELECT count(*) FROM rfid_tracks WHERE state = 'present'"
            ).fetchone()
        return int(row[0])

    # -- writing ------------------------------------------------------------------------

    def record(self, reads: Sequence[Read], bindings: Mapping[str, str]) -> Recorded:
        """Apply reads in time order, bind new tags, then depart what each reporting reader
        no longer sees; all in one transaction."""
        now = self._clock()
        ordered = sorted(
            reads, key=lambda read: (read.seen_at, read.spot.reader, read.spot.antenna)
        )
        with self._transaction(write=True) as conn:
            conn.executemany(
                "INSERT INTO rfid_tags (tag, item, bound_at) VALUES (?, ?, ?) "
                "ON CONFLICT (tag) DO UPDATE SET item = excluded.item, "
                "bound_at = excluded.bound_at "
                "WHERE rfid_tags.item != excluded.item",
                [(tag, item, now) for tag, item in bindings.items()],
            )
            tracks = self._load_tracks(conn, {read.item for read in reads})
            movements: list[Movement] = []
            late = 0
            for read in ordered:
                track = tracks.setdefault(read.item, Track(read.item))
                if track.is_late(read):
                    late += 1
                    continue
                movement = track.observe(read, self.rules)
                if movement is not None:
                    movements.append(movement)
            reports = self._advance_readers(conn, ordered)
            movements.extend(self._departures(conn, tracks, reports))
            conn.executemany(
                f"INSERT OR REPLACE INTO rfid_tracks ({_TRACK_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_track_row(track) for track in tracks.values()],
            )
            conn.executemany(
                "INSERT INTO rfid_movements (item, kind, at, from_reader, from_antenna, "
                "to_reader, to_antenna, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        m.item, m.kind, m.at,
                        m.origin.reader if m.origin else None,
                        m.origin.antenna if m.origin else None,
                        m.target.reader if m.target else None,
                        m.target.antenna if m.target else None,
                        now,
                    )
                    for m in movements
                ],
            )  # fmt: skip
        return Recorded(movements, late)

    def _load_tracks(self, conn: sqlite3.Connection, items: Iterable[str]) -> dict[str, Track]:
        tracks: dict[str, Track] = {}
        for chunk in _chunks(list(items)):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {_TRACK_COLUMNS} FROM rfid_tracks WHERE item IN ({marks})"  # noqa: S608
            for row in conn.execute(sql, chunk):
                track = _track(row)
                tracks[track.item] = track
        return tracks

    def _advance_readers(self, conn: sqlite3.Connection, reads: Sequence[Read]) -> dict[str, float]:
        latest: dict[str, float] = {}
        for read in reads:
            latest[read.spot.reader] = max(read.seen_at, latest.get(read.spot.reader, read.seen_at))
        conn.executemany(
            "INSERT INTO rfid_readers (reader, last_report) VALUES (?, ?) "
            "ON CONFLICT (reader) DO UPDATE SET "
            "last_report = max(last_report, excluded.last_report)",
            list(latest.items()),
        )
        reports: dict[str, float] = {}
        for chunk in _chunks(latest):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT reader, last_report FROM rfid_readers WHERE reader IN ({marks})"  # noqa: S608
            reports.update(conn.execute(sql, chunk))
        return reports

    def _departures(
        self, conn: sqlite3.Connection, tracks: dict[str, Track], reports: Mapping[str, float]
    ) -> list[Movement]:
        """Present copies at the reporting readers that those readers stopped seeing."""
        departed: list[Movement] = []
        for reader, last_report in reports.items():
            cutoff = last_report - self.rules.departure_seconds
            rows = conn.execute(
                f"SELECT {_TRACK_COLUMNS} FROM rfid_tracks "  # noqa: S608
                "WHERE reader = ? AND state = 'present' AND last_seen <= ?",
                (reader, cutoff),
            ).fetchall()
            for row in rows:
                tracks.setdefault(row[0], _track(row))
        for track in tracks.values():
            if track.spot is None or track.spot.reader not in reports:
                continue
            movement = track.depart(reports[track.spot.reader], self.rules)
            if movement is not None:
                departed.append(movement)
        return departed
