"""The books' tables in the embedded SQLite database: books, their pages, page images, the
text layer and its FTS5 index. This module owns its tables and their schema version (in
`book_schema`, since `PRAGMA user_version` belongs to the whole file).

Each thread gets its own connection: render results arrive on pool threads while requests
read on the event loop's thread, and WAL lets them overlap.

The rows name content-addressed files that books share (two books' blank pages are one
file). A file is removed only under the database's write lock once no row names it, and a
row naming a file is written only under that lock once the file is seen to exist; so a
book deleted while another (in this process or another one) records the same file can
never leave that book pointing at a removed file. A page refused that way is not
recorded, and is rendered again when it is asked for.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from book_renderer.formats import Format
from book_renderer.records import (
    Book,
    BookStatus,
    DocumentInfo,
    ImageRef,
    OutlineEntry,
    PageBox,
    PageResult,
)
from book_renderer.sizes import PageSize
from book_renderer.text import Word, fold, loads

SCHEMA_VERSION = 2
# A page's text row is `book.seq << PAGE_BITS | page`, so one book's pages are a rowid range
# that FTS5 can restrict a match to.
PAGE_BITS = 24

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE books (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        title TEXT NOT NULL,
        authors TEXT NOT NULL,
        language TEXT,
        page_count INTEGER NOT NULL,
        outline TEXT NOT NULL,
        has_text INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        pages_done INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error_message TEXT,
        model_digest TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX books_status ON books(status, created_at);
    CREATE TABLE book_pages (
        book_seq INTEGER NOT NULL REFERENCES books(seq) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        width_pt REAL NOT NULL,
        height_pt REAL NOT NULL,
        words TEXT,
        PRIMARY KEY (book_seq, n)
    ) WITHOUT ROWID;
    CREATE TABLE book_images (
        book_seq INTEGER NOT NULL REFERENCES books(seq) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        size TEXT NOT NULL,
        digest TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (book_seq, n, size)
    ) WITHOUT ROWID;
    CREATE INDEX book_images_digest ON book_images(digest);
    CREATE TABLE book_text (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL);
    CREATE VIRTUAL TABLE book_text_fts USING fts5(
        body, content='book_text', content_rowid='rowid', tokenize='trigram'
    );
    CREATE TRIGGER book_text_ai AFTER INSERT ON book_text BEGIN
        INSERT INTO book_text_fts(rowid, body) VALUES (new.rowid, new.body);
    END;
    CREATE TRIGGER book_text_ad AFTER DELETE ON book_text BEGIN
        INSERT INTO book_text_fts(book_text_fts, rowid, body)
        VALUES ('delete', old.rowid, old.body);
    END;
    """,
    # Which process renders a book left `rendering`, until when (renewed while it lives).
    2: """
    CREATE TABLE book_claims (
        book_seq INTEGER PRIMARY KEY REFERENCES books(seq) ON DELETE CASCADE,
        owner TEXT NOT NULL,
        until REAL NOT NULL
    ) WITHOUT ROWID;
    """,
}


@dataclass(frozen=True, slots=True)
class Claim:
    """A process's hold on the books it renders: who, and until when (epoch seconds)."""

    owner: str
    until: float


class BookExistsError(Exception):
    """Another ingest of the same file got there first."""


def _statements(script: str) -> list[str]:
    """Split a migration into statements (triggers hold semicolons of their own)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [statement for statement in out if statement.strip(" ;\n")]


def text_rowid(seq: int, number: int) -> int:
    return (seq << PAGE_BITS) | number


def _book(row: Sequence[Any]) -> Book:
    outline = tuple(OutlineEntry(int(e[0]), str(e[1]), int(e[2])) for e in json.loads(row[10]))
    return Book(
        id=row[0],
        seq=row[1],
        sha256=row[2],
        format=Format(row[3]),
        filename=row[4],
        bytes=row[5],
        title=row[6],
        authors=tuple(json.loads(row[7])),
        language=row[8],
        page_count=row[9],
        outline=outline,
        has_text=bool(row[11]),
        status=BookStatus(row[12]),
        pages_done=row[13],
        error_code=row[14],
        error_message=row[15],
        model_digest=row[16],
        created_at=row[17],
        updated_at=row[18],
    )


class StoredFiles(Protocol):
    """The files the rows name, by digest (`assets.store.AssetStore`)."""

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> bool: ...


class BookRepository:
    def __init__(self, connect: Callable[[], sqlite3.Connection], files: StoredFiles) -> None:
        self._connect = connect
        self._files = files
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    # connections and schema ------------------------------------------------------------

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.create_function("rr_fold", 1, fold, deterministic=True)
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def migrate(self) -> None:
        """Apply missing migrations in one IMMEDIATE transaction, so a CLI and a server
        starting together never both try."""
        conn = self._conn
        conn.execute("CREATE TABLE IF NOT EXISTS book_schema (version INTEGER NOT NULL)")
        conn.commit()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT version FROM book_schema").fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the books tables are at schema {current}, newer than this code "
                    f"({SCHEMA_VERSION}); upgrade readingroom"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _statements(_MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute("DELETE FROM book_schema")
                conn.execute("INSERT INTO book_schema (version) VALUES (?)", (version,))
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that holds the write lock from its first statement, so a
        check made at its start still holds at its end (a page stored by a render thread
        cannot slip between a purge's read of the book's images and its deletes)."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    # books -----------------------------------------------------------------------------

    # Column lists are spelled out in each query (no string building around SQL).
    def find(self, book_id: str) -> Book | None:
        row = self._conn.execute(
            "SELECT id, seq, sha256, format, filename, bytes, title, authors, language, "
            "page_count, outline, has_text, status, pages_done, error_code, error_message, "
            "model_digest, created_at, updated_at FROM books WHERE id = ?",
            (book_id,),
        ).fetchone()
        return _book(row) if row else None

    def list_books(self, limit: int, offset: int) -> list[Book]:
        """Books ready or rendering (refused ones are only found by id), newest first."""
        rows = self._conn.execute(
            "SELECT id, seq, sha256, format, filename, bytes, title, authors, language, "
            "page_count, outline, has_text, status, pages_done, error_code, error_message, "
            "model_digest, created_at, updated_at FROM books WHERE status != 'failed' "
            "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [_book(row) for row in rows]

    def count(self) -> int:
        row = self._conn.execute("SELECT count(*) FROM books WHERE status != 'failed'").fetchone()
        return int(row[0])

    def insert(
        self,
        book_id: str,
        sha256: str,
        filename: str,
        size: int,
        info: DocumentInfo,
        claim: Claim,
    ) -> Book:
        """A new book, `rendering` and claimed by the caller in the same transaction (so no
        other process takes it for an orphan before its renderer starts)."""
        now = time.time()
        outline = json.dumps([[e.level, e.title, e.page] for e in info.outline], ensure_ascii=False)
        conn = self._conn
        try:
            with conn:
                cursor = conn.execute(
                    "INSERT INTO books (id, sha256, format, filename, bytes, title, authors, "
                    "language, page_count, outline, status, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        book_id,
                        sha256,
                        info.format.value,
                        filename,
                        size,
                        info.title,
                        json.dumps(list(info.authors), ensure_ascii=False),
                        info.language,
                        info.page_count,
                        outline,
                        BookStatus.rendering.value,
                        now,
                        now,
                    ),
                )
                seq = int(cursor.lastrowid or 0)
                conn.executemany(
                    "INSERT INTO book_pages (book_seq, n, width_pt, height_pt) VALUES (?, ?, ?, ?)",
                    (
                        (seq, n, box.width_pt, box.height_pt)
                        for n, box in enumerate(info.pages, start=1)
                    ),
                )
                conn.execute(
                    "INSERT INTO book_claims (book_seq, owner, until) VALUES (?, ?, ?)",
                    (seq, claim.owner, claim.until),
                )
        except sqlite3.IntegrityError:
            raise BookExistsError(book_id) from None
        book = self.find(book_id)
        assert book is not None
        return book

    def set_status(
        self, seq: int, status: BookStatus, error: tuple[str, str] | None = None
    ) -> None:
        code, message = error if error else (None, None)
        with self._conn as conn:
            conn.execute(
                "UPDATE books SET status = ?, error_code = ?, error_message = ?, "
                "updated_at = ? WHERE seq = ?",
                (status.value, code, message, time.time(), seq),
            )

    def set_model(self, seq: int, digest: str) -> bool:
        """False when the book is gone or refused meanwhile (the caller discards the file),
        or the file was removed meanwhile (built again when asked for)."""
        with self._writing() as conn:
            if not self._files.exists(digest):
                return False
            cursor = conn.execute(
                "UPDATE books SET model_digest = ?, updated_at = ? "
                "WHERE seq = ? AND status != 'failed'",
                (digest, time.time(), seq),
            )
            return cursor.rowcount > 0

    # pages ---------------------------------------------------------------------------------

    def pages(self, seq: int) -> list[PageBox]:
        rows = self._conn.execute(
            "SELECT width_pt, height_pt FROM book_pages WHERE book_seq = ? ORDER BY n", (seq,)
        ).fetchall()
        return [PageBox(float(w), float(h)) for w, h in rows]

    def page(self, seq: int, number: int) -> PageBox | None:
        row = self._conn.execute(
            "SELECT width_pt, height_pt FROM book_pages WHERE book_seq = ? AND n = ?", (seq, number)
        ).fetchone()
        return PageBox(float(row[0]), float(row[1])) if row else None

    def image(self, seq: int, number: int, size: PageSize) -> ImageRef | None:
        row = self._conn.execute(
            "SELECT digest, width, height, bytes FROM book_images "
            "WHERE book_seq = ? AND n = ? AND size = ?",
            (seq, number, size.value),
        ).fetchone()
        return ImageRef(row[0], row[1], row[2], row[3]) if row else None

    def images(self, seq: int) -> dict[int, dict[PageSize, ImageRef]]:
        out: dict[int, dict[PageSize, ImageRef]] = {}
        for n, size, digest, width, height, size_bytes in self._conn.execute(
            "SELECT n, size, digest, width, height, bytes FROM book_images WHERE book_seq = ?",
            (seq,),
        ):
            out.setdefault(n, {})[PageSize(size)] = ImageRef(digest, width, height, size_bytes)
        return out

    def numbers_with(self, seq: int, size: PageSize) -> set[int]:
        rows = self._conn.execute(
            "SELECT n FROM book_images WHERE book_seq = ? AND size = ?", (seq, size.value)
        )
        return {int(row[0]) for row in rows}

    def store_image(self, seq: int, number: int, size: PageSize, ref: ImageRef) -> bool:
        """False when the book is gone or refused meanwhile (the caller discards the file),
        or the file was removed meanwhile (rendered again when asked for)."""
        with self._writing() as conn:
            if not self._files.exists(ref.digest):
                return False
            cursor = conn.execute(
                "INSERT OR REPLACE INTO book_images (book_seq, n, size, digest, width, height, "
                "bytes) SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM books WHERE seq = ? AND status != 'failed')",
                (seq, number, size.value, ref.digest, ref.width, ref.height, ref.bytes, seq),
            )
            return cursor.rowcount > 0

    def store_pages(self, seq: int, results: Sequence[PageResult]) -> int | None:
        """Images, words and searchable text of rendered pages, in one transaction; returns
        how many pages of the book are done (None: the book is gone or was refused). A page
        with an image file removed meanwhile is left out (rendered again when asked for)."""
        with self._writing() as conn:
            if (
                conn.execute(
                    "SELECT 1 FROM books WHERE seq = ? AND status != 'failed'", (seq,)
                ).fetchone()
                is None
            ):
                return None
            results = [
                r for r in results if all(self._files.exists(i.digest) for i in r.images.values())
            ]
            conn.executemany(
                "INSERT OR REPLACE INTO book_images (book_seq, n, size, digest, width, height, "
                "bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (seq, r.number, size.value, ref.digest, ref.width, ref.height, ref.bytes)
                    for r in results
                    for size, ref in r.images.items()
                ],
            )
            with_words = [r for r in results if r.words_json is not None]
            conn.executemany(
                "UPDATE book_pages SET words = ? WHERE book_seq = ? AND n = ?",
                [(r.words_json, seq, r.number) for r in with_words],
            )
            texts = [(text_rowid(seq, r.number), r.text) for r in with_words if r.text]
            conn.executemany("DELETE FROM book_text WHERE rowid = ?", [(t[0],) for t in texts])
            conn.executemany("INSERT INTO book_text (rowid, body) VALUES (?, ?)", texts)
            done = int(
                conn.execute(
                    "SELECT count(*) FROM book_images WHERE book_seq = ? AND size = ?",
                    (seq, PageSize.medium.value),
                ).fetchone()[0]
            )
            conn.execute(
                "UPDATE books SET pages_done = ?, has_text = has_text OR ?, updated_at = ? "
                "WHERE seq = ?",
                (done, 1 if texts else 0, time.time(), seq),
            )
        return done

    def words(self, seq: int, number: int) -> list[Word] | None:
        row = self._conn.execute(
            "SELECT words FROM book_pages WHERE book_seq = ? AND n = ?", (seq, number)
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return loads(row[0])

    # search ----------------------------------------------------------------------------

    def match_pages(self, seq: int, fts_query: str) -> list[tuple[int, str]]:
        rows = self._conn.execute(
            "SELECT rowid, body FROM book_text_fts WHERE book_text_fts MATCH ? "
            "AND rowid BETWEEN ? AND ? ORDER BY rowid",
            (fts_query, text_rowid(seq, 0), text_rowid(seq, (1 << PAGE_BITS) - 1)),
        ).fetchall()
        mask = (1 << PAGE_BITS) - 1
        return [(int(rowid) & mask, str(body)) for rowid, body in rows]

    def scan_pages(self, seq: int, needle: str) -> list[tuple[int, str]]:
        """Pages containing `needle` (already folded): for queries too short for trigrams."""
        rows = self._conn.execute(
            "SELECT rowid, body FROM book_text WHERE rowid BETWEEN ? AND ? "
            "AND instr(rr_fold(body), ?) > 0 ORDER BY rowid",
            (text_rowid(seq, 0), text_rowid(seq, (1 << PAGE_BITS) - 1), needle),
        ).fetchall()
        mask = (1 << PAGE_BITS) - 1
        return [(int(rowid) & mask, str(body)) for rowid, body in rows]

    # render claims -----------------------------------------------------------------------
    # A book left `rendering` is rendered by one process: the holder of its claim. A claim
    # lapses unless renewed, so the books of a process that died are taken over by another.

    def claim(self, seq: int, claim: Claim, now: float) -> bool:
        """Take (or renew) a rendering book's claim unless another holder's is still live."""
        with self._writing() as conn:
            cursor = conn.execute(
                "INSERT INTO book_claims (book_seq, owner, until) SELECT ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM books WHERE seq = ? AND status = 'rendering') "
                "ON CONFLICT (book_seq) DO UPDATE SET owner = excluded.owner, "
                "until = excluded.until "
                "WHERE book_claims.owner = excluded.owner OR book_claims.until < ?",
                (seq, claim.owner, claim.until, seq, now),
            )
            return cursor.rowcount > 0

    def renew_claims(self, claim: Claim) -> None:
        with self._conn as conn:
            conn.execute(
                "UPDATE book_claims SET until = ? WHERE owner = ?", (claim.until, claim.owner)
            )

    def release_claims(self, owner: str, seq: int | None = None) -> None:
        """Drop the owner's claims (one book's, or all of them)."""
        with self._conn as conn:
            if seq is None:
                conn.execute("DELETE FROM book_claims WHERE owner = ?", (owner,))
            else:
                conn.execute(
                    "DELETE FROM book_claims WHERE owner = ? AND book_seq = ?", (owner, seq)
                )

    def unclaimed_rendering(self, now: float) -> list[Book]:
        """Books still `rendering` whose claim is missing or has lapsed."""
        rows = self._conn.execute(
            "SELECT id, seq, sha256, format, filename, bytes, title, authors, language, "
            "page_count, outline, has_text, status, pages_done, error_code, error_message, "
            "model_digest, created_at, updated_at FROM books WHERE status = 'rendering' "
            "AND NOT EXISTS (SELECT 1 FROM book_claims "
            "WHERE book_claims.book_seq = books.seq AND until >= ?) "
            "ORDER BY seq",
            (now,),
        ).fetchall()
        return [_book(row) for row in rows]

    # removal -------------------------------------------------------------------------------

    def purge(
        self,
        seq: int,
        keep_row: tuple[str, str] | None = None,
        keep_files: frozenset[str] = frozenset(),
    ) -> set[str]:
        """Remove a book's pages, images and text (and the book row, unless `keep_row` gives
        the error to keep it under as failed), and the files nothing names now except
        `keep_files` (a source being ingested again). Returns the removed digests.

        The files go before the commit, under the write lock (see the module's docstring);
        should the commit then fail, the book's rows stay, naming removed files: a book
        being deleted or refused, whose pages are rendered again if it is ever read."""
        with self._writing() as conn:
            row = conn.execute(
                "SELECT sha256, model_digest FROM books WHERE seq = ?", (seq,)
            ).fetchone()
            if row is None:
                return set()
            digests = {
                str(d)
                for (d,) in conn.execute(
                    "SELECT DISTINCT digest FROM book_images WHERE book_seq = ?", (seq,)
                )
            }
            digests.add(str(row[0]))
            if row[1]:
                digests.add(str(row[1]))
            conn.execute(
                "DELETE FROM book_text WHERE rowid BETWEEN ? AND ?",
                (text_rowid(seq, 0), text_rowid(seq, (1 << PAGE_BITS) - 1)),
            )
            conn.execute("DELETE FROM book_images WHERE book_seq = ?", (seq,))
            conn.execute("DELETE FROM book_pages WHERE book_seq = ?", (seq,))
            if keep_row is None:
                conn.execute("DELETE FROM books WHERE seq = ?", (seq,))
            else:
                conn.execute(
                    "UPDATE books SET status = ?, error_code = ?, error_message = ?, "
                    "model_digest = NULL, pages_done = 0, has_text = 0, updated_at = ? "
                    "WHERE seq = ?",
                    (BookStatus.failed.value, keep_row[0], keep_row[1], time.time(), seq),
                )
            removed = {d for d in digests - keep_files if not self._referenced(conn, d)}
            for digest in removed:
                self._files.delete(digest)
            return removed

    def discard(self, digest: str) -> bool:
        """Remove a file no row names (one made for a book deleted or refused meanwhile, or
        an abandoned ingest's); True when it went."""
        with self._writing() as conn:
            if self._referenced(conn, digest):
                return False
            return self._files.delete(digest)

    @staticmethod
    def _referenced(conn: sqlite3.Connection, digest: str) -> bool:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM book_images WHERE digest = ?) OR EXISTS "
            "(SELECT 1 FROM books WHERE (sha256 = ? AND status != 'failed') "
            "OR model_digest = ?)",
            (digest, digest, digest),
        ).fetchone()
        return bool(row[0])
