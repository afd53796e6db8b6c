"""One book's ingest after it was accepted: every page's `thumb` and `medium` images and text,
then the 3D model. Runs on its own thread, collecting render results and writing them to
the database in batches. The first pages are queued ahead of the rest, and a reader asking
for a page not reached yet gets it rendered at once (the pool merges the two requests), so
a book can be read while it is still rendering.

If any page fails, the book is refused whole: queued pages are dropped, running ones are
waited for, and everything stored for it is removed; only the error is kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from book_renderer.errors import BookError, PoolClosedError
from book_renderer.pool import Priority, RenderPool
from book_renderer.records import Book, BookStatus, ImageRef, PageJob, PageResult
from book_renderer.repository import BookRepository
from book_renderer.sizes import INGEST_SIZES, PageSize
from book_renderer.task_names import RENDER_PAGE

log = logging.getLogger("readingroom.books")

FIRST_PAGES = 4
_FLUSH_SECONDS = 0.1


def page_key(book_id: str, number: int) -> tuple[str, str, int]:
    return ("page", book_id, number)


class IngestJob:
    def __init__(
        self,
        book: Book,
        *,
        first: Future[PageResult] | None = None,
        repo: BookRepository,
        pool: RenderPool,
        make_job: Callable[[Book, int, tuple[PageSize, ...], bool], PageJob],
        finish: Callable[[Book], Future[ImageRef]],
        purge: Callable[[Book, BookError], None],
    ) -> None:
        self.book = book
        self._first = first
        self.done: Future[Book] = Future()
        self._repo = repo
        self._pool = pool
        self._make_job = make_job
        self._finish = finish
        self._purge = purge
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._recent: dict[tuple[int, PageSize], ImageRef] = {}
        self.completed = book.pages_done
        self._thread = threading.Thread(target=self._run, name=f"ingest-{book.id[:8]}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def recent(self, number: int, size: PageSize) -> ImageRef | None:
        """A page image rendered but not yet written to the database."""
        with self._lock:
            return self._recent.get((number, size))

    def _remember(self, future: Future[PageResult]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        result = future.result()
        with self._lock:
            for size, ref in result.images.items():
                self._recent[(result.number, size)] = ref

    def _submit_pages(self) -> dict[Future[PageResult], int]:
        book = self.book
        have = self._repo.numbers_with(book.seq, PageSize.medium)
        futures: dict[Future[PageResult], int] = {}
        for number in range(1, book.page_count + 1):
            if number in have:
                continue
            priority = Priority.first_pages if number <= FIRST_PAGES else Priority.ingest
            if number == 1 and self._first is not None:
                future = self._first  # started while the document was being probed
            else:
                future = self._pool.submit(
                    RENDER_PAGE,
                    self._make_job(book, number, INGEST_SIZES, True),
                    priority=priority,
                    key=page_key(book.id, number),
                )
            future.add_done_callback(self._remember)
            futures[future] = number
        return futures

    def _run(self) -> None:
        started = time.perf_counter()
        futures = self._submit_pages()
        pending = set(futures)
        batch: list[PageResult] = []
        last_flush = time.monotonic()
        try:
            while pending:
                finished, pending = wait(
                    pending, timeout=_FLUSH_SECONDS, return_when=FIRST_COMPLETED
                )
                if self._stop.is_set():
                    raise PoolClosedError("the library is closing")
                for future in finished:
                    if future.cancelled():
                        raise PoolClosedError("the render pool is shutting down")
                    error = future.exception()
                    if error is not None:
                        raise error
                    batch.append(future.result())
                if batch and (not pending or time.monotonic() - last_flush > _FLUSH_SECONDS):
                    self._flush(batch)
                    batch, last_flush = [], time.monotonic()
            self._finish(self.book).result()
            self._repo.set_status(self.book.seq, BookStatus.ready)
            ready = self._repo.find(self.book.id)
            log.info(
                "book %s ready: %d pages in %.2f s",
                self.book.id,
                self.book.page_count,
                time.perf_counter() - started,
            )
            self.done.set_result(ready or self.book)
        except PoolClosedError as exc:
            self._settle(pending, batch)
            self.done.set_exception(exc)  # stays `rendering`; resumed on the next start
        except BookError as exc:
            self._settle(pending, batch)
            log.warning("book %s refused while rendering: %s", self.book.id, exc.code)
            self._purge(self.book, exc)
            self.done.set_exception(exc)
        except BaseException as exc:
            self._settle(pending, batch)
            self.done.set_exception(exc)
            raise

    def _settle(self, pending: set[Future[PageResult]], batch: list[PageResult]) -> None:
        """Drop what is queued, wait for what runs, and record what finished, so that a purge
        afterwards sees every image this book put in the store."""
        self._pool.cancel(page_key(self.book.id, n) for n in range(1, self.book.page_count + 1))
        wait(pending)
        for future in pending:
            if not future.cancelled() and future.exception() is None:
                batch.append(future.result())
        if batch:
            self._flush(batch)

    def _flush(self, batch: list[PageResult]) -> None:
        done = self._repo.store_pages(self.book.seq, batch)
        if done is not None:
            self.completed = done
        with self._lock:
            for result in batch:
                for size in result.images:
                    self._recent.pop((result.number, size), None)
