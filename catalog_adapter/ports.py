"""The ports other parts plug into: a catalog to search and read, and a source of a book's
plain text for content-based recommendations (book_renderer's text layer implements it)."""

from __future__ import annotations

from typing import Protocol

from catalog_adapter.records import CatalogRecord, SearchField, SearchPage


class CatalogPort(Protocol):
    """What readers and the location service need from a catalog, embedded or remote."""

    def search(
        self, query: str, field: SearchField = "any", limit: int = 20, offset: int = 0
    ) -> SearchPage: ...

    def get(self, record_id: str) -> CatalogRecord: ...

    def for_book(self, book_id: str) -> CatalogRecord: ...

    def close(self) -> None: ...


class TextSource(Protocol):
    """Plain text of a book by id, or None when the book has no text layer (yet)."""

    def book_ids(self) -> list[str]: ...

    def text(self, book_id: str) -> str | None: ...
