"""'Readers who borrowed this also borrowed', with k-anonymity.

A pair of records is kept only when at least k distinct patrons borrowed both, so no
recommendation can point at what one or a few people read. Pairs are counted with numpy:
each patron's distinct records form a row, every row of the same length is expanded into
its upper-triangle pairs in one vectorised step, and np.unique counts the pairs.

Loans past the retention period are forgotten, but what they taught is not: before they
go, their pairs are counted the same way and those made by at least k patrons are added
to an anonymous archive (record, record, count). Each archived count met k on its own, so
adding archives to the live count never shows a pair fewer than k patrons made.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from catalog_adapter.embedded import EmbeddedCatalog

SCHEMA = """
CREATE TABLE IF NOT EXISTS reco_pairs (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    patrons INTEGER NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reco_pairs_archive (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    patrons INTEGER NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reco_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
MAX_RECORDS_PER_PATRON = 200

Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BuildReport:
    loans: int
    patrons: int
    pairs_counted: int
    pairs_kept: int
    k: int
    seconds: float


@dataclass(frozen=True, slots=True)
class AlsoBorrowed:
    record_id: str
    title: str
    book_id: str | None
    patrons: int


def count_pairs(
    patrons: Int64Array, records: Int64Array, max_per_patron: int = MAX_RECORDS_PER_PATRON
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """(a, b, distinct patrons) for every record pair borrowed by one patron, a < b.

    `patrons` and `records` are parallel arrays, one entry per loan (duplicates allowed).
    A patron with more than `max_per_patron` distinct records contributes their first
    `max_per_patron` only, which bounds the quadratic blow-up of very heavy borrowers."""
    empty = np.empty(0, dtype=np.int64)
    if patrons.size == 0:
        return empty, empty, empty
    span = int(records.max()) + 1
    keys = np.unique(patrons.astype(np.int64) * span + records.astype(np.int64))
    owner = keys // span
    item = keys % span
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    sizes = np.diff(np.r_[starts, owner.size])
    sizes = np.minimum(sizes, max_per_patron)
    chunks: list[Int64Array] = []
    for size in np.unique(sizes):
        if size < 2:
            continue
        group = starts[sizes == size]
        rows = item[group[:, None] + np.arange(size)]
        upper, lower = np.triu_indices(int(size), k=1)
        chunks.append((rows[:, upper] * span + rows[:, lower]).ravel())
    if not chunks:
        return empty, empty, empty
    pair_keys, counts = np.unique(np.concatenate(chunks), return_counts=True)
    return pair_keys // span, pair_keys % span, counts.astype(np.int64)


class AlsoBorrowedIndex:
    """Builds and answers the k-anonymous co-borrowing table from stored loans."""

    def __init__(self, catalog: EmbeddedCatalog) -> None:
        self._catalog = catalog
        self._catalog.connection().executescript(SCHEMA)

    @staticmethod
    def _pairs(rows: list[tuple[bytes, int]]) -> tuple[Int64Array, Int64Array, Int64Array, int]:
        if not rows:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty, 0
        patron_bytes = np.array([bytes(r[0]) for r in rows], dtype="S16")
        records = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        _, patrons = np.unique(patron_bytes, return_inverse=True)
        a, b, counts = count_pairs(patrons.astype(np.int64).ravel(), records)
        return a, b, counts, int(patrons.max()) + 1

    def fold(self, rows: list[tuple[bytes, int]], k: int) -> int:
        """Archive the pairs of loans about to be forgotten (only those made by k or more
        patrons); the number of pairs archived."""
        a, b, counts, _ = self._pairs(rows)
        keep = counts >= k
        with self._catalog.transaction() as tx:
            tx.executemany(
                "INSERT INTO reco_pairs_archive (a, b, patrons) VALUES (?, ?, ?) "
                "ON CONFLICT(a, b) DO UPDATE SET patrons = patrons + excluded.patrons",
                zip(a[keep].tolist(), b[keep].tolist(), counts[keep].tolist(), strict=True),
            )
        return int(keep.sum())

    def build(self, k: int, *, since: int | None = None) -> BuildReport:
        started = time.perf_counter()
        conn = self._catalog.connection()
        sql = "SELECT patron, record_pk FROM circ_loans"
        params: tuple[int, ...] = ()
        if since is not None:
            sql += " WHERE loaned_at >= ?"
            params = (since,)
        rows = conn.execute(sql, params).fetchall()
        a, b, counts, patron_count = self._pairs(rows)
        keep = counts >= k
        totals = dict(
            zip(
                zip(a[keep].tolist(), b[keep].tolist(), strict=True),
                counts[keep].tolist(),
                strict=True,
            )
        )
        for pa, pb, n in conn.execute("SELECT a, b, patrons FROM reco_pairs_archive"):
            totals[(pa, pb)] = totals.get((pa, pb), 0) + n
        pairs = [(pa, pb, n) for (pa, pb), n in totals.items() if n >= k]
        with self._catalog.transaction() as tx:
            tx.execute("DELETE FROM reco_pairs")
            tx.executemany("INSERT INTO reco_pairs (a, b, patrons) VALUES (?, ?, ?)", pairs)
            tx.executemany(
                "INSERT INTO reco_pairs (a, b, patrons) VALUES (?, ?, ?)",
                [(pb, pa, n) for pa, pb, n in pairs],
            )
            tx.execute("INSERT OR REPLACE INTO reco_meta (key, value) VALUES ('k', ?)", (str(k),))
            tx.execute(
                "INSERT OR REPLACE INTO reco_meta (key, value) VALUES ('built_at', ?)",
                (str(int(time.time())),),
            )
        return BuildReport(
            loans=len(rows),
            patrons=patron_count,
            pairs_counted=int(a.size),
            pairs_kept=len(pairs),
            k=k,
            seconds=round(time.perf_counter() - started, 3),
        )

    def for_record(self, record_pk: int, k: int, limit: int = 10) -> list[AlsoBorrowed]:
        """Records borrowed together with this one by at least k patrons (k is checked
        again here, so raising the setting takes effect before the next build)."""
        rows = self._catalog.connection().execute(
            "SELECT r.id, r.title, r.book_id, p.patrons FROM reco_pairs p "
            "JOIN catalog_records r ON r.pk = p.b WHERE p.a = ? AND p.patrons >= ? "
            "ORDER BY p.patrons DESC, r.pk LIMIT ?",
            (record_pk, k, limit),
        )
        return [AlsoBorrowed(rid, title, book, int(n)) for rid, title, book, n in rows]
