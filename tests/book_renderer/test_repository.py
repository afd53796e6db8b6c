"""The books' tables under concurrent writers: render results land on pool threads while a
request deletes the book, each thread on its own connection."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from book_renderer.formats import Format
from book_renderer.records import BookStatus, DocumentInfo, ImageRef, PageBox
from book_renderer.repository import BookRepository, Claim
from book_renderer.sizes import PageSize
from experience_server.database import connect

CLAIM = Claim("p1", 1e12)
INFO = DocumentInfo(Format.pdf, "T", (), None, (PageBox(595, 842), PageBox(595, 842)), ())


def test_a_page_stored_while_a_purge_waits_is_purged_and_its_file_reported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    repo = BookRepository(lambda: connect(path))
    repo.migrate()
    book = repo.insert("b1", "s" * 64, "b.pdf", 10, INFO, CLAIM)
    assert repo.store_image(book.seq, 1, PageSize.full, ImageRef("d1", 1, 1, 1))

    # A render thread holds the write lock while it stores page 2 ...
    other = connect(path)
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO book_images (book_seq, n, size, digest, width, height, bytes) "
        "VALUES (?, 2, 'full', 'd2', 1, 1, 1)",
        (book.seq,),
    )
    purged: list[set[str]] = []
    purge = threading.Thread(target=lambda: purged.append(repo.purge(book.seq)))
    purge.start()
    time.sleep(0.3)  # ... the purge starts meanwhile and waits for the lock
    other.commit()
    purge.join(timeout=10)

    # the purge saw page 2 and names its file among those to delete
    assert purged == [{"s" * 64, "d1", "d2"}]
    assert repo.find("b1") is None
    assert other.execute("SELECT count(*) FROM book_images").fetchone() == (0,)
    other.close()
    repo.close()


def test_a_model_built_for_a_deleted_book_is_refused(tmp_path: Path) -> None:
    repo = BookRepository(lambda: connect(tmp_path / "db.sqlite3"))
    repo.migrate()
    book = repo.insert("b1", "s" * 64, "b.pdf", 10, INFO, CLAIM)
    assert repo.set_model(book.seq, "m1")
    repo.purge(book.seq)
    assert not repo.set_model(book.seq, "m2")
    repo.close()


def test_a_purge_keeps_files_another_book_still_uses(tmp_path: Path) -> None:
    repo = BookRepository(lambda: connect(tmp_path / "db.sqlite3"))
    repo.migrate()
    first = repo.insert("b1", "a" * 64, "a.pdf", 10, INFO, CLAIM)
    second = repo.insert("b2", "b" * 64, "b.pdf", 10, INFO, CLAIM)
    blank = ImageRef("blank", 1, 1, 1)
    assert repo.store_image(first.seq, 1, PageSize.full, blank)
    assert repo.store_image(second.seq, 2, PageSize.full, blank)
    assert repo.purge(first.seq) == {"a" * 64}
    assert repo.referenced("blank")
    repo.close()


def test_a_rendering_book_is_claimed_by_one_process_until_its_claim_lapses(
    tmp_path: Path,
) -> None:
    repo = BookRepository(lambda: connect(tmp_path / "db.sqlite3"))
    repo.migrate()
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
