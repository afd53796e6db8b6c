"""The catalog's plain data: a bibliographic record, its print items and a page of search
hits. Adapters produce these; nothing here knows about SQLite or HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SearchField = Literal["any", "title", "author", "subject", "identifier"]
SEARCH_FIELDS: tuple[SearchField, ...] = ("any", "title", "author", "subject", "identifier")


@dataclass(frozen=True, slots=True)
class Identifier:
    """A standard number, normalised for lookup (`isbn` 13 digits, `issn` 8, ...)."""

    scheme: str
    value: str


@dataclass(frozen=True, slots=True)
class Item:
    """One print copy: from MARC 852 or Koha's 952. `item_id` is the barcode when there is
    one, which is what RFID tags and SIP2 item requests name."""

    item_id: str
    barcode: str | None = None
    library: str | None = None
    location: str | None = None
    call_number: str | None = None
    status: str | None = None
    source: str = "852"


@dataclass(slots=True)
class CatalogRecord:
    """A bibliographic record as readingroom uses it: one work with its e-book and copies."""

    id: str
    control_number: str | None
    title: str
    authors: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    call_number: str | None = None
    publisher: str | None = None
    year: str | None = None
    language: str | None = None
    summary: str | None = None
    book_id: str | None = None
    licence: str = "campus"
    items: list[Item] = field(default_factory=list)
    marc: dict[str, Any] | None = None

    @property
    def primary_subject(self) -> str | None:
        """The subject analytics group by: the first subject heading without its
        subdivisions, else the call number's class letters."""
        if self.subjects:
            return self.subjects[0].split(" -- ")[0]
        if self.call_number:
            head = "".join(ch for ch in self.call_number.split()[0] if ch.isalpha())
            return head.upper() or None
        return None


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    title: str
    authors: list[str]
    year: str | None
    book_id: str | None
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    field: SearchField
    total: int
    hits: list[SearchHit]
