"""The books' tables under concurrent writers: render results land on pool threads while a
request deletes the book, each thread on its own connection."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from assets.store import AssetStore
from book_renderer.formats import Format
from book_renderer.records import BookStatus, DocumentInfo, ImageRef, PageBox, PageResult
from book_renderer.repository import BookRepository, Claim
from book_renderer.sizes import PageSize
from experience_server.database import connect

CLAIM = Claim("p1", 1e12)
INFO = DocumentInfo(Format.pdf, "T", (), None, (PageBox(595, 842), PageBox(595, 842)), ())


def open_repo(root: Path) -> tuple[BookRepository, AssetStore]:
    store = AssetStore(root / "assets")
    store.open()
    repo = BookRepository(lambda: connect(root / "db.sqlite3"), store)
    repo.migrate()
    return repo, store


def image(store: AssetStore, content: bytes) -> ImageRef:
    """A page image file in the store, as a render worker leaves it."""
    return ImageRef(store.put_bytes(content).digest, 1, 1, len(content))


def test_a_page_stored_while_a_purge_waits_is_purged_and_its_file_reported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    repo, store = open_repo(tmp_path)
    source = store.put_bytes(b"%PDF").digest
    book = repo.insert("b1", source, "b.pdf", 10, INFO, CLAIM)
    first, second = image(store, b"page 1"), image(store, b"page 2")
    assert repo.store_image(book.seq, 1, PageSize.full, first)

    # A render thread holds the write lock while it stores page 2 ...
    other = connect(path)
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO book_images (book_seq, n, size, digest, width, height, bytes) "
        "VALUES (?, 2, 'full', ?, 1, 1, 1)",
        (book.seq, second.digest),
    )
    purged: list[set[str]] = []
    purge = threading.Thread(target=lambda: purged.append(repo.purge(book.seq)))
    purge.start()
    time.sleep(0.3)  # ... the purge starts meanwhile and waits for the lock
    other.commit()
    purge.join(timeout=10)

    # the purge saw page 2 and removed its file with the others
    assert purged == [{source, first.digest, second.digest}]
    assert store.count() == 0
    assert repo.find("b1") is None
    assert other.execute("SELECT count(*) FROM book_images").fetchone() == (0,)
    other.close()
    repo.close()


def test_a_model_built_for_a_deleted_book_is_refused(tmp_path: Path) -> None:
    repo, store = open_repo(tmp_path)
    book = repo.insert("b1", "s" * 64, "b.pdf", 10, INFO, CLAIM)
    assert repo.set_model(book.seq, store.put_bytes(b"glb 1").digest)
    repo.purge(book.seq)
    assert not repo.set_model(book.seq, store.put_bytes(b"glb 2").digest)
    repo.close()


def test_a_purge_keeps_files_another_book_still_uses(tmp_path: Path) -> None:
    repo, store = open_repo(tmp_path)
    source = store.put_bytes(b"%PDF a").digest
    first = repo.insert("b1", source, "a.pdf", 10, INFO, CLAIM)
    second = repo.insert("b2", store.put_bytes(b"%PDF b").digest, "b.pdf", 10, INFO, CLAIM)
    blank = image(store, b"blank page")
    assert repo.store_image(first.seq, 1, PageSize.full, blank)
    assert repo.store_image(second.seq, 2, PageSize.full, blank)
    assert repo.purge(first.seq) == {source}
    assert not repo.discard(blank.digest)  # the second book still names it
    assert store.exists(blank.digest) and not store.exists(source)
    repo.close()


def test_a_file_removed_before_a_page_is_recorded_is_not_recorded(tmp_path: Path) -> None:
    """Book 2's worker found the blank page file already there (book 1's) and did not write
    it; book 1 is deleted before book 2 records the page: the file goes with book 1, and
    book 2 does not record a page whose file is gone (it is rendered again when asked)."""
    repo, store = open_repo(tmp_path)
    first = repo.insert("b1", store.put_bytes(b"%PDF a").digest, "a.pdf", 10, INFO, CLAIM)
    second = repo.insert("b2", store.put_bytes(b"%PDF b").digest, "b.pdf", 10, INFO, CLAIM)
    blank = image(store, b"blank page")
    assert repo.store_image(first.seq, 1, PageSize.full, blank)
    found_by_worker = image(store, b"blank page")  # exists: not written again
    repo.purge(first.seq)
    assert not store.exists(blank.digest)
    assert not repo.store_image(second.seq, 1, PageSize.full, found_by_worker)
    page = PageResult(1, {PageSize.medium: found_by_worker}, None, None)
    assert repo.store_pages(second.seq, [page]) == 0
    assert repo.image(second.seq, 1, PageSize.medium) is None
    assert not repo.set_model(second.seq, found_by_worker.digest)
    repo.close()


def test_a_rendering_book_is_claimed_by_one_process_until_its_claim_lapses(
    tmp_path: Path,
) -> None:
    repo, _ = open_repo(tmp_path)
    book = repo.insert("b1", "s" * 64, "b.pdf", 10, INFO, Claim("p1", 100.0))
    assert repo.unclaimed_rendering(now=50.0) == []
    assert not repo.claim(book.seq, Claim("p2", 200.0), now=50.0)  # p1's claim is live
    assert repo.claim(book.seq, Claim("p1", 150.0), now=50.0)  # its holder may renew it
    repo.renew_claims(Claim("p1", 300.0))
    assert not repo.claim(book.seq, Claim("p2", 400.0), now=250.0)
    # p1 stops renewing: past its claim, the book is up for grabs, and p2 takes it
    assert [b.id for b in repo.unclaimed_rendering(now=301.0)] == ["b1"]
    assert repo.claim(book.seq, Claim("p2", 400.0), now=301.0)
    assert not repo.claim(book.seq, Claim("p1", 500.0), now=302.0)
    repo.release_claims("p2")
    assert [b.id for b in repo.unclaimed_rendering(now=302.0)] == ["b1"]
    # a book done rendering is nobody's to claim
    repo.set_status(book.seq, BookStatus.ready)
    assert repo.unclaimed_rendering(now=302.0) == []
    assert not repo.claim(book.seq, Claim("p3", 600.0), now=302.0)
    repo.close()
