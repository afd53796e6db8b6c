"""The demo library as the rest of readingroom (and a librarian) will meet it: PDFs that open
and read back, a MARC21 catalog pymarc loads, a loan log that behaves like a real one, and a
cache that survives being killed halfway."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pymarc
import pymupdf
import pytest

from experience_server.demo import DemoBook, DemoLibrary, build_demo_library, load_demo_library
from experience_server.demo.isbn import is_valid_isbn13

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> DemoLibrary:
    return build_demo_library(tmp_path_factory.mktemp("data") / "demo")


@pytest.fixture(scope="module")
def marc_records(library: DemoLibrary) -> list[pymarc.Record]:
    with library.marc_path.open("rb") as data:
        records = list(pymarc.MARCReader(data, to_unicode=True, force_utf8=True))
    assert all(r is not None for r in records), "pymarc could not parse every record"
    return [r for r in records if r is not None]


@pytest.fixture(scope="module")
def loans(library: DemoLibrary) -> list[dict[str, str]]:
    with library.circulation_path.open(encoding="utf-8", newline="") as data:
        return list(csv.DictReader(data))


def _open(book: DemoBook) -> Iterator[pymupdf.Document]:
    doc = pymupdf.open(book.pdf_path)
    try:
        yield doc
    finally:
        doc.close()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


# --- the books -------------------------------------------------------------------------


def test_the_shelves_hold_about_two_dozen_books_of_varied_length(library: DemoLibrary) -> None:
    assert 22 <= len(library.books) <= 30
    assert len(library.print_only) >= 2
    pages = sorted(b.page_count for b in library.books)
    assert pages[0] <= 20
    assert pages[-2] >= 50
    assert pages[-1] >= 120
    total = sum(b.pdf_path.stat().st_size for b in library.books)
    assert total < 20 * 1024 * 1024
    assert {b.language for b in library.books} >= {"eng", "chi", "ger", "fre", "jpn"}
    assert sum(b.language == "chi" for b in library.books) >= 5


def test_every_pdf_opens_with_its_page_count_outline_and_metadata(library: DemoLibrary) -> None:
    for book in library.books:
        for doc in _open(book):
            assert doc.page_count == book.page_count, book.title
            outline = [(title, page) for level, title, page in doc.get_toc() if level == 1]
            assert outline == [(c.title, c.page) for c in book.chapters], book.title
            assert 4 <= len(book.chapters) <= 10
            assert [c.page for c in book.chapters] == sorted({c.page for c in book.chapters})
            assert any(level == 2 for level, _, _ in doc.get_toc()), "sections in the outline"
            meta = doc.metadata or {}
            assert meta["title"].startswith(book.title)
            assert meta["author"]
            assert meta["keywords"]
            assert meta["subject"]


def test_title_page_and_chapter_text_read_back(library: DemoLibrary) -> None:
    for book in library.books:
        for doc in _open(book):
            assert _squash(book.title) in _squash(doc[0].get_text()), book.title
            contents = doc[1].get_text()
            first = book.chapters[0]
            assert _squash(first.title) in _squash(contents)
            opening = doc[first.page - 1].get_text()
            assert len(opening) > 200, f"{book.title}: chapter text is extractable"


def test_chinese_and_japanese_books_give_back_their_script(library: DemoLibrary) -> None:
    east_asian = [b for b in library.books if b.language in ("chi", "jpn")]
    assert len(east_asian) >= 6
    for book in east_asian:
        for doc in _open(book):
            body = doc[book.chapters[0].page].get_text()  # the second page of chapter 1
            assert len(CJK.findall(body)) > 200, book.title
            assert book.title in doc[0].get_text().replace("\n", "")
            fonts = {f[3] for n in range(3) for f in doc.get_page_fonts(n)}
            assert all("+" in name for name in fonts), "fonts are embedded as subsets"
    japanese = [b for b in east_asian if b.language == "jpn"]
    assert japanese
    for book in japanese:
        for doc in _open(book):
            assert KANA.search(doc[book.chapters[0].page].get_text()), book.title


def test_figures_are_vector_drawings(library: DemoLibrary) -> None:
    for book in library.books:
        assert book.figure_pages, book.title
        for doc in _open(book):
            for number in book.figure_pages:
                page = doc[number - 1]
                drawings = page.get_drawings()
                assert drawings, f"{book.title} p.{number}"
                text_area = pymupdf.Rect(40, 40, page.rect.x1 - 40, page.rect.y1 - 40)
                assert all(d["rect"] in text_area for d in drawings), "figure stays on the page"
                assert not page.get_images(), "figures are vectors, not pictures"
            plain = next(
                n
                for n in range(3, doc.page_count + 1)
                if n not in book.figure_pages and n not in {c.page for c in book.chapters}
            )
            assert not doc[plain - 1].get_drawings(), "text pages carry no stray drawings"


def test_running_heads_and_page_numbers(library: DemoLibrary) -> None:
    book = next(b for b in library.books if b.language == "eng")
    for doc in _open(book):
        page = doc[book.chapters[0].page]  # the page after the chapter opening
        lines = [line.strip() for line in page.get_text().splitlines() if line.strip()]
        number = book.chapters[0].page + 1
        assert str(number) in lines
        assert book.title in lines or book.chapters[0].title in lines


# --- the catalog -----------------------------------------------------------------------


def test_marc_catalog_describes_every_record(
    library: DemoLibrary, marc_records: list[pymarc.Record]
) -> None:
    assert len(marc_records) == len(library.records)
    by_id = {r["001"].data: r for r in marc_records}
    for record in library.records:
        marc = by_id[record.record_id]
        assert marc.leader[9] == "a", "UTF-8 records"
        fixed = marc["008"].data or ""
        assert len(fixed) == 40
        assert fixed[35:38] == record.language
        assert marc["100"]["a"].rstrip(",") == record.authors[0]
        assert marc["245"]["a"].rstrip(" :/") == record.title
        assert marc["050"]["a"] + " " + marc["050"]["b"] == record.call_number
        isbn = marc["020"]["a"]
        assert isbn == record.isbn
        assert is_valid_isbn13(isbn)
        headings = [
            " -- ".join(f.get_subfields("a", "x", "y", "z", "v"))
            for f in marc.get_fields("650", "651")
        ]
        assert len(headings) >= 2
        assert [h.rstrip(".") for h in headings] == [s.rstrip(".") for s in record.subjects]
        assert marc["264"]["b"].rstrip(",") == record.publisher
        assert marc["300"]["a"].startswith(f"{record.page_count} pages")


def test_holdings_in_852_and_952_match_every_copy(
    library: DemoLibrary, marc_records: list[pymarc.Record]
) -> None:
    by_id = {r["001"].data: r for r in marc_records}
    barcodes: set[str] = set()
    for record in library.records:
        marc = by_id[record.record_id]
        h852 = marc.get_fields("852")
        h952 = marc.get_fields("952")
        assert 1 <= len(record.items) <= 3
        assert [f["p"] for f in h852] == [i.barcode for i in record.items]
        assert [f["p"] for f in h952] == [i.barcode for i in record.items]
        for item, f852, f952 in zip(record.items, h852, h952, strict=True):
            assert f852["a"] == item.library
            assert f852["b"] == f"Floor {item.floor}"
            assert 1 <= item.floor <= 4
            assert f852["c"] == f"Range {item.range}, shelf {item.shelf}"
            assert f"{f852['h']} {f852['i']}" == record.call_number
            assert f952["o"] == record.call_number
            assert f952["y"] == "BK"
            assert f952["a"] in ("MAIN", "SCI")
            assert f952["c"] == f"FL{item.floor}"
            assert (f952["1"] == "1") == (item.status == "missing")
            barcodes.add(item.barcode)
    assert len(barcodes) == sum(len(r.items) for r in library.records), "barcodes are unique"


def test_ebook_links_point_at_the_pdfs(
    library: DemoLibrary, marc_records: list[pymarc.Record]
) -> None:
    by_id = {r["001"].data: r for r in marc_records}
    for book in library.books:
        url = by_id[book.record_id]["856"]["u"]
        assert url == f"urn:readingroom:book:{book.sha256}"
        assert book.pdf_path.is_file()
        assert hashlib.sha256(book.pdf_path.read_bytes()).hexdigest() == book.sha256
        assert library.book_by_sha256(book.sha256) is book
    for record in library.print_only:
        assert by_id[record.record_id].get_fields("856") == []


def test_marcxml_carries_the_same_records(
    library: DemoLibrary, marc_records: list[pymarc.Record]
) -> None:
    from_xml = pymarc.parse_xml_to_array(str(library.marcxml_path))
    assert [r.as_dict()["fields"] for r in from_xml] == [
        r.as_dict()["fields"] for r in marc_records
    ]
    chinese = [r for r in from_xml if r["008"].data[35:38] == "chi"]
    assert any(CJK.search(r["245"]["a"]) for r in chinese)


# --- circulation -----------------------------------------------------------------------


def test_loans_reference_real_copies_in_time_order(
    library: DemoLibrary, loans: list[dict[str, str]]
) -> None:
    owner = {item.barcode: record.record_id for record, item in library.items()}
    assert 4500 <= len(loans) <= 5500
    assert len(loans) == library.loan_count
    assert list(loans[0]) == [
        "loan_id",
        "item_barcode",
        "record_id",
        "patron",
        "borrowed_at",
        "returned_at",
    ]
    spans: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for loan in loans:
        assert owner[loan["item_barcode"]] == loan["record_id"]
        assert re.fullmatch(r"p-\d{4}", loan["patron"])
        assert loan["borrowed_at"].endswith("Z")
        borrowed = datetime.fromisoformat(loan["borrowed_at"])
        returned = datetime.fromisoformat(loan["returned_at"]) if loan["returned_at"] else None
        assert returned is None or returned >= borrowed
        spans[loan["item_barcode"]].append((borrowed, returned))
    first, last = loans[0]["borrowed_at"], loans[-1]["borrowed_at"]
    assert (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days > 700
    for barcode, periods in spans.items():
        periods.sort(key=lambda p: p[0])
        for (_, back), (out, _) in itertools.pairwise(periods):
            assert back is not None, f"{barcode} lent while still out"
            assert back <= out, f"{barcode} lent twice at once"


def test_open_loans_match_the_copies_on_loan(
    library: DemoLibrary, loans: list[dict[str, str]]
) -> None:
    open_loans = {loan["item_barcode"] for loan in loans if not loan["returned_at"]}
    on_loan = {i.barcode for _, i in library.items() if i.status == "on loan"}
    assert open_loans == on_loan
    assert on_loan
    missing = [i for _, i in library.items() if i.status == "missing"]
    assert len(missing) == 1
    assert missing[0].barcode not in {loan["item_barcode"] for loan in loans}


def test_loans_follow_the_teaching_year_and_a_popularity_skew(
    loans: list[dict[str, str]],
) -> None:
    months = Counter(loan["borrowed_at"][5:7] for loan in loans)
    term = sum(months[m] for m in ("10", "11", "03", "04")) / 4
    summer = sum(months[m] for m in ("07", "08")) / 2
    assert term > 1.8 * summer
    per_record = sorted(Counter(loan["record_id"] for loan in loans).values(), reverse=True)
    assert per_record[0] > 5 * per_record[-1]
    top_fifth = per_record[: len(per_record) // 5]
    assert sum(top_fifth) > 0.3 * len(loans), "the most borrowed fifth leads clearly"
    per_patron = sorted(Counter(loan["patron"] for loan in loans).values(), reverse=True)
    assert per_patron[0] > 5 * per_patron[len(per_patron) // 2]


def test_readers_borrow_books_of_a_subject_together(
    library: DemoLibrary, loans: list[dict[str, str]]
) -> None:
    """What an "also borrowed" list needs: co-borrowed books mostly share a topic zone."""
    zone = {r.record_id: r.zone for r in library.records}
    by_patron: dict[str, set[str]] = defaultdict(set)
    for loan in loans:
        by_patron[loan["patron"]].add(loan["record_id"])
    same = pairs = 0
    for records in by_patron.values():
        ordered = sorted(records)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pairs += 1
                same += zone[a] == zone[b]
    zones = Counter(zone.values())
    chance = sum(n * (n - 1) for n in zones.values()) / (len(zone) * (len(zone) - 1))
    assert same / pairs > chance + 0.2


# --- the cache -------------------------------------------------------------------------


def test_a_second_build_comes_from_the_cache(library: DemoLibrary) -> None:
    stamps = {p: p.stat().st_mtime_ns for p in library.root.rglob("*") if p.is_file()}
    again = build_demo_library(library.root)
    assert again == library
    assert {p: p.stat().st_mtime_ns for p in library.root.rglob("*") if p.is_file()} == stamps
    manifest = json.loads((library.root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 1


@pytest.mark.slow
def test_a_killed_build_is_detected_and_rebuilt_byte_for_byte(
    library: DemoLibrary, tmp_path: Path
) -> None:
    target = tmp_path / "demo"
    code = (
        "import sys; from pathlib import Path; "
        "from experience_server.demo import build_demo_library as b; b(Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if len(list(target.glob(".staging-*/books/*.pdf"))) >= 3:
            break
        time.sleep(0.05)
    assert child.poll() is None, "the build finished before it could be interrupted"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert load_demo_library(target) is None, "a half-written build is not served"
    rebuilt = build_demo_library(target)
    assert not list(target.glob(".staging-*")), "leftovers of the killed build are gone"
    assert _digests(target) == _digests(library.root), "same bytes on every build"
    assert [b.sha256 for b in rebuilt.books] == [b.sha256 for b in library.books]


@pytest.mark.slow
def test_a_damaged_cache_is_rebuilt(library: DemoLibrary, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    shutil.copytree(library.root, target)
    moved = load_demo_library(target)
    assert moved is not None, "a cache copied elsewhere still serves"
    assert moved.books[0].pdf_path.parent == target / "books"
    victim = target / library.books[0].pdf_path.relative_to(library.root)
    victim.write_bytes(victim.read_bytes()[:1000])
    assert load_demo_library(target) is None
    rebuilt = build_demo_library(target)
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == library.books[0].sha256
    assert rebuilt.books[0].sha256 == library.books[0].sha256


@pytest.mark.parametrize(
    "damage",
    ["garbage manifest", "old format", "missing catalog", "edited loan log"],
)
def test_a_cache_that_does_not_check_out_is_not_served(
    library: DemoLibrary, tmp_path: Path, damage: str
) -> None:
    target = tmp_path / "demo"
    shutil.copytree(library.root, target)
    manifest = target / "manifest.json"
    if damage == "garbage manifest":
        manifest.write_text("{not json", encoding="utf-8")
    elif damage == "old format":
        data = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**data, "format": 0}), encoding="utf-8")
    elif damage == "missing catalog":
        (target / "catalog.mrc").unlink()
    else:
        loans = target / "loans.csv"
        loans.write_text(loans.read_text(encoding="utf-8").replace("p-0001", "p-0002"))
    assert load_demo_library(target) is None


def test_cli_demo_build_only_uses_the_cache(library: DemoLibrary) -> None:
    data_dir = library.root.parent
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "experience_server", "demo", "--build-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"demo library: {len(library.books)} books" in result.stdout


def test_demo_installs_its_catalog_once_and_serves_it(library: DemoLibrary) -> None:
    from fastapi.testclient import TestClient

    from experience_server.app import create_app
    from experience_server.auth.roles import Role
    from experience_server.settings import Settings

    data_dir = library.root.parent
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "experience_server", "demo", "--build-only"]
    first = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    again = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert "catalog: up to date" in again.stdout, first.stdout + again.stdout
    assert "books: up to date" in again.stdout, first.stdout + again.stdout

    chinese = next(book for book in library.books if book.language == "chi")
    with TestClient(create_app(Settings(data_dir=data_dir))) as client:
        token = client.app.state.services.issuer.issue("r1", Role.reader)  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {token}"}
        hits = client.get(
            "/api/v1/catalog/search", params={"q": chinese.title[:4]}, headers=headers
        ).json()
        assert chinese.record_id in json.dumps(hits, ensure_ascii=False)
        where = client.get(f"/api/v1/catalog/records/{chinese.record_id}/location", headers=headers)
        assert where.status_code == 200
        assert len(where.json()["copies"]) == len(chinese.items)

        books = client.get("/api/v1/books", headers=headers).json()["items"]
        served = {book["id"] for book in books}
        assert len(served) == len(library.books)
        record = client.get(f"/api/v1/catalog/records/{chinese.record_id}", headers=headers).json()
        assert any(book_id in json.dumps(record) for book_id in served)
        scene = client.get(
            "/api/v1/rooms/european-literature/scene.glb?profile=desktop", headers=headers
        )
        assert scene.status_code == 200
        on_shelves = {book_id for book_id in served if book_id.encode() in scene.content}
        assert on_shelves, "the topic room's spines name books the server serves"
