"""What the demo library holds, as plain frozen dataclasses other parts can rely on.

The same shapes are written to (and read back from) the cache manifest, so a cached library
and a freshly built one are indistinguishable to callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoItem:
    """One print copy on a real shelf: what a kiosk shows and an RFID reader reports."""

    barcode: str
    library: str
    floor: int
    range: str
    shelf: int
    status: str  # "available", "on loan" or "missing"

    @property
    def location(self) -> str:
        return f"{self.library}, floor {self.floor}, range {self.range}, shelf {self.shelf}"


@dataclass(frozen=True)
class DemoChapter:
    """A chapter as the PDF outline has it; `page` counts from 1."""

    title: str
    page: int


@dataclass(frozen=True)
class DemoRecord:
    """A catalog record with its print copies; `record_id` is MARC field 001."""

    record_id: str
    title: str
    subtitle: str | None
    authors: list[str]
    language: str  # MARC language code: eng, chi, ger, fre, jpn
    subjects: list[str]
    call_number: str
    isbn: str
    publisher: str
    place: str
    year: int
    page_count: int
    zone: str  # topic zone a room can be built around, e.g. "european-literature"
    items: list[DemoItem]

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


@dataclass(frozen=True)
class DemoBook(DemoRecord):
    """A catalog record that also has an e-book: a PDF whose sha256 is the book's id."""

    pdf_path: Path
    sha256: str
    chapters: list[DemoChapter]
    figure_pages: list[int]  # pages (from 1) that carry a vector figure

    @property
    def ebook_url(self) -> str:
        return f"urn:readingroom:book:{self.sha256}"


@dataclass(frozen=True)
class DemoLibrary:
    """The built library: books with PDFs, print-only records, and the files describing them."""

    root: Path
    books: list[DemoBook]
    print_only: list[DemoRecord]
    marc_path: Path
    marcxml_path: Path
    circulation_path: Path
    loan_count: int

    @property
    def records(self) -> list[DemoRecord]:
        """Every catalog record, e-books first, in catalog order."""
        return [*self.books, *self.print_only]

    def record(self, record_id: str) -> DemoRecord:
        """The record with this MARC 001; KeyError when there is none."""
        for record in self.records:
            if record.record_id == record_id:
                return record
        raise KeyError(record_id)

    def book_by_sha256(self, sha256: str) -> DemoBook:
        """The e-book whose PDF has this digest; KeyError when there is none."""
        for book in self.books:
            if book.sha256 == sha256:
                return book
        raise KeyError(sha256)

    def items(self) -> list[tuple[DemoRecord, DemoItem]]:
        """Every print copy with its record, for shelving and location lookups."""
        return [(record, item) for record in self.records for item in record.items]

    def zones(self) -> dict[str, list[DemoRecord]]:
        """Records grouped by topic zone, the seed of topic rooms."""
        grouped: dict[str, list[DemoRecord]] = {}
        for record in self.records:
            grouped.setdefault(record.zone, []).append(record)
        return grouped
