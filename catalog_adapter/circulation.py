"""Loans from the ILS: who (as a keyed hash) borrowed which record when.

Individual loans are personal data and are kept only for the retention period; every loan
also counts into an anonymous per-record, per-day total, which is what analytics read, so
purging old loans does not rewrite the library's statistics.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.patrons import PatronHasher

DAY = 86_400
_CHUNK = 20_000
_INCOMING = (
    "CREATE TEMP TABLE IF NOT EXISTS circ_incoming (patron BLOB NOT NULL, "
    "record_pk INTEGER NOT NULL, loaned_at INTEGER NOT NULL, "
    "PRIMARY KEY (patron, record_pk, loaned_at)) WITHOUT ROWID"
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS circ_loans (
    patron BLOB NOT NULL,
    record_pk INTEGER NOT NULL,
    loaned_at INTEGER NOT NULL,
    PRIMARY KEY (patron, record_pk, loaned_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS circ_loans_time ON circ_loans(loaned_at);
CREATE TABLE IF NOT EXISTS circ_daily (
    record_pk INTEGER NOT NULL,
    day INTEGER NOT NULL,
    loans INTEGER NOT NULL,
    PRIMARY KEY (record_pk, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS circ_daily_day ON circ_daily(day);
"""


_BULK_AFTER = 2000


@dataclass(slots=True)
class _Lookups:
    cache: dict[tuple[bool, str], int | None] = field(default_factory=dict)
    misses: int = 0
    complete_items: bool = False


@dataclass(frozen=True, slots=True)
class Loan:
    """One loan as the ILS exports it: the patron's id, and the item (barcode) or record."""

    patron: str
    loaned_at: dt.datetime
    item: str | None = None
    record: str | None = None


@dataclass(slots=True)
class LoanReport:
    received: int = 0
    stored: int = 0
    counted_only: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _epoch(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


class Circulation:
    """Stores loans (hashed), their daily totals, and purges loans past retention."""

    def __init__(self, catalog: EmbeddedCatalog, hasher: PatronHasher) -> None:
        self._catalog = catalog
        self._hash = hasher
        self._catalog.connection().executescript(SCHEMA)

    def _resolve(self, conn: sqlite3.Connection, loan: Loan, seen: _Lookups) -> int | None:
        """The record's pk for the loan's item (barcode) or record id. Cached per call; a
        big export names so many items that loading the whole item table once is cheaper."""
        key = (bool(loan.item), (loan.item or loan.record or "").strip())
        if key in seen.cache:
            return seen.cache[key]
        if seen.misses == _BULK_AFTER:
            seen.cache.update(
                ((True, item), pk)
                for item, pk in conn.execute("SELECT item_id, record_pk FROM catalog_items")
            )
            seen.complete_items = True
            if key in seen.cache:
                return seen.cache[key]
        seen.misses += 1
        row = None
        if loan.item and not seen.complete_items:
            row = conn.execute(
                "SELECT record_pk FROM catalog_items WHERE item_id = ?", (key[1],)
            ).fetchone()
        elif loan.record:
            row = conn.execute("SELECT pk FROM catalog_records WHERE id = ?", (key[1],)).fetchone()
        seen.cache[key] = int(row[0]) if row else None
        return seen.cache[key]

    def add_loans(
        self,
        loans: Iterable[Loan],
        *,
        not_before: int | None = None,
        expired: list[tuple[bytes, int]] | None = None,
    ) -> LoanReport:
        """Store loans; a loan already stored (same patron, record and time) is skipped, so
        re-sending an export does not count twice. Loans older than `not_before` (epoch
        seconds, the retention horizon) only count into the daily totals: they are not
        kept, so sending one of them again counts it again. Their (patron hash, record)
        pairs are appended to `expired`, for the anonymous 'also borrowed' archive."""
        report = LoanReport()
        seen = _Lookups()
        hashes: dict[str, bytes] = {}
        rows: list[tuple[bytes, int, int]] = []
        with self._catalog.transaction() as conn:
            conn.execute(_INCOMING)
            conn.execute("DELETE FROM temp.circ_incoming")
            for position, loan in enumerate(loans, start=1):
                report.received += 1
                pk = self._resolve(conn, loan, seen)
                if pk is None:
                    what = f"item {loan.item!r}" if loan.item else f"record {loan.record!r}"
                    report.rejected.append({"position": position, "reason": f"unknown {what}"})
                    continue
                patron = hashes.get(loan.patron)
                if patron is None:
                    patron = hashes[loan.patron] = self._hash(loan.patron)
                rows.append((patron, pk, _epoch(loan.loaned_at)))
                if len(rows) >= _CHUNK:
                    self._ingest(conn, rows, not_before or 0, report, expired)
            self._ingest(conn, rows, not_before or 0, report, expired)
        return report

    @staticmethod
    def _ingest(
        conn: sqlite3.Connection,
        rows: list[tuple[bytes, int, int]],
        horizon: int,
        report: LoanReport,
        expired: list[tuple[bytes, int]] | None,
    ) -> None:
        """Add a chunk in bulk: dedupe against itself and the stored loans, count the rest
        into the daily totals, keep those inside the retention period."""
        if not rows:
            return
        conn.executemany("INSERT OR IGNORE INTO temp.circ_incoming VALUES (?, ?, ?)", rows)
        conn.execute(
            "DELETE FROM temp.circ_incoming WHERE EXISTS (SELECT 1 FROM circ_loans c "
            "WHERE c.patron = circ_incoming.patron AND c.record_pk = circ_incoming.record_pk "
            "AND c.loaned_at = circ_incoming.loaned_at)"
        )
        fresh = int(conn.execute("SELECT count(*) FROM temp.circ_incoming").fetchone()[0])
        conn.execute(
            f"INSERT INTO circ_daily (record_pk, day, loans) SELECT record_pk, "  # noqa: S608
            f"loaned_at / {DAY}, count(*) FROM temp.circ_incoming WHERE true GROUP BY 1, 2 "
            "ON CONFLICT(record_pk, day) DO UPDATE SET loans = loans + excluded.loans"
        )
        if expired is not None:
            expired += conn.execute(
                "SELECT patron, record_pk FROM temp.circ_incoming WHERE loaned_at < ?",
                (horizon,),
            ).fetchall()
        kept = conn.execute(
            "INSERT INTO circ_loans (patron, record_pk, loaned_at) SELECT patron, record_pk, "
            "loaned_at FROM temp.circ_incoming WHERE loaned_at >= ?",
            (horizon,),
        ).rowcount
        conn.execute("DELETE FROM temp.circ_incoming")
        report.duplicates += len(rows) - fresh
        report.stored += kept
        report.counted_only += fresh - kept
        rows.clear()

    def expiring(self, before: int) -> list[tuple[bytes, int]]:
        """(patron hash, record) of the loans the next purge at `before` will forget."""
        rows = self._catalog.connection().execute(
            "SELECT patron, record_pk FROM circ_loans WHERE loaned_at < ?", (before,)
        )
        return [(bytes(patron), int(pk)) for patron, pk in rows]

    def purge(self, before: int) -> int:
        """Forget individual loans older than `before` (epoch seconds)."""
        with self._catalog.transaction() as conn:
            return conn.execute("DELETE FROM circ_loans WHERE loaned_at < ?", (before,)).rowcount

    def export(self, patron_id: str) -> list[dict[str, Any]]:
        rows = self._catalog.connection().execute(
            "SELECT r.id, r.title, l.loaned_at FROM circ_loans l "
            "JOIN catalog_records r ON r.pk = l.record_pk WHERE l.patron = ? "
            "ORDER BY l.loaned_at",
            (self._hash(patron_id),),
        )
        return [
            {
                "record": rid,
                "title": title,
                "loaned_at": dt.datetime.fromtimestamp(at, dt.UTC).isoformat(),
            }
            for rid, title, at in rows
        ]

    def delete(self, patron_id: str) -> int:
        with self._catalog.transaction() as conn:
            return conn.execute(
                "DELETE FROM circ_loans WHERE patron = ?", (self._hash(patron_id),)
            ).rowcount

    def count(self) -> int:
        return int(
            self._catalog.connection().execute("SELECT count(*) FROM circ_loans").fetchone()[0]
        )
