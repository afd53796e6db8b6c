"""`readingroom ingest PATH...`: add local documents as books with a progress bar, writing to
the same database and asset store as a running server (SQLite WAL lets both work)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assets.store import AssetStore
from book_renderer.errors import BookError
from book_renderer.formats import SUPPORTED_SUFFIXES
from book_renderer.library import BookLibrary
from book_renderer.records import Book
from experience_server.books.service import open_library
from experience_server.settings import Settings

_POLL_SECONDS = 0.1


@dataclass
class IngestReport:
    path: str
    id: str | None = None
    title: str | None = None
    pages: int = 0
    created: bool = False
    status: str = "failed"
    error_code: str | None = None
    error_message: str | None = None

    def as_dict(self) -> dict[str, object]:
        error = (
            {"code": self.error_code, "message": self.error_message} if self.error_code else None
        )
        return {
            "path": self.path,
            "id": self.id,
            "title": self.title,
            "pages": self.pages,
            "created": self.created,
            "status": self.status,
            "error": error,
        }


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; directories walked for files with a supported extension."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
        else:
            yield path


def _refused(report: IngestReport, error: BaseException) -> None:
    report.status = "failed"
    report.error_code = error.code if isinstance(error, BookError) else "error"
    report.error_message = str(error) if isinstance(error, BookError) else type(error).__name__


def _accept(library: BookLibrary, path: Path, report: IngestReport) -> Future[Book] | None:
    try:
        staged, sha256, size = library.stage(path)
        accepted = library.ingest(staged, path.name, sha256, size)
    except (BookError, OSError) as exc:
        _refused(report, exc)
        return None
    report.id, report.title = accepted.book.id, accepted.book.title
    report.pages, report.created = accepted.book.page_count, accepted.created
    return accepted.done


def ingest_paths(
    settings: Settings, paths: list[Path], jobs: int | None, show_progress: bool
) -> list[IngestReport]:
    store = AssetStore(settings.assets_dir)
    store.open()
    reports = [IngestReport(str(path)) for path in expand(paths)]
    with (
        open_library(settings, store, workers=jobs) as library,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show_progress,
        ) as progress,
    ):
        bar = progress.add_task("pages", total=0)
        waiting: list[tuple[IngestReport, Future[Book]]] = []
        for report in reports:
            progress.update(bar, description=Path(report.path).name[:40])
            done = _accept(library, Path(report.path), report)
            if done is not None:
                waiting.append((report, done))
                progress.update(bar, total=sum(r.pages for r, _ in waiting))
        while waiting:
            finished = sum(
                r.pages if d.done() else library.progress(r.id or "")[0] for r, d in waiting
            )
            progress.update(bar, completed=finished, description="rendering")
            if all(done.done() for _, done in waiting):
                break
            time.sleep(_POLL_SECONDS)
        for report, done in waiting:
            error = done.exception()
            if error is not None:
                _refused(report, error)
            else:
                report.status = done.result().status.value
    return reports
