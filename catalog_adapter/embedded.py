"""The embedded catalog: records, identifiers and print items in SQLite, with two FTS5
indexes that `search.py` queries.

- `catalog_fts` uses the trigram tokenizer: any substring of three characters or more
  matches, which serves Latin words and Chinese/Japanese text alike, no dictionary needed.
- Trigrams cannot match one- or two-character queries, and two-character words are the
  commonest in Chinese (历史, 红楼) and Japanese (東京). `catalog_fts_short` indexes every
  CJK character and character bigram (plus every other word) as tokens for those.
"""

from __future__ import annotations

import json
import sqlite3
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymarc

from catalog_adapter.errors import InvalidQueryError, RecordNotFoundError
from catalog_adapter.licences import parse_licence
from catalog_adapter.records import (
    SEARCH_FIELDS,
    CatalogRecord,
    Identifier,
    Item,
    SearchField,
    SearchHit,
    SearchPage,
)
from catalog_adapter.search import identifier_pks, text_search
from catalog_adapter.sqlite import Connections
from catalog_adapter.text import is_cjk, normalise, query_terms, short_index_text

MAX_QUERY_CHARS = 500
MAX_QUERY_PARTS = 16
_COLUMNS = {"title": "title", "author": "authors", "subject": "subjects"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS catalog_records (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    control_number TEXT,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    subjects TEXT NOT NULL,
    call_number TEXT,
    publisher TEXT,
    year TEXT,
    language TEXT,
    summary TEXT,
    book_id TEXT,
    licence TEXT NOT NULL,
    subject_key TEXT,
    marc BLOB,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS catalog_records_book ON catalog_records(book_id);
CREATE TABLE IF NOT EXISTS catalog_identifiers (
    value TEXT NOT NULL,
    scheme TEXT NOT NULL,
    record_pk INTEGER NOT NULL REFERENCES catalog_records(pk) ON DELETE CASCADE,
    PRIMARY KEY (value, scheme, record_pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS catalog_identifiers_record ON catalog_identifiers(record_pk);
CREATE TABLE IF NOT EXISTS catalog_items (
    item_id TEXT PRIMARY KEY,
    record_pk INTEGER NOT NULL REFERENCES catalog_records(pk) ON DELETE CASCADE,
    barcode TEXT,
    library TEXT,
    location TEXT,
    call_number TEXT,
    status TEXT,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS catalog_items_record ON catalog_items(record_pk);
CREATE VIRTUAL TABLE IF NOT EXISTS catalog_fts USING fts5(
    title, authors, subjects, extra, tokenize='trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS catalog_fts_short USING fts5(
    title, authors, subjects, extra, tokenize='unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record ready to store: mapped fields, extra title forms for the index, and the
    MARC record itself (ISO 2709, UTF-8) to hand back on request."""

    record: CatalogRecord
    alternates: list[str]
    marc: bytes | None = None


def _marc_dict(blob: bytes | None) -> dict[str, Any] | None:
    """The stored ISO 2709 record as MARC-in-JSON."""
    if not blob:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        record = pymarc.Record(blob, to_unicode=True, force_utf8=True, hide_utf8_warnings=True)
    result: dict[str, Any] = record.as_dict()
    return result


class EmbeddedCatalog:
    """The default catalog adapter; also the target of MARC imports and OAI-PMH harvests."""

    def __init__(self, database: Path) -> None:
        self._conns = Connections(database)
        self._conns.get().executescript(SCHEMA)

    def close(self) -> None:
        self._conns.close()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode, for the other stores sharing the
        catalog's database (harvest state, circulation, recommendations)."""
        return self._conns.get()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conns.get()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- writing ----------------------------------------------------------------------------

    def upsert(self, records: Sequence[Prepared]) -> tuple[int, int]:
        """Insert or replace records by id, in one transaction: (new, updated)."""
        new = updated = 0
        now = time.time()
        fts: list[tuple[Any, ...]] = []
        short: list[tuple[Any, ...]] = []
        identifiers: list[tuple[str, str, int]] = []
        items: list[tuple[Any, ...]] = []
        with self.transaction() as conn:
            for prepared in records:
                record = prepared.record
                row = conn.execute(
                    "SELECT pk FROM catalog_records WHERE id = ?", (record.id,)
                ).fetchone()
                if row is None:
                    pk = self._insert(conn, prepared, now)
                    new += 1
                else:
                    pk = row[0]
                    self._update(conn, pk, prepared, now)
                    updated += 1
                columns = (
                    record.title,
                    " ; ".join(record.authors),
                    " ; ".join(record.subjects),
                    " ; ".join(
                        [*prepared.alternates, record.publisher or "", record.call_number or ""]
                    ),
                )
                # Only CJK text goes to the trigram index: other words are found through
                # the word index, and trigrams of Latin text would treble the index.
                fts.append((pk, *(normalise(c) if is_cjk(c) else "" for c in columns)))
                short.append((pk, *(short_index_text(c) for c in columns)))
                identifiers += [(i.value, i.scheme, pk) for i in record.identifiers]
                items += [
                    (
                        i.item_id,
                        pk,
                        i.barcode,
                        i.library,
                        i.location,
                        i.call_number,
                        i.status,
                        i.source,
                    )
                    for i in record.items
                ]
            conn.executemany(
                "INSERT INTO catalog_fts (rowid, title, authors, subjects, extra) "
                "VALUES (?, ?, ?, ?, ?)",
                fts,
            )
            conn.executemany(
                "INSERT INTO catalog_fts_short (rowid, title, authors, subjects, "
                "extra) VALUES (?, ?, ?, ?, ?)",
                short,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO catalog_identifiers (value, scheme, "
                "record_pk) VALUES (?, ?, ?)",
                identifiers,
            )
            conn.executemany(
                "INSERT OR REPLACE INTO catalog_items (item_id, record_pk, barcode, "
                "library, location, call_number, status, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                items,
            )
        return new, updated

    def _values(self, prepared: Prepared, now: float) -> tuple[Any, ...]:
        record = prepared.record
        return (
            record.control_number,
            record.title,
            json.dumps(record.authors, ensure_ascii=False),
            json.dumps(record.subjects, ensure_ascii=False),
            record.call_number,
            record.publisher,
            record.year,
            record.language,
            record.summary,
            record.book_id,
            record.licence,
            record.primary_subject,
            prepared.marc,
            now,
        )

    def _insert(self, conn: sqlite3.Connection, prepared: Prepared, now: float) -> int:
        cursor = conn.execute(
            "INSERT INTO catalog_records (id, control_number, title, authors, subjects, "
            "call_number, publisher, year, language, summary, book_id, licence, subject_key, "
            "marc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (prepared.record.id, *self._values(prepared, now)),
        )
        return int(cursor.lastrowid or 0)

    def _update(self, conn: sqlite3.Connection, pk: int, prepared: Prepared, now: float) -> None:
        conn.execute(
            "UPDATE catalog_records SET control_number=?, title=?, authors=?, subjects=?, "
            "call_number=?, publisher=?, year=?, language=?, summary=?, "
            "book_id=COALESCE(?, book_id), licence=?, subject_key=?, marc=?, updated_at=? "
            "WHERE pk=?",
            (*self._values(prepared, now), pk),
        )
        for table in ("catalog_fts", "catalog_fts_short"):
            conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (pk,))  # noqa: S608
        conn.execute("DELETE FROM catalog_identifiers WHERE record_pk = ?", (pk,))
        conn.execute("DELETE FROM catalog_items WHERE record_pk = ?", (pk,))

    def delete(self, ids: Iterable[str]) -> int:
        removed = 0
        with self.transaction() as conn:
            for rid in ids:
                row = conn.execute("SELECT pk FROM catalog_records WHERE id = ?", (rid,)).fetchone()
                if row is None:
                    continue
                for table in ("catalog_fts", "catalog_fts_short"):
                    conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (row[0],))  # noqa: S608
                conn.execute("DELETE FROM catalog_records WHERE pk = ?", (row[0],))
                removed += 1
        return removed

    def link_book(self, record_id: str, book_id: str | None) -> None:
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE catalog_records SET book_id = ? WHERE id = ?", (book_id, record_id)
            )
            if cursor.rowcount == 0:
                raise RecordNotFoundError(f"no catalog record {record_id!r}")

    def set_licence(self, record_id: str, licence: str) -> None:
        value = parse_licence(licence)
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE catalog_records SET licence = ? WHERE id = ?", (value, record_id)
            )
            if cursor.rowcount == 0:
                raise RecordNotFoundError(f"no catalog record {record_id!r}")

    # -- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._conns.get().execute("SELECT count(*) FROM catalog_records").fetchone()[0])

    def get(self, record_id: str) -> CatalogRecord:
        conn = self._conns.get()
        row = conn.execute("SELECT * FROM catalog_records WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no catalog record {record_id!r}")
        return self._record(conn, row)

    def for_book(self, book_id: str) -> CatalogRecord:
        conn = self._conns.get()
        row = conn.execute(
            "SELECT * FROM catalog_records WHERE book_id = ? ORDER BY pk LIMIT 1", (book_id,)
        ).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no catalog record links to book {book_id!r}")
        return self._record(conn, row)

    def for_item(self, item_id: str) -> CatalogRecord:
        """The record a print copy belongs to (by barcode / item id)."""
        conn = self._conns.get()
        row = conn.execute(
            "SELECT r.* FROM catalog_items i JOIN catalog_records r ON r.pk = i.record_pk "
            "WHERE i.item_id = ?",
            (item_id,),
        ).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no catalog item {item_id!r}")
        return self._record(conn, row)

    def items_for_record(self, record_id: str) -> list[Item] | None:
        """A record's print copies in call-number order; None when there is no such record
        (what the location service's ItemLookup port asks)."""
        conn = self._conns.get()
        pk = self.pk_for(record_id)
        if pk is None:
            return None
        rows = conn.execute(
            "SELECT item_id, barcode, library, location, call_number, status, source "
            "FROM catalog_items WHERE record_pk = ? ORDER BY call_number, item_id",
            (pk,),
        )
        return [Item(*row) for row in rows]

    def items_by_barcode(self, barcodes: Iterable[str]) -> dict[str, Item]:
        """The copies among `barcodes` that the catalog holds (unknown ones are absent)."""
        wanted = list(dict.fromkeys(barcodes))
        found: dict[str, Item] = {}
        conn = self._conns.get()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                "SELECT item_id, barcode, library, location, call_number, status, source "  # noqa: S608
                f"FROM catalog_items WHERE item_id IN ({marks})",
                chunk,
            ):
                found[row[0]] = Item(*row)
        return found

    def pk_for(self, record_id: str) -> int | None:
        row = (
            self._conns.get()
            .execute("SELECT pk FROM catalog_records WHERE id = ?", (record_id,))
            .fetchone()
        )
        return int(row[0]) if row else None

    def _record(
        self, conn: sqlite3.Connection, row: sqlite3.Row | tuple[Any, ...]
    ) -> CatalogRecord:
        (
            pk,
            rid,
            control,
            title,
            authors,
            subjects,
            call_number,
            publisher,
            year,
            language,
            summary,
            book_id,
            licence,
            _subject_key,
            marc,
            _updated,
        ) = row
        identifiers = [
            Identifier(scheme, value)
            for value, scheme in conn.execute(
                "SELECT value, scheme FROM catalog_identifiers WHERE record_pk = ? ORDER BY scheme",
                (pk,),
            )
        ]
        items = [
            Item(*item)
            for item in conn.execute(
                "SELECT item_id, barcode, library, location, call_number, status, source "
                "FROM catalog_items WHERE record_pk = ? ORDER BY rowid",
                (pk,),
            )
        ]
        return CatalogRecord(
            id=rid,
            control_number=control,
            title=title,
            authors=json.loads(authors),
            subjects=json.loads(subjects),
            identifiers=identifiers,
            call_number=call_number,
            publisher=publisher,
            year=year,
            language=language,
            summary=summary,
            book_id=book_id,
            licence=licence,
            items=items,
            marc=_marc_dict(marc),
        )

    # -- search -----------------------------------------------------------------------------

    def search(
        self, query: str, field: SearchField = "any", limit: int = 20, offset: int = 0
    ) -> SearchPage:
        if field not in SEARCH_FIELDS:
            raise InvalidQueryError(f"field must be one of {', '.join(SEARCH_FIELDS)}")
        text = query.strip()
        if not text:
            raise InvalidQueryError("the query is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidQueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        conn = self._conns.get()
        id_pks = identifier_pks(conn, text) if field in ("any", "identifier") else []
        if field == "identifier":
            return self._page(conn, query, field, id_pks, {}, limit, offset, len(id_pks))
        window = max(offset + limit - len(id_pks), 0)
        total, ranked = text_search(
            conn, query_terms(text)[:MAX_QUERY_PARTS], _COLUMNS.get(field), window
        )
        scores = dict(ranked)
        pks = list(dict.fromkeys([*id_pks, *scores]))
        total += len([pk for pk in id_pks if pk not in scores])
        return self._page(conn, query, field, pks, scores, limit, offset, total)

    @staticmethod
    def _page(
        conn: sqlite3.Connection,
        query: str,
        field: SearchField,
        pks: list[int],
        scores: dict[int, float],
        limit: int,
        offset: int,
        total: int,
    ) -> SearchPage:
        window = pks[offset : offset + limit]
        rows: dict[int, tuple[Any, ...]] = {}
        if window:
            marks = ",".join("?" * len(window))
            for row in conn.execute(
                f"SELECT pk, id, title, authors, year, book_id FROM catalog_records "  # noqa: S608
                f"WHERE pk IN ({marks})",
                window,
            ):
                rows[int(row[0])] = row
        hits = [
            SearchHit(
                id=rows[pk][1],
                title=rows[pk][2],
                authors=json.loads(rows[pk][3]),
                year=rows[pk][4],
                book_id=rows[pk][5],
                score=round(scores.get(pk, 1000.0), 4),
            )
            for pk in window
            if pk in rows
        ]
        return SearchPage(query=query, field=field, total=total, hits=hits)
