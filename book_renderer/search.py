"""Search inside a book: FTS5's trigram index finds candidate pages (so Chinese and Japanese
substrings match anywhere, with no word segmentation), queries of one or two characters,
too short for trigrams, scan the book's own pages; then each hit is located in the page's
text and turned into a snippet and word boxes."""

from __future__ import annotations

from dataclasses import dataclass

from book_renderer.errors import InvalidQueryError
from book_renderer.repository import BookRepository
from book_renderer.text import assemble, boxes_for, fold, query_pattern

MAX_QUERY_CHARS = 200
_MIN_TRIGRAM = 3
_BEFORE, _AFTER = 40, 60
_MAX_MATCHES_PER_PAGE = 50

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class SearchMatch:
    text: str
    boxes: list[Box]


@dataclass(frozen=True, slots=True)
class SearchHit:
    page: int
    snippet: str
    matches: list[SearchMatch]


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    total_pages: int
    hits: list[SearchHit]


def clean_query(query: str) -> str:
    cleaned = " ".join(query.split())
    if not cleaned:
        raise InvalidQueryError("the search query is empty")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise InvalidQueryError(f"the search query is longer than {MAX_QUERY_CHARS} characters")
    return cleaned


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search_book(repo: BookRepository, seq: int, query: str, limit: int) -> SearchResult:
    cleaned = clean_query(query)
    terms = cleaned.split()
    long_terms = [term for term in terms if len(term) >= _MIN_TRIGRAM]
    if long_terms:
        candidates = repo.match_pages(seq, " AND ".join(_fts_phrase(t) for t in long_terms))
    else:
        candidates = repo.scan_pages(seq, fold(max(terms, key=len)))
    pattern = query_pattern(cleaned)
    hits: list[SearchHit] = []
    total = 0
    for number, body in candidates:
        found = list(pattern.finditer(fold(body)))
        if not found:
            continue
        total += 1
        if len(hits) >= limit:
            continue
        words = repo.words(seq, number) or []
        text, spans = assemble(words)
        if text != body:  # the stored text predates the words (should not happen): no boxes
            spans, words = [], []
        matches = [
            SearchMatch(body[m.start() : m.end()], boxes_for(words, spans, m.start(), m.end()))
            for m in found[:_MAX_MATCHES_PER_PAGE]
        ]
        hits.append(SearchHit(number, _snippet(body, found[0].start(), found[0].end()), matches))
    return SearchResult(cleaned, total, hits)


def _snippet(body: str, start: int, end: int) -> str:
    lo, hi = max(0, start - _BEFORE), min(len(body), end + _AFTER)
    text = " ".join(body[lo:hi].split())
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(body) else "")
