"""Build the demo library once and cache it under a directory.

The build writes everything into a private staging directory, moves the files into place,
and writes the manifest last (atomically). A build killed midway therefore leaves no valid
manifest, and the next call starts over; a finished one is returned straight from the
manifest after its digests check out.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from experience_server.demo.books import BookSpec, book_specs
from experience_server.demo.circulation import Lendable, Loan, simulate_loans, write_loans_csv
from experience_server.demo.holdings import Copy, shelve
from experience_server.demo.isbn import make_isbn13
from experience_server.demo.manifest import (
    MANIFEST,
    file_entries,
    read_valid,
    sha256_file,
    to_json,
    write_atomic,
)
from experience_server.demo.manuscript import SEED, compose
from experience_server.demo.marc import ItemUse, catalog_record, write_catalog
from experience_server.demo.model import DemoBook, DemoChapter, DemoItem, DemoLibrary, DemoRecord
from experience_server.demo.pdf import render_pdf
from experience_server.demo.topics import all_topics

BOOKS_DIR = "books"
MARC_FILE = "catalog.mrc"
MARCXML_FILE = "catalog.xml"
LOANS_FILE = "loans.csv"


def load_demo_library(demo_dir: Path) -> DemoLibrary | None:
    """The cached library, or None when there is no complete, undamaged build."""
    return read_valid(Path(demo_dir))


def build_demo_library(demo_dir: Path, *, progress: bool = False) -> DemoLibrary:
    """The demo library under `demo_dir`, built on the first call and cached for the next.

    Concurrent callers (two `readingroom demo` at once) wait for one build on a lock file.
    """
    root = Path(demo_dir)
    cached = read_valid(root)
    if cached is not None:
        return cached
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        cached = read_valid(root)
        if cached is not None:
            return cached
        _remove_leftovers(root)
        staging = root / f".staging-{secrets.token_hex(6)}"
        staging.mkdir()
        try:
            with _Reporter(progress) as report:
                library, files = _build(root, staging, report)
                report.step("installing")
                _install(root, staging, library, files)
            return library
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _build(root: Path, staging: Path, report: _Reporter) -> tuple[DemoLibrary, list[str]]:
    specs = book_specs()
    topics = all_topics()
    ebooks = [s for s in specs if s.ebook]
    report.start(len(ebooks) + 3)
    record_ids = {s.key: str(1_000_001 + n) for n, s in enumerate(specs)}
    isbns = {
        s.key: make_isbn13(s.publisher.isbn_prefix, 4_000 + 37 * n) for n, s in enumerate(specs)
    }
    copies = shelve(specs, SEED)
    (staging / BOOKS_DIR).mkdir()
    rendered: dict[str, tuple[str, int, list[DemoChapter], list[int]]] = {}
    files: list[str] = []
    for spec in ebooks:
        report.step(f"writing {spec.title}")
        pdf = render_pdf(compose(spec, isbns[spec.key], topics))
        relative = f"{BOOKS_DIR}/{spec.key}.pdf"
        (staging / relative).write_bytes(pdf.data)
        files.append(relative)
        rendered[spec.key] = (
            sha256_file(staging / relative),
            pdf.page_count,
            [DemoChapter(label, page) for label, page in pdf.chapters],
            pdf.figure_pages,
        )
    report.step("simulating two years of loans")
    loans = simulate_loans(
        [
            Lendable(
                record_ids[s.key],
                s.zone,
                s.cluster,
                tuple(c.barcode for c in copies[s.key] if not c.missing),
            )
            for s in specs
        ],
        SEED,
    )
    write_loans_csv(loans, staging / LOANS_FILE)
    report.step("writing the MARC21 catalog")
    records: list[DemoRecord] = []
    for spec in specs:
        record = _record(spec, record_ids[spec.key], isbns[spec.key], copies[spec.key], loans)
        if spec.key in rendered:
            sha, pages, chapters, figure_pages = rendered[spec.key]
            fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(DemoRecord)}
            fields["page_count"] = pages
            records.append(
                DemoBook(
                    **fields,
                    pdf_path=root / BOOKS_DIR / f"{spec.key}.pdf",
                    sha256=sha,
                    chapters=chapters,
                    figure_pages=figure_pages,
                )
            )
        else:
            records.append(record)
    use = _item_use(loans)
    write_catalog(
        [
            catalog_record(spec, record, copies[spec.key], use)
            for spec, record in zip(specs, records, strict=True)
        ],
        staging / MARC_FILE,
        staging / MARCXML_FILE,
    )
    files += [MARC_FILE, MARCXML_FILE, LOANS_FILE]
    library = DemoLibrary(
        root=root,
        books=[r for r in records if isinstance(r, DemoBook)],
        print_only=[r for r in records if not isinstance(r, DemoBook)],
        marc_path=root / MARC_FILE,
        marcxml_path=root / MARCXML_FILE,
        circulation_path=root / LOANS_FILE,
        loan_count=len(loans),
    )
    return library, files


def _record(
    spec: BookSpec, record_id: str, isbn: str, copies: list[Copy], loans: list[Loan]
) -> DemoRecord:
    out_now = {loan.item_barcode for loan in loans if loan.returned_at is None}
    items = [
        DemoItem(
            c.barcode,
            c.library,
            c.floor,
            c.range,
            c.shelf,
            "missing" if c.missing else "on loan" if c.barcode in out_now else "available",
        )
        for c in copies
    ]
    return DemoRecord(
        record_id=record_id,
        title=spec.title,
        subtitle=spec.subtitle,
        authors=list(spec.authors),
        language=spec.language,
        subjects=list(spec.subjects),
        call_number=spec.call_number,
        isbn=isbn,
        publisher=spec.publisher.name,
        place=spec.publisher.place,
        year=spec.year,
        page_count=spec.pages,
        zone=spec.zone,
        items=items,
    )


def _item_use(loans: list[Loan]) -> dict[str, ItemUse]:
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    for loan in loans:
        counts[loan.item_barcode] = counts.get(loan.item_barcode, 0) + 1
        last[loan.item_barcode] = loan.borrowed_at.date().isoformat()
    return {barcode: ItemUse(n, last[barcode]) for barcode, n in counts.items()}


def _install(root: Path, staging: Path, library: DemoLibrary, files: list[str]) -> None:
    """Move the staged build into place; the manifest goes last, so it only ever describes
    files that are fully there."""
    entries = file_entries(staging, files)
    (root / MANIFEST).unlink(missing_ok=True)
    books = root / BOOKS_DIR
    if books.exists():
        books.rename(root / f".old-{secrets.token_hex(6)}")
    (staging / BOOKS_DIR).rename(books)
    for name in (MARC_FILE, MARCXML_FILE, LOANS_FILE):
        os.replace(staging / name, root / name)
    write_atomic(
        root / MANIFEST, json.dumps(to_json(library, entries), ensure_ascii=False, indent=1)
    )
    _remove_leftovers(root)


def _remove_leftovers(root: Path) -> None:
    """Staging and replaced directories from earlier (possibly killed) builds."""
    for path in root.iterdir():
        if path.name.startswith((".staging-", ".old-")) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{MANIFEST}."):
            path.unlink(missing_ok=True)


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Reporter:
    """A rich progress bar on stderr when asked for, silence otherwise."""

    def __init__(self, enabled: bool) -> None:
        self._progress = (
            Progress(
                TextColumn("[bold]demo library[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=False,
            )
            if enabled
            else None
        )
        self._task = -1
        self._started = False

    def __enter__(self) -> _Reporter:
        if self._progress:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress:
            if error is None and self._started:
                self._progress.advance(self._task)  # type: ignore[arg-type]
            self._progress.stop()

    def start(self, total: int) -> None:
        if self._progress:
            self._task = self._progress.add_task("", total=total)

    def step(self, description: str) -> None:
        if self._progress is None:
            return
        if self._started:
            self._progress.advance(self._task)  # type: ignore[arg-type]
        self._started = True
        self._progress.update(self._task, description=description)  # type: ignore[arg-type]
