"""The library end to end with real worker processes: ingest, progressive pages, text,
search, the 3D model, refusals that leave nothing behind."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from book_renderer.errors import (
    BookFailedError,
    EncryptedDocumentError,
    InvalidQueryError,
    PageNotFoundError,
    RenderTimeoutError,
)
from book_renderer.records import BookStatus
from book_renderer.sizes import PageSize
from tests.book_renderer import documents
from tests.book_renderer.shelf import Shelf


@pytest.fixture
def shelf(tmp_path: Path) -> Iterator[Shelf]:
    with Shelf(tmp_path) as opened:
        yield opened


def test_ingest_makes_thumb_and_medium_text_and_model(shelf: Shelf) -> None:
    data = documents.text_pdf(6)
    ingest = shelf.ingest(data, "book.pdf")
    assert ingest.created
    assert ingest.book.status is BookStatus.rendering
    book = ingest.done.result(timeout=60)
    assert book.status is BookStatus.ready
    assert book.pages_done == 6
    assert book.has_text
    assert book.id == hashlib.sha256(data).hexdigest()[:24]
    pages = shelf.library.pages(book)
    assert {size for page in pages for size in page.images} == {PageSize.thumb, PageSize.medium}
    medium = pages[0].images[PageSize.medium]
    assert max(medium.width, medium.height) == 1024
    assert max(pages[0].images[PageSize.thumb].width, pages[0].images[PageSize.thumb].height) == 256
    assert book.model_digest is not None
    assert shelf.store.exists(book.model_digest)
    assert not list(shelf.store.staging.iterdir())


def test_the_same_file_again_is_the_same_book_at_once(shelf: Shelf) -> None:
    data = documents.text_pdf(3)
    first = shelf.ingest(data, "a.pdf")
    first.done.result(timeout=60)
    again = shelf.ingest(data, "renamed.pdf")
    assert (again.book.id, again.created) == (first.book.id, False)
    # At once: the finished book, with nothing left to wait for (not a wall-clock bound,
    # which a loaded machine breaks).
    assert again.done.done()
    assert again.done.result().status is BookStatus.ready


def test_full_pages_are_made_on_request_then_warmed(shelf: Shelf) -> None:
    book = shelf.ingest(documents.text_pdf(5), "book.pdf").done.result(timeout=60)
    full = shelf.library.page_image(book.id, 2, PageSize.full).result(timeout=30)
    assert (full.width, full.height) == (1448, 2048) or max(full.width, full.height) == 2048
    deadline = time.monotonic() + 30
    while len(shelf.repo.numbers_with(book.seq, PageSize.full)) < 5:
        assert time.monotonic() < deadline, "full pages were not warmed"
        time.sleep(0.05)


def test_pages_are_served_while_the_book_still_renders(shelf: Shelf) -> None:
    ingest = shelf.ingest(documents.text_pdf(300, toc=False), "long.pdf")
    last = shelf.library.page_image(ingest.book.id, 300, PageSize.medium).result(timeout=30)
    done, total = shelf.library.progress(ingest.book.id)
    assert max(last.width, last.height) == 1024
    assert done < total  # page 300 came before the ingest reached it
    assert ingest.done.result(timeout=120).status is BookStatus.ready


def test_text_layer_and_search_find_chinese_and_japanese_substrings(shelf: Shelf) -> None:
    book = shelf.ingest(documents.text_pdf(4), "book.pdf").done.result(timeout=60)
    words = shelf.library.page_words(book.id, 2).result(timeout=30)
    assert any(w.text == "读" for w in words)
    assert all(0 <= v <= 1 for w in words for v in (w.x0, w.y0, w.x1, w.y1))
    for query, pages in [
        ("图书馆", 4),
        ("读书", 4),
        ("书", 4),
        ("本を読", 4),
        ("QUICK brown", 4),
        ("page 3", 1),
        ("nowhere", 0),
    ]:
        result = shelf.library.search(book.id, query, 20)
        assert result.total_pages == pages, query
    hit = shelf.library.search(book.id, "读书", 20).hits[0]
    assert "读书" in hit.snippet
    (match,) = hit.matches
    assert match.text == "读书"
    assert len(match.boxes) == 2
    line = next(w for w in words if w.text == "读")
    assert match.boxes[0][1] == pytest.approx(line.y0)
    with pytest.raises(InvalidQueryError):
        shelf.library.search(book.id, "   ", 20)


def test_epub_becomes_a_searchable_book(shelf: Shelf) -> None:
    book = shelf.ingest(documents.epub(), "joy.epub").done.result(timeout=60)
    assert book.title == "读书之乐 The Joy of Reading"
    assert book.language == "zh-CN"
    assert shelf.library.search(book.id, "第2章", 20).total_pages >= 1


def test_a_refused_document_leaves_nothing(shelf: Shelf) -> None:
    with pytest.raises(EncryptedDocumentError):
        shelf.ingest(documents.encrypted_pdf(), "locked.pdf")
    assert shelf.stored_files() == []
    assert shelf.library.count() == 0


def test_a_book_refused_while_rendering_keeps_only_its_error(tmp_path: Path) -> None:
    with Shelf(tmp_path, timeout=0.3) as slow_shelf:
        good = slow_shelf.ingest(documents.text_pdf(2), "good.pdf").done.result(timeout=60)
        before = set(slow_shelf.stored_files())
        ingest = slow_shelf.ingest(documents.slow_pdf(leading_pages=4), "slow.pdf")
        with pytest.raises(RenderTimeoutError):
            ingest.done.result(timeout=60)
        assert set(slow_shelf.stored_files()) == before  # nothing of it stayed
        refused = slow_shelf.library.get(ingest.book.id)
        assert refused.status is BookStatus.failed
        assert refused.error_code == "render_timeout"
        with pytest.raises(BookFailedError):
            slow_shelf.library.page_image(ingest.book.id, 1, PageSize.thumb)
        assert slow_shelf.library.count() == 1
        again = slow_shelf.library.page_image(good.id, 1, PageSize.medium).result(timeout=30)
        assert again.digest


def test_page_numbers_outside_the_book(shelf: Shelf) -> None:
    book = shelf.ingest(documents.text_pdf(2), "b.pdf").done.result(timeout=60)
    with pytest.raises(PageNotFoundError, match="pages 1 to 2"):
        shelf.library.page_image(book.id, 3, PageSize.medium)


def test_delete_removes_every_asset_only_it_used(shelf: Shelf) -> None:
    keep = shelf.ingest(documents.text_pdf(2, marker="keep"), "k.pdf").done.result(timeout=60)
    kept_files = set(shelf.stored_files())
    gone = shelf.ingest(documents.text_pdf(3, marker="gone"), "g.pdf").done.result(timeout=60)
    shelf.library.page_image(gone.id, 1, PageSize.full).result(timeout=30)
    shelf.library.delete(gone.id)
    # Warming tasks already running finish, find the book gone and drop what they made;
    # on a loaded machine that can take a while.
    deadline = time.monotonic() + 20
    while set(shelf.stored_files()) != kept_files and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(shelf.stored_files()) == kept_files
    assert shelf.library.get(keep.id).status is BookStatus.ready


def test_rendering_resumes_after_a_restart(tmp_path: Path) -> None:
    with Shelf(tmp_path) as first:
        ingest = first.ingest(documents.text_pdf(120, toc=False), "resume.pdf")
        first.library.page_image(ingest.book.id, 1, PageSize.medium).result(timeout=30)
    # closed mid-render: the book stays `rendering` and picks up where it stopped
    with Shelf(tmp_path) as second:
        book = second.library.get(ingest.book.id)
        if book.status is BookStatus.rendering:
            deadline = time.monotonic() + 60
            while second.library.get(book.id).status is not BookStatus.ready:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert second.library.get(book.id).pages_done == 120


def _wait_ready(shelf: Shelf, book_id: str) -> None:
    deadline = time.monotonic() + 120
    while shelf.library.get(book_id).status is not BookStatus.ready:
        assert time.monotonic() < deadline, "the book was never finished"
        time.sleep(0.1)


def test_a_book_left_rendering_is_resumed_by_one_of_two_processes(tmp_path: Path) -> None:
    with Shelf(tmp_path) as first:
        ingest = first.ingest(documents.text_pdf(200, toc=False), "resume.pdf")
        first.library.page_image(ingest.book.id, 1, PageSize.medium).result(timeout=30)
    assert first.library.get(ingest.book.id).status is BookStatus.rendering
    # two server processes start on the same data directory (`serve --workers 2`)
    with Shelf(tmp_path) as second, Shelf(tmp_path) as third:
        _wait_ready(second, ingest.book.id)
        assert third.library.get(ingest.book.id).pages_done == 200
        rendered = sorted([second.pool.stats().completed, third.pool.stats().completed])
    assert rendered[0] == 0  # every remaining page was rendered once, by one of them
    assert rendered[1] >= 1


def test_the_books_of_a_killed_process_are_taken_over(tmp_path: Path) -> None:
    document = tmp_path / "long.pdf"
    document.write_bytes(documents.text_pdf(300, toc=False))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.book_renderer.shelf", str(tmp_path), str(document), "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    with child.stdout:
        try:
            book_id = child.stdout.readline().strip()
        finally:
            child.kill()
            child.wait(timeout=30)
    assert book_id
    with Shelf(tmp_path, claim_seconds=2) as survivor:
        assert survivor.library.get(book_id).status is BookStatus.rendering
        _wait_ready(survivor, book_id)  # once the dead process's claim lapsed
        assert survivor.library.get(book_id).pages_done == 300


def _glb_nodes(glb: bytes) -> list[Any]:
    import pygltflib

    return list(pygltflib.GLTF2.load_from_bytes(glb).nodes)


def test_model_is_built_with_the_cover_and_validates(
    shelf: Shelf, gltf_validate: Callable[[bytes], dict[str, Any]]
) -> None:
    book = shelf.ingest(documents.text_pdf(3), "b.pdf").done.result(timeout=60)
    ref = shelf.library.model(book.id).result(timeout=30)
    glb = shelf.store.get(ref.digest).path.read_bytes()
    issues = gltf_validate(glb)["issues"]
    assert (issues["numErrors"], issues["numWarnings"]) == (0, 0), issues["messages"]
    names = {node.name for node in _glb_nodes(glb)}
    assert {"cover", "spine", "left_stack", "right_stack", "page", "book"} <= names
