"""A book library over a temporary data directory, with real render workers: the tests'
way to run one server process's book side (`python -m tests.book_renderer.shelf` runs one
in a child process, for tests that kill it)."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

from assets.store import AssetStore
from book_renderer.library import CLAIM_SECONDS, BookLibrary, Ingest
from book_renderer.limits import RenderLimits
from book_renderer.pool import RenderPool
from book_renderer.repository import BookRepository
from book_renderer.sizes import PageSize
from experience_server.database import connect


class Shelf:
    """A library over a temporary data directory."""

    def __init__(
        self, root: Path, timeout: float = 20.0, claim_seconds: float = CLAIM_SECONDS
    ) -> None:
        self.store = AssetStore(root / "assets")
        self.store.open()
        self.pool = RenderPool(2, task_timeout=timeout)
        self.repo = BookRepository(lambda: connect(root / "db.sqlite3"), self.store)
        self.library = BookLibrary(
            self.repo, self.store, self.pool, RenderLimits(), claim_seconds=claim_seconds
        )

    def __enter__(self) -> Shelf:
        self.pool.start()
        self.library.open()
        return self

    def __exit__(self, *_: object) -> None:
        self.library.close()
        self.pool.close()
        self.repo.close()

    def ingest(self, data: bytes, name: str) -> Ingest:
        staged = self.store.staging / f"test-{time.monotonic_ns()}"
        staged.write_bytes(data)
        return self.library.ingest(staged, name, hashlib.sha256(data).hexdigest(), len(data))

    def stored_files(self) -> list[Path]:
        return [p for p in self.store.root.rglob("*") if p.is_file()]


def main(root: str, document: str, claim_seconds: str) -> None:
    """Start ingesting `document`, say the book's id once page 1 is in, then keep rendering
    until killed."""
    with Shelf(Path(root), claim_seconds=float(claim_seconds)) as shelf:
        data = Path(document).read_bytes()
        ingest = shelf.ingest(data, Path(document).name)
        shelf.library.page_image(ingest.book.id, 1, PageSize.medium).result(timeout=60)
        print(ingest.book.id, flush=True)
        ingest.done.result()


if __name__ == "__main__":
    main(*sys.argv[1:])
