"""Puts the built demo library into a running server's stores: the MARC catalog and the
loan log into the catalog, (as those parts land) the books into the renderer and the room
templates into rooms. Idempotent: each step records what it installed and is skipped
when that has not changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from book_renderer.library import book_id_for
from catalog_adapter.loans_csv import read_loans_csv
from catalog_adapter.service import Library
from experience_server.books.batch import ingest_paths
from experience_server.demo.model import DemoLibrary
from experience_server.settings import Settings

MARKER = "installed.json"


def _digest(*paths: Path) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


class DemoInstaller:
    """Runs the install steps once per content version."""

    def __init__(self, demo: DemoLibrary, demo_dir: Path) -> None:
        self.demo = demo
        self._marker = demo_dir / MARKER
        try:
            self._done: dict[str, str] = json.loads(self._marker.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            self._done = {}

    def step(self, name: str, version: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if self._done.get(name) == version:
            return {"step": name, "skipped": True}
        report = run()
        self._done[name] = version
        self._marker.write_text(json.dumps(self._done, indent=2))
        return {"step": name, **report}


def install_catalog(installer: DemoInstaller, library: Library) -> dict[str, Any]:
    """Imports the demo's MARC records and loans and builds "also borrowed"."""
    demo = installer.demo

    def run() -> dict[str, Any]:
        with demo.marc_path.open("rb") as stream:
            imported = library.import_marc(stream)
        loans = library.add_loans(read_loans_csv(demo.circulation_path))
        library.build_also_borrowed()
        return {
            "records": imported.imported + imported.updated,
            "rejected": len(imported.rejected),
            "loans": loans.received,
        }

    version = _digest(demo.marc_path, demo.circulation_path)
    return installer.step("catalog", version, run)


def install_books(
    installer: DemoInstaller, settings: Settings, library: Library, *, progress: bool
) -> dict[str, Any]:
    """Ingests the demo's PDFs (page images, text, search, 3D models) and links each
    catalog record to its e-book, so shelves, the catalog and the reader agree on ids."""
    demo = installer.demo

    def run() -> dict[str, Any]:
        reports = ingest_paths(settings, [book.pdf_path for book in demo.books], None, progress)
        refused = [r.path for r in reports if r.error_code]
        for book in demo.books:
            library.link_book(book.record_id, book_id_for(book.sha256))
        return {"books": len(reports) - len(refused), "refused": len(refused)}

    version = hashlib.sha256("".join(b.sha256 for b in demo.books).encode()).hexdigest()
    return installer.step("books", version, run)
