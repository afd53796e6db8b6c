"""The book library: documents in, books out. Ingest (sniff, probe in a worker, accept, render
progressively), the pages, text, search and 3D model of each book, `full` pages on first
request and warmed in the background, and removal that leaves nothing behind.

It never imports PyMuPDF: every document is opened in a render worker, so the serving
process stays small and a hostile file can only take down a worker.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
import time
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assets.store import AssetStore
from book_renderer.errors import BookError, BookFailedError, BookNotFoundError, PageNotFoundError
from book_renderer.formats import Format, sniff
from book_renderer.futures import resolved, then
from book_renderer.ingest import IngestJob, page_key
from book_renderer.limits import RenderLimits
from book_renderer.model import PAPER_MM, BookModelSpec
from book_renderer.pool import Priority, RenderPool
from book_renderer.records import (
    Book,
    BookStatus,
    DocumentInfo,
    ImageRef,
    PageEntry,
    PageJob,
    PageResult,
)
from book_renderer.repository import BookExistsError, BookRepository, Claim
from book_renderer.search import SearchResult, search_book
from book_renderer.sizes import INGEST_SIZES, PageSize
from book_renderer.task_names import BUILD_MODEL, PROBE_DOCUMENT, RENDER_PAGE
from book_renderer.text import Word

log = logging.getLogger("readingroom.books")

BOOK_ID_HEX = 24
_CHUNK = 1 << 20
# How long a process's claim on the books it renders lasts unless renewed (renewed three
# times as often): the longest a book of a dead process waits for another to take it over.
CLAIM_SECONDS = 30.0


def book_id_for(sha256: str) -> str:
    """A book's id: the start of its source's SHA-256, so the same file is the same book."""
    return sha256[:BOOK_ID_HEX]


@dataclass(frozen=True, slots=True)
class Ingest:
    book: Book
    created: bool  # False: this exact file was ingested before
    done: Future[Book]  # every page's thumb and medium, the text and the model; or the error


class BookLibrary:
    def __init__(
        self,
        repo: BookRepository,
        store: AssetStore,
        pool: RenderPool,
        limits: RenderLimits,
        *,
        paper_mm: float = PAPER_MM,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self._repo = repo
        self._store = store
        self._pool = pool
        self._limits = limits
        self._paper_mm = paper_mm
        self._lock = threading.Lock()
        self._jobs: dict[str, IngestJob] = {}
        self._warming: set[str] = set()
        self._models: dict[str, Future[ImageRef]] = {}
        # Several processes may share one data directory (`serve --workers N`): each book
        # left rendering is resumed by the one process that claims it.
        self._owner = secrets.token_hex(8)
        self._claim_seconds = claim_seconds
        self._closing = threading.Event()
        self._claims = threading.Thread(target=self._keep_claims, name="book-claims", daemon=True)

    # lifecycle ---------------------------------------------------------------------------

    def open(self) -> None:
        """Bring the tables up to date and resume the books left rendering that no other
        live process renders; from then on, renew this process's claims and take over the
        books of processes that stopped renewing theirs."""
        self._repo.migrate()
        self._adopt_orphans()
        self._claims.start()

    def close(self) -> None:
        self._closing.set()
        if self._claims.is_alive():
            self._claims.join()
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.stop()
        self._repo.release_claims(self._owner)  # so a restart resumes them at once

    def _claim(self) -> Claim:
        return Claim(self._owner, time.time() + self._claim_seconds)

    def _adopt_orphans(self) -> None:
        now = time.time()
        for book in self._repo.unclaimed_rendering(now):
            with self._lock:
                if book.id in self._jobs or self._closing.is_set():
                    continue
            if not self._repo.claim(book.seq, self._claim(), now):
                continue  # another process took it first
            if self._store.exists(book.sha256):
                log.info("book %s: resuming its rendering", book.id)
                self._start_job(book)
            else:
                self._fail(book, BookFailedError("the source file is missing from the asset store"))
                self._repo.release_claims(self._owner, book.seq)

    def _keep_claims(self) -> None:
        while not self._closing.wait(self._claim_seconds / 3):
            try:
                self._repo.renew_claims(self._claim())
                self._adopt_orphans()
            except sqlite3.Error:
                log.exception("could not renew the render claims; retrying")

    # ingest ------------------------------------------------------------------------------

    def stage(self, source: Path) -> tuple[Path, str, int]:
        """Copy a local file into staging while hashing it: `(staged path, sha256, size)`."""
        self._store.staging.mkdir(parents=True, exist_ok=True)
        staged = self._store.staging / f"ingest-{threading.get_ident()}-{id(source)}"
        hasher, size = hashlib.sha256(), 0
        try:
            with source.open("rb") as reader, staged.open("wb") as writer:
                while chunk := reader.read(_CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
                    writer.write(chunk)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return staged, hasher.hexdigest(), size

    def ingest(self, staged: Path, filename: str, sha256: str, size: int) -> Ingest:
        """Take a staged file (always consumed: moved into the store or deleted) and return
        the book once accepted; pages keep rendering behind `Ingest.done`."""
        try:
            found = sniff(staged, filename)
            book_id = book_id_for(sha256)
            existing = self._repo.find(book_id)
            if existing is not None and existing.status is not BookStatus.failed:
                return Ingest(existing, False, self._done_future(existing))
            source = self._store.adopt(staged, sha256).path
        finally:
            staged.unlink(missing_ok=True)
        # The source now sits at its final, content-addressed path, so page 1 of a PDF can
        # render on one worker while the probe checks the whole document on another (the
        # render task checks that page's images itself; other formats wait for the probe).
        first: Future[PageResult] | None = None
        if found.format is Format.pdf:
            first = self._pool.submit(
                RENDER_PAGE,
                PageJob(
                    source, found.format, 1, INGEST_SIZES, True, self._limits, self._store.root
                ),
                priority=Priority.first_pages,
                key=page_key(book_id, 1),
            )
        try:
            info: DocumentInfo = self._pool.submit(
                PROBE_DOCUMENT,
                source,
                found.format,
                PurePosixPath(filename).stem,
                self._limits,
                priority=Priority.first_pages,
            ).result()
            if existing is not None:  # refused before: its source is this one again
                self._repo.purge(existing.seq, keep_files=frozenset({sha256}))
            book = self._repo.insert(book_id, sha256, filename, size, info, self._claim())
        except BookExistsError:
            again = self._repo.find(book_id)
            assert again is not None
            return Ingest(again, False, self._done_future(again))
        except BaseException:
            self._abandon(book_id, sha256, first)
            raise
        job = self._start_job(book, first)
        log.info("book %s accepted: %s, %d pages", book.id, found.format.value, book.page_count)
        return Ingest(book, True, job.done)

    def _abandon(self, book_id: str, sha256: str, first: Future[PageResult] | None) -> None:
        """Undo a refused ingest: drop (or wait out) the early page 1, then remove it and the
        source unless another book uses them."""
        if first is not None:
            self._pool.cancel([page_key(book_id, 1)])
            wait([first], timeout=self._pool.task_timeout + 5.0)
            if first.done() and not first.cancelled() and first.exception() is None:
                for ref in first.result().images.values():
                    self._discard(ref.digest)
        self._discard(sha256)

    def _done_future(self, book: Book) -> Future[Book]:
        with self._lock:
            job = self._jobs.get(book.id)
        return job.done if job is not None else resolved(book)

    def _page_job(
        self, book: Book, number: int, sizes: tuple[PageSize, ...], words: bool
    ) -> PageJob:
        return PageJob(
            self._store.path_for(book.sha256),
            book.format,
            number,
            sizes,
            words,
            self._limits,
            self._store.root,
        )

    def _start_job(self, book: Book, first: Future[PageResult] | None = None) -> IngestJob:
        job = IngestJob(
            book,
            first=first,
            repo=self._repo,
            pool=self._pool,
            make_job=self._page_job,
            finish=self._model_future,
            purge=self._fail,
        )
        with self._lock:
            self._jobs[book.id] = job
        job.done.add_done_callback(lambda _: self._forget_job(book.id, job))
        job.start()
        return job

    def _forget_job(self, book_id: str, job: IngestJob) -> None:
        with self._lock:
            if self._jobs.get(book_id) is job:
                del self._jobs[book_id]
        if not self._closing.is_set():  # finished or refused: nothing left to resume
            self._repo.release_claims(self._owner, job.book.seq)

    def _fail(self, book: Book, error: BookError) -> None:
        """Refuse a book: keep only its error; remove every asset only it used."""
        self._repo.purge(book.seq, keep_row=(error.code, str(error)))

    # reading -----------------------------------------------------------------------------

    def get(self, book_id: str) -> Book:
        book = self._repo.find(book_id)
        if book is None:
            raise BookNotFoundError(f"no book {book_id!r}")
        return book

    def readable(self, book_id: str) -> Book:
        book = self.get(book_id)
        if book.status is BookStatus.failed:
            raise BookFailedError(f"the book was refused: {book.error_message}")
        return book

    def list_books(self, limit: int, offset: int) -> list[Book]:
        return self._repo.list_books(limit, offset)

    def count(self) -> int:
        return self._repo.count()

    def worker_pids(self) -> list[int]:
        """Process ids of the render workers (for operators and tests)."""
        return self._pool.stats().pids

    def progress(self, book_id: str) -> tuple[int, int]:
        """Pages with thumb and medium made so far, and the page count."""
        with self._lock:
            job = self._jobs.get(book_id)
        book = self.get(book_id)
        return (job.completed if job is not None else book.pages_done), book.page_count

    def pages(self, book: Book) -> list[PageEntry]:
        images = self._repo.images(book.seq)
        return [
            PageEntry(n, box, images.get(n, {}))
            for n, box in enumerate(self._repo.pages(book.seq), start=1)
        ]

    def _check_page(self, book: Book, number: int) -> None:
        if not 1 <= number <= book.page_count:
            raise PageNotFoundError(f"the book has pages 1 to {book.page_count}, not {number}")

    def page_image(self, book_id: str, number: int, size: PageSize) -> Future[ImageRef]:
        """A page image now if it exists, else rendered at once, ahead of everything queued."""
        book = self.readable(book_id)
        self._check_page(book, number)
        stored = self._repo.image(book.seq, number, size)
        if stored is not None:
            if size is PageSize.full:
                self._warm(book, number)
            return resolved(stored)
        with self._lock:
            job = self._jobs.get(book.id)
        if job is not None and (recent := job.recent(number, size)) is not None:
            return resolved(recent)
        if size in INGEST_SIZES:
            future = self._ingest_page_now(book, number, job)
        else:
            future = self._render_full(book, number, Priority.urgent)
            self._warm(book, number)
        return then(future, lambda result: _image_of(result, size))

    def _ingest_page_now(
        self, book: Book, number: int, job: IngestJob | None
    ) -> Future[PageResult]:
        """The page's ingest task, at the front of the queue (the same task as the ingest's
        own when it is still queued, so the page is rendered once)."""
        future: Future[PageResult] = self._pool.submit(
            RENDER_PAGE,
            self._page_job(book, number, INGEST_SIZES, True),
            priority=Priority.urgent,
            key=page_key(book.id, number),
        )
        if job is None:
            future.add_done_callback(lambda f: self._keep_pages(book, f))
        return future

    def _render_full(self, book: Book, number: int, priority: Priority) -> Future[PageResult]:
        future: Future[PageResult] = self._pool.submit(
            RENDER_PAGE,
            self._page_job(book, number, (PageSize.full,), False),
            priority=priority,
            key=("full", book.id, number),
        )
        future.add_done_callback(lambda f: self._keep_image(book, f, PageSize.full))
        return future

    def _keep_image(self, book: Book, future: Future[PageResult], size: PageSize) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        result = future.result()
        ref = result.images[size]
        if not self._repo.store_image(book.seq, result.number, size, ref):
            self._discard(ref.digest)

    def _keep_pages(self, book: Book, future: Future[PageResult]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        if self._repo.store_pages(book.seq, [future.result()]) is None:
            for ref in future.result().images.values():
                self._discard(ref.digest)

    def _discard(self, digest: str) -> None:
        self._repo.discard(digest)

    def _warm(self, book: Book, start: int) -> None:
        """After a book's first `full` request, make the rest of its `full` pages in the
        background, in reading order from that page, behind every other kind of work."""
        with self._lock:
            if book.id in self._warming:
                return
            self._warming.add(book.id)
        have = self._repo.numbers_with(book.seq, PageSize.full)
        order = [*range(start + 1, book.page_count + 1), *range(1, start)]
        for number in order:
            if number not in have:
                self._render_full(book, number, Priority.warm)

    def page_words(self, book_id: str, number: int) -> Future[list[Word]]:
        """The page's words; read at once when the ingest has not reached the page yet."""
        book = self.readable(book_id)
        self._check_page(book, number)
        words = self._repo.words(book.seq, number)
        if words is not None:
            return resolved(words)
        with self._lock:
            job = self._jobs.get(book.id)
        return then(self._ingest_page_now(book, number, job), lambda r: r.words)

    def search(self, book_id: str, query: str, limit: int) -> SearchResult:
        book = self.readable(book_id)
        return search_book(self._repo, book.seq, query, limit)

    # the 3D book -------------------------------------------------------------------------

    def model(self, book_id: str) -> Future[ImageRef]:
        book = self.readable(book_id)
        if book.model_digest is not None and self._store.exists(book.model_digest):
            size = self._store.get(book.model_digest).size
            return resolved(ImageRef(book.model_digest, 0, 0, size))
        return self._model_future(book)

    def _model_future(self, book: Book) -> Future[ImageRef]:
        """Build the GLB once page 1's medium image exists (one build per book at a time)."""
        with self._lock:
            existing = self._models.get(book.id)
            if existing is not None:
                return existing
            result: Future[ImageRef] = Future()
            self._models[book.id] = result
        first = self._repo.page(book.seq, 1)
        assert first is not None
        spec = BookModelSpec(
            book.title, book.page_count, first.width_mm, first.height_mm, self._paper_mm
        )

        def built(future: Future[ImageRef]) -> None:
            with self._lock:
                self._models.pop(book.id, None)
            if future.cancelled():
                result.cancel()
            elif (error := future.exception()) is not None:
                result.set_exception(error)
            else:
                ref = future.result()
                if self._repo.set_model(book.seq, ref.digest):
                    result.set_result(ref)
                else:  # deleted or refused while the model was built
                    self._discard(ref.digest)
                    result.set_exception(BookNotFoundError(f"no book {book.id!r}"))

        def with_cover(cover: Future[ImageRef]) -> None:
            if (error := cover.exception()) is not None:
                with self._lock:
                    self._models.pop(book.id, None)
                result.set_exception(error)
                return
            path = self._store.path_for(cover.result().digest)
            self._pool.submit(
                BUILD_MODEL,
                spec,
                path,
                self._store.root,
                priority=Priority.urgent,
                key=("model", book.id),
            ).add_done_callback(built)

        self.page_image(book.id, 1, PageSize.medium).add_done_callback(with_cover)
        return result

    # removal -----------------------------------------------------------------------------

    def delete(self, book_id: str) -> None:
        book = self.get(book_id)
        with self._lock:
            job = self._jobs.pop(book_id, None)
            self._warming.discard(book_id)
        self._pool.cancel(
            [
                *(page_key(book_id, n) for n in range(1, book.page_count + 1)),
                *(("full", book_id, n) for n in range(1, book.page_count + 1)),
            ]
        )
        if job is not None:
            job.stop()
        self._repo.purge(book.seq)


def _image_of(result: PageResult, size: PageSize) -> ImageRef:
    return result.images[size]
