"""Query planning over the embedded catalog's FTS5 indexes.

Every part of the query must match. Chinese/Japanese parts of three characters or more go
to the trigram index (exact substring); shorter CJK parts match the character and bigram
tokens of the word index, and other words match as word prefixes there ("hist" finds
"history", "dupre" finds "Dupré").

BM25 is computed for each matching row, which costs milliseconds per thousand rows: fine
for a selective query, too slow for 中国 or "history" matching a third of a large catalog.
Counting matches is cheap, so we count first; a broad query (more than RANK_LIMIT matches)
lists title matches first (ranked by BM25 if there are few enough, else newest first),
then the other matches newest first.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from catalog_adapter.marc_mapping import normalise_identifier
from catalog_adapter.text import is_cjk, short_index_text

RANK_LIMIT = 2000
_WEIGHTS = "10.0, 4.0, 3.0, 1.0"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _word_terms(part: str) -> str:
    tokens = short_index_text(part).split()
    if not tokens:
        return _quoted(part)
    if is_cjk(part):
        pairs = [t for t in tokens if len(t) == 2 and is_cjk(t)]
        return " ".join(_quoted(t) for t in (pairs or tokens))
    return " ".join(f"{_quoted(t)}*" for t in tokens)


def expression(parts: list[str], scope: str | None, *, short: bool) -> str:
    """An FTS5 MATCH expression requiring every part, optionally in one column."""
    terms = [_word_terms(part) if short else _quoted(part) for part in parts]
    body = " AND ".join(f"({t})" for t in terms)
    return f"{{{scope}}} : ({body})" if scope else body


class _Plan:
    def __init__(self, parts: list[str], scope: str | None) -> None:
        long_parts = [p for p in parts if len(p) >= 3 and is_cjk(p)]
        short_parts = [p for p in parts if not (len(p) >= 3 and is_cjk(p))]
        self.table = "catalog_fts" if long_parts else "catalog_fts_short"
        self._main = long_parts or short_parts
        self._short_main = not long_parts
        self.filter = ""
        self.filter_params: list[Any] = []
        if long_parts and short_parts:
            self.filter = (
                " AND rowid IN (SELECT rowid FROM catalog_fts_short "
                "WHERE catalog_fts_short MATCH ?)"
            )
            self.filter_params = [expression(short_parts, scope, short=True)]

    def match(self, scope: str | None) -> str:
        return expression(self._main, scope, short=self._short_main)

    def count(self, conn: sqlite3.Connection, match: str) -> int:
        sql = f"SELECT count(*) FROM {self.table} WHERE {self.table} MATCH ?{self.filter}"  # noqa: S608
        return int(conn.execute(sql, [match, *self.filter_params]).fetchone()[0])

    def bm25(self, conn: sqlite3.Connection, match: str, limit: int) -> list[tuple[int, float]]:
        sql = (
            f"SELECT rowid, bm25({self.table}, {_WEIGHTS}) FROM {self.table} "  # noqa: S608
            f"WHERE {self.table} MATCH ?{self.filter} ORDER BY 2 LIMIT ?"
        )
        rows = conn.execute(sql, [match, *self.filter_params, limit])
        return [(int(pk), round(-float(score), 4)) for pk, score in rows]

    def newest(self, conn: sqlite3.Connection, match: str, limit: int) -> list[tuple[int, float]]:
        sql = (
            f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH ?"  # noqa: S608
            f"{self.filter} ORDER BY rowid DESC LIMIT ?"
        )
        return [(int(pk), 0.0) for (pk,) in conn.execute(sql, [match, *self.filter_params, limit])]


def text_search(
    conn: sqlite3.Connection, parts: list[str], scope: str | None, window: int
) -> tuple[int, list[tuple[int, float]]]:
    """(total matches, the first `window` (pk, score) in rank order)."""
    if not parts:
        return 0, []
    plan = _Plan(parts, scope)
    full = plan.match(scope)
    total = plan.count(conn, full)
    if total == 0 or window == 0:
        return total, []
    if total <= RANK_LIMIT:
        return total, plan.bm25(conn, full, window)
    if scope is not None:
        return total, plan.newest(conn, full, window)
    title = plan.match("title")
    in_title = plan.count(conn, title)
    first = (plan.bm25 if in_title <= RANK_LIMIT else plan.newest)(conn, title, window)
    if len(first) < window:
        first += plan.newest(conn, f"({full}) NOT ({title})", window - len(first))
    return total, first


def identifier_pks(conn: sqlite3.Connection, text: str) -> list[int]:
    """Records whose ISBN, ISSN or other identifier equals what the user typed."""
    pks: list[int] = []
    for ident in normalise_identifier(text):
        pks += [
            int(r[0])
            for r in conn.execute(
                "SELECT record_pk FROM catalog_identifiers "
                "WHERE value = ? AND scheme = ? LIMIT 100",
                (ident.value, ident.scheme),
            )
        ]
    return list(dict.fromkeys(pks))
