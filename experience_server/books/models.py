"""The JSON shapes of the books API, and how a domain record becomes one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from book_renderer.iiif import page_sizes
from book_renderer.records import MM_PER_PT, Book, PageEntry
from book_renderer.search import SearchResult
from book_renderer.sizes import PageSize
from book_renderer.text import Word


class BookUrls:
    """Absolute URLs of everything a book offers, from the server's public base URL."""

    def __init__(self, base: str, book_id: str) -> None:
        self.api = f"{base}/api/v1/books/{book_id}"
        self.iiif = f"{base}/iiif/{book_id}"

    def page(self, number: int, size: PageSize) -> str:
        return f"{self.api}/pages/{number}.jpg?size={size.value}"

    def text(self, number: int) -> str:
        return f"{self.api}/pages/{number}/text"

    @property
    def model(self) -> str:
        return f"{self.api}/model.glb"

    @property
    def manifest(self) -> str:
        return f"{self.iiif}/manifest.json"


class ErrorOut(BaseModel):
    code: str
    message: str


class OutlineOut(BaseModel):
    level: int
    title: str
    page: int


class PageOut(BaseModel):
    number: int
    width_mm: float
    height_mm: float
    images: dict[PageSize, str] = Field(description="URL of each size: thumb, medium, full.")
    pixels: dict[PageSize, tuple[int, int]] = Field(description="Width and height of each.")
    text: str


class BookSummary(BaseModel):
    id: str
    title: str
    authors: list[str]
    language: str | None
    format: str
    page_count: int
    status: Literal["rendering", "ready", "failed"]
    pages_ready: int
    error: ErrorOut | None
    created_at: datetime
    url: str
    cover: str
    model: str
    iiif_manifest: str


class BookManifest(BookSummary):
    text_layer: bool = Field(
        description="False when no page has extractable text (scans, "
        "text drawn as curves): search finds nothing."
    )
    outline: list[OutlineOut]
    pages: list[PageOut]
    search: str


class UploadOut(BookSummary):
    created: bool = Field(description="False when this exact file was ingested before.")


class BookList(BaseModel):
    items: list[BookSummary]
    total: int
    limit: int
    offset: int


class WordOut(BaseModel):
    text: str
    box: tuple[float, float, float, float] = Field(
        description="x0, y0, x1, y1 in 0..1 of the page, origin top left."
    )
    line: int


class PageText(BaseModel):
    book: str
    page: int
    words: list[WordOut]


class MatchOut(BaseModel):
    text: str
    boxes: list[tuple[float, float, float, float]]


class HitOut(BaseModel):
    page: int
    snippet: str
    matches: list[MatchOut]


class SearchOut(BaseModel):
    query: str
    total: int = Field(description="Pages that match.")
    complete: bool = Field(
        description="False while the book is still rendering: pages not read yet are not searched."
    )
    hits: list[HitOut]


def summary_fields(book: Book, urls: BookUrls) -> dict[str, object]:
    error = (
        ErrorOut(code=book.error_code or "book_failed", message=book.error_message or "")
        if book.status.value == "failed"
        else None
    )
    return {
        "id": book.id,
        "title": book.title,
        "authors": list(book.authors),
        "language": book.language,
        "format": book.format.value,
        "page_count": book.page_count,
        "status": book.status.value,
        "pages_ready": book.pages_done,
        "error": error,
        "created_at": datetime.fromtimestamp(book.created_at, UTC),
        "url": urls.api,
        "cover": urls.page(1, PageSize.thumb),
        "model": urls.model,
        "iiif_manifest": urls.manifest,
    }


def summary(book: Book, base: str) -> BookSummary:
    return BookSummary.model_validate(summary_fields(book, BookUrls(base, book.id)))


def page_out(page: PageEntry, urls: BookUrls) -> PageOut:
    return PageOut(
        number=page.number,
        width_mm=round(page.box.width_pt * MM_PER_PT, 2),
        height_mm=round(page.box.height_pt * MM_PER_PT, 2),
        images={size: urls.page(page.number, size) for size in PageSize},
        pixels=page_sizes(page),
        text=urls.text(page.number),
    )


def manifest(book: Book, pages: list[PageEntry], base: str) -> BookManifest:
    urls = BookUrls(base, book.id)
    return BookManifest.model_validate(
        {
            **summary_fields(book, urls),
            "text_layer": book.has_text,
            "outline": [
                OutlineOut(level=e.level, title=e.title, page=e.page) for e in book.outline
            ],
            "pages": [page_out(page, urls) for page in pages],
            "search": f"{urls.api}/search?q=",
        }
    )


def page_text(book_id: str, number: int, words: list[Word]) -> PageText:
    return PageText(
        book=book_id,
        page=number,
        words=[WordOut(text=w.text, box=(w.x0, w.y0, w.x1, w.y1), line=w.line) for w in words],
    )


def search_out(result: SearchResult, complete: bool) -> SearchOut:
    return SearchOut(
        query=result.query,
        total=result.total_pages,
        complete=complete,
        hits=[
            HitOut(
                page=hit.page,
                snippet=hit.snippet,
                matches=[MatchOut(text=m.text, boxes=m.boxes) for m in hit.matches],
            )
            for hit in result.hits
        ],
    )
