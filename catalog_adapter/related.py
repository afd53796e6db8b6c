"""Related documents by content: BM25 over each book's text.

A book's text (its text layer, plus the catalog's title, subjects and summary) becomes
terms (words, and character bigrams for Chinese and Japanese, see `text.terms`); the most
frequent terms are stored as postings. To find books related to one, its most distinctive
terms (tf x idf) form a query that BM25 scores against every other book.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from dataclasses import dataclass

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.text import terms

SCHEMA = """
CREATE TABLE IF NOT EXISTS reco_docs (
    book_id TEXT PRIMARY KEY,
    length INTEGER NOT NULL,
    digest TEXT NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reco_postings (
    term TEXT NOT NULL,
    book_id TEXT NOT NULL,
    tf INTEGER NOT NULL,
    PRIMARY KEY (term, book_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reco_postings_book ON reco_postings(book_id);
"""
MAX_TERMS_PER_BOOK = 1500
QUERY_TERMS = 40
K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class RelatedBook:
    book_id: str
    score: float


class ContentIndex:
    def __init__(self, catalog: EmbeddedCatalog) -> None:
        self._catalog = catalog
        self._catalog.connection().executescript(SCHEMA)

    def index(self, book_id: str, text: str) -> bool:
        """(Re)index a book's text; False when it is unchanged since the last time."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        conn = self._catalog.connection()
        row = conn.execute("SELECT digest FROM reco_docs WHERE book_id = ?", (book_id,)).fetchone()
        if row is not None and row[0] == digest:
            return False
        counts = Counter(terms(text))
        kept = counts.most_common(MAX_TERMS_PER_BOOK)
        with self._catalog.transaction() as tx:
            tx.execute("DELETE FROM reco_postings WHERE book_id = ?", (book_id,))
            tx.executemany(
                "INSERT INTO reco_postings (term, book_id, tf) VALUES (?, ?, ?)",
                [(term, book_id, tf) for term, tf in kept],
            )
            tx.execute(
                "INSERT OR REPLACE INTO reco_docs (book_id, length, digest, indexed_at) "
                "VALUES (?, ?, ?, ?)",
                (book_id, sum(counts.values()), digest, time.time()),
            )
        return True

    def remove(self, book_id: str) -> None:
        with self._catalog.transaction() as tx:
            tx.execute("DELETE FROM reco_postings WHERE book_id = ?", (book_id,))
            tx.execute("DELETE FROM reco_docs WHERE book_id = ?", (book_id,))

    def indexed(self, book_id: str) -> bool:
        return (
            self._catalog.connection()
            .execute("SELECT 1 FROM reco_docs WHERE book_id = ?", (book_id,))
            .fetchone()
            is not None
        )

    def related(self, book_id: str, limit: int = 10) -> list[RelatedBook]:
        conn = self._catalog.connection()
        docs, total_length = conn.execute(
            "SELECT count(*), coalesce(sum(length), 0) FROM reco_docs"
        ).fetchone()
        if docs < 2:
            return []
        average = max(total_length / docs, 1.0)
        own = conn.execute(
            "SELECT term, tf FROM reco_postings WHERE book_id = ?", (book_id,)
        ).fetchall()
        if not own:
            return []
        marks = ",".join("?" * len(own))
        df = dict(
            conn.execute(
                f"SELECT term, count(*) FROM reco_postings WHERE term IN ({marks}) "  # noqa: S608
                "GROUP BY term",
                [t for t, _ in own],
            ).fetchall()
        )

        def idf(term: str) -> float:
            n = df.get(term, 1)
            return math.log(1 + (docs - n + 0.5) / (n + 0.5))

        query = sorted(own, key=lambda tt: tt[1] * idf(tt[0]), reverse=True)[:QUERY_TERMS]
        weights = {term: idf(term) for term, _ in query}
        marks = ",".join("?" * len(query))
        scores: dict[str, float] = {}
        for term, other, tf, length in conn.execute(
            "SELECT p.term, p.book_id, p.tf, d.length FROM reco_postings p "  # noqa: S608
            f"JOIN reco_docs d ON d.book_id = p.book_id WHERE p.term IN ({marks}) "
            "AND p.book_id != ?",
            [*weights, book_id],
        ):
            norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
            scores[other] = scores.get(other, 0.0) + weights[term] * norm
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [RelatedBook(book, round(score, 4)) for book, score in ranked if score > 0]
