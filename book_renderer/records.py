"""Plain records passed between the library, its workers and its callers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from book_renderer.formats import Format
from book_renderer.limits import RenderLimits
from book_renderer.sizes import PageSize
from book_renderer.text import Word, loads

MM_PER_PT = 25.4 / 72.0


@dataclass(frozen=True, slots=True)
class PageBox:
    """A page's size in PDF points (1/72 inch), after rotation."""

    width_pt: float
    height_pt: float

    @property
    def width_mm(self) -> float:
        return self.width_pt * MM_PER_PT

    @property
    def height_mm(self) -> float:
        return self.height_pt * MM_PER_PT


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """One table-of-contents line: depth from 1, title, and the page it points at (from 1)."""

    level: int
    title: str
    page: int


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    format: Format
    title: str
    authors: tuple[str, ...]
    language: str | None
    pages: tuple[PageBox, ...]
    outline: tuple[OutlineEntry, ...]

    @property
    def page_count(self) -> int:
        return len(self.pages)


class BookStatus(StrEnum):
    rendering = "rendering"  # accepted; thumb and medium pages are being made
    ready = "ready"
    failed = "failed"  # refused while rendering; nothing but the error remains


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A stored page image (or model): its content hash names it in the asset store."""

    digest: str
    width: int
    height: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Book:
    id: str
    seq: int
    sha256: str
    format: Format
    filename: str
    bytes: int
    title: str
    authors: tuple[str, ...]
    language: str | None
    page_count: int
    outline: tuple[OutlineEntry, ...]
    has_text: bool
    status: BookStatus
    pages_done: int
    error_code: str | None
    error_message: str | None
    model_digest: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class PageJob:
    """One page to render in a worker, and what to make of it."""

    path: Path
    format: Format
    number: int
    sizes: tuple[PageSize, ...]
    words: bool
    limits: RenderLimits
    asset_root: Path


@dataclass(frozen=True, slots=True)
class PageResult:
    """What a worker sends back: image hashes, and the text layer already serialised with
    the page's searchable text (that work stays in the worker, off the serving process)."""

    number: int
    images: dict[PageSize, ImageRef]
    words_json: str | None = None
    text: str | None = None

    @property
    def words(self) -> list[Word]:
        return loads(self.words_json) if self.words_json else []


@dataclass(frozen=True, slots=True)
class PageEntry:
    """A page as the manifest shows it."""

    number: int
    box: PageBox
    images: dict[PageSize, ImageRef]
