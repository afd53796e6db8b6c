"""The books service the routers call: the access check before every read and change, the
library's blocking work moved off the event loop, and answers in the API's shapes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from assets.store import AssetStore
from book_renderer import iiif, iiif_image
from book_renderer.errors import PageNotFoundError
from book_renderer.futures import then
from book_renderer.library import BookLibrary
from book_renderer.limits import RenderLimits
from book_renderer.pool import RenderPool, default_workers
from book_renderer.records import Book, BookStatus, ImageRef
from book_renderer.repository import BookRepository
from book_renderer.sizes import PageSize
from experience_server.auth.roles import Principal
from experience_server.books import models
from experience_server.books.access import BookAccess, BookAction, Reader
from experience_server.database import connect
from experience_server.settings import Settings
from experience_server.uploads import ReceivedUpload

T = TypeVar("T")


async def _wait(future: Future[T]) -> T:
    """Await a library future through a derived one: a request that goes away cancels only
    its own wait, never the render other readers share."""
    return await asyncio.wrap_future(then(future, lambda value: value))


@dataclass(frozen=True, slots=True)
class StoredFile:
    ref: ImageRef
    path: Path


@dataclass(frozen=True, slots=True)
class IiifImage:
    """An Image API answer: a stored file as it is, or bytes made for this request."""

    media_type: str
    etag: str
    stored: StoredFile | None = None
    data: bytes | None = None


def limits_from(settings: Settings) -> RenderLimits:
    return RenderLimits(max_pages=settings.max_pages, max_page_pixels=settings.max_page_pixels)


@contextmanager
def open_library(
    settings: Settings, store: AssetStore, workers: int | None = None
) -> Iterator[BookLibrary]:
    """A library with its own render pool, open for the duration (server lifespan or CLI)."""
    pool = RenderPool(
        default_workers(workers if workers is not None else settings.render_workers),
        task_timeout=settings.render_timeout_seconds,
        memory_limit_bytes=settings.render_memory_bytes or None,
    )
    repo = BookRepository(lambda: connect(settings.database_path), store)
    library = BookLibrary(repo, store, pool, limits_from(settings))
    pool.start()
    try:
        library.open()
        yield library
    finally:
        library.close()
        pool.close()
        repo.close()


class BooksService:
    def __init__(self, library: BookLibrary, store: AssetStore, access: BookAccess) -> None:
        self.library = library
        self._store = store
        self._access = access
        self._decoded = iiif_image.DecodedCache()

    async def _readable(self, reader: Reader, book_id: str) -> Book:
        book = await asyncio.to_thread(self.library.readable, book_id)
        await asyncio.to_thread(self._access.check, reader, BookAction.read, book)
        return book

    async def licence(self, book_id: str) -> str:
        """The licence a book's content is served under; only `open` content may be kept
        in shared caches."""
        return await asyncio.to_thread(self._access.licence, book_id)

    # changes -------------------------------------------------------------------------------

    async def upload(
        self, principal: Principal, upload: ReceivedUpload, *, wait: bool, base: str
    ) -> tuple[models.UploadOut, Book]:
        try:
            self._access.check(Reader(principal), BookAction.upload, None)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        ingest = await asyncio.to_thread(
            self.library.ingest, upload.path, upload.filename, upload.sha256, upload.size
        )
        book = await _wait(ingest.done) if wait else ingest.book
        return models.UploadOut.model_validate(
            {
                **models.summary_fields(book, models.BookUrls(base, book.id)),
                "created": ingest.created,
            }
        ), book

    async def delete(self, principal: Principal, book_id: str) -> None:
        book = await asyncio.to_thread(self.library.get, book_id)
        self._access.check(Reader(principal), BookAction.delete, book)
        await asyncio.to_thread(self.library.delete, book_id)

    # reading -----------------------------------------------------------------------------

    async def list(self, reader: Reader, limit: int, offset: int, base: str) -> models.BookList:
        books = await asyncio.to_thread(self.library.list_books, limit, offset)
        total = await asyncio.to_thread(self.library.count)
        visible = []
        for book in books:
            self._access.check(reader, BookAction.view, book)
            visible.append(models.summary(book, base))
        return models.BookList(items=visible, total=total, limit=limit, offset=offset)

    async def manifest(self, reader: Reader, book_id: str, base: str) -> models.BookManifest:
        book = await asyncio.to_thread(self.library.get, book_id)
        self._access.check(reader, BookAction.view, book)
        pages = await asyncio.to_thread(self.library.pages, book)
        return models.manifest(book, pages, base)

    async def page_image(
        self, reader: Reader, book_id: str, number: int, size: PageSize
    ) -> StoredFile:
        await self._readable(reader, book_id)
        ref = await _wait(self.library.page_image(book_id, number, size))
        return StoredFile(ref, self._store.path_for(ref.digest))

    async def page_text(self, reader: Reader, book_id: str, number: int) -> models.PageText:
        await self._readable(reader, book_id)
        words = await _wait(self.library.page_words(book_id, number))
        return models.page_text(book_id, number, words)

    async def search(
        self, reader: Reader, book_id: str, query: str, limit: int
    ) -> models.SearchOut:
        book = await self._readable(reader, book_id)
        result = await asyncio.to_thread(self.library.search, book_id, query, limit)
        return models.search_out(result, book.status is BookStatus.ready)

    async def model(self, reader: Reader, book_id: str) -> StoredFile:
        await self._readable(reader, book_id)
        ref = await _wait(self.library.model(book_id))
        return StoredFile(ref, self._store.path_for(ref.digest))

    # IIIF --------------------------------------------------------------------------------

    async def iiif_manifest(self, reader: Reader, book_id: str, base: str) -> dict[str, Any]:
        book = await self._readable(reader, book_id)
        pages = await asyncio.to_thread(self.library.pages, book)
        urls = iiif.IiifUrls(f"{base}/iiif/{book.id}", models.BookUrls(base, book.id).model)
        return iiif.manifest(book, pages, urls, f"{urls.base}/manifest.json")

    async def _page_sizes(
        self, reader: Reader, book_id: str, number: int
    ) -> dict[PageSize, tuple[int, int]]:
        book = await self._readable(reader, book_id)
        pages = await asyncio.to_thread(self.library.pages, book)
        if not 1 <= number <= len(pages):
            raise PageNotFoundError(f"the book has pages 1 to {len(pages)}, not {number}")
        return iiif.page_sizes(pages[number - 1])

    async def iiif_info(
        self, reader: Reader, book_id: str, number: int, base: str
    ) -> dict[str, Any]:
        sizes = await self._page_sizes(reader, book_id, number)
        width, height = sizes[PageSize.full]
        return iiif_image.info(
            f"{base}/iiif/{book_id}/{number}", width, height, list(sizes.values())
        )

    async def iiif_image(
        self,
        reader: Reader,
        book_id: str,
        number: int,
        region: str,
        size: str,
        rotation: str,
        quality_format: str,
        if_none_match: str | None = None,
    ) -> IiifImage:
        """The image for one Image API request; with `if_none_match` naming its ETag, no
        pixels are made (the answer will be 304)."""
        sizes = await self._page_sizes(reader, book_id, number)
        full = sizes[PageSize.full]
        request = iiif_image.parse(region, size, rotation, quality_format, *full)
        candidates = [
            iiif_image.Source(Path(), "", *sizes[s]) for s in (PageSize.thumb, PageSize.medium)
        ] + [iiif_image.Source(Path(), "", *full)]
        wanted = iiif_image.pick_source(request, full[0], candidates)
        page_size = {c.width: s for c, s in zip(candidates, PageSize, strict=True)}
        chosen = page_size.get(wanted.width, PageSize.full)
        ref = await _wait(self.library.page_image(book_id, number, chosen))
        source = iiif_image.Source(
            self._store.path_for(ref.digest), ref.digest, ref.width, ref.height
        )
        if iiif_image.passthrough(request, full, source):
            return IiifImage("image/jpeg", f'"{ref.digest}"', stored=StoredFile(ref, source.path))
        etag = '"' + hashlib.sha256(f"{ref.digest}/{request.canonical}".encode()).hexdigest() + '"'
        media_type = iiif_image.MEDIA_TYPES[request.format]
        if if_none_match is not None and etag in if_none_match:
            return IiifImage(media_type, etag)
        data = await asyncio.to_thread(iiif_image.render, request, full, source, self._decoded)
        return IiifImage(media_type, etag, data=data)
