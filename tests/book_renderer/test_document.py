"""Probing documents: metadata, page sizes, outline, language, and every limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from book_renderer.document import open_document, probe
from book_renderer.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    PageTooLargeError,
    PixelLimitError,
    TooManyPagesError,
)
from book_renderer.formats import Format, sniff
from book_renderer.limits import RenderLimits
from book_renderer.records import DocumentInfo
from tests.book_renderer import documents


def _probe(
    tmp_path: Path, data: bytes, name: str, limits: RenderLimits | None = None
) -> DocumentInfo:
    path = tmp_path / "doc"
    path.write_bytes(data)
    fmt = sniff(path, name).format
    doc = open_document(path, fmt)
    try:
        return probe(doc, path, fmt, Path(name).stem, limits or RenderLimits())
    finally:
        doc.close()


def test_pdf_metadata_sizes_and_outline(tmp_path: Path) -> None:
    info = _probe(tmp_path, documents.text_pdf(6, size=(420, 595)), "book.pdf")
    assert info.title == "The Reading Room"
    assert info.authors == ("Ann Lee", "Bo Chen")
    assert info.page_count == 6
    assert info.pages[0].width_mm == pytest.approx(148.2, abs=0.1)
    assert info.pages[0].height_mm == pytest.approx(209.9, abs=0.1)
    assert [(e.level, e.title, e.page) for e in info.outline] == [
        (1, "Opening", 1),
        (2, "First steps", 2),
        (1, "Closing", 6),
    ]


def test_a_pdf_without_a_title_takes_the_heading_of_its_first_page(tmp_path: Path) -> None:
    info = _probe(tmp_path, documents.untitled_pdf(), "scan-0042.pdf")
    assert info.title == "读书的乐趣"
    assert info.language == "zh"


def test_a_page_all_in_one_size_has_no_title_to_find(tmp_path: Path) -> None:
    info = _probe(tmp_path, documents.text_pdf(1, title=None, toc=False), "notes-2024.pdf")
    assert info.title in ("Chapter 1", "notes-2024")


def test_epub_is_laid_out_with_its_metadata(tmp_path: Path) -> None:
    info = _probe(tmp_path, documents.epub(), "joy.epub")
    assert info.format is Format.epub
    assert info.title == "读书之乐 The Joy of Reading"
    assert info.authors == ("李白",)
    assert info.language == "zh-CN"
    assert info.page_count > 3
    assert [e.title for e in info.outline] == ["第1章", "第2章", "第3章"]
    assert info.pages[0].width_mm == pytest.approx(148, abs=1)  # A5


def test_fb2_and_cbz_open(tmp_path: Path) -> None:
    fb2 = _probe(tmp_path, documents.fb2(), "short.fb2")
    assert (fb2.title, fb2.authors, fb2.language) == ("Короткая книга", ("Anna Lee",), "ru")
    assert _probe(tmp_path, documents.cbz(3), "comic.cbz").page_count == 3


def test_password_protected_pdf_is_refused_saying_so(tmp_path: Path) -> None:
    with pytest.raises(EncryptedDocumentError, match="password-protected"):
        _probe(tmp_path, documents.encrypted_pdf(), "locked.pdf")


def test_corrupt_pdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorruptDocumentError, match="damaged"):
        _probe(tmp_path, documents.corrupt_pdf(), "noise.pdf")


def test_too_many_pages(tmp_path: Path) -> None:
    with pytest.raises(TooManyPagesError, match="10,001 pages; the limit is 10,000"):
        _probe(tmp_path, documents.many_pages_pdf(10_001), "long.pdf")
    info = _probe(tmp_path, documents.many_pages_pdf(10_000), "long.pdf")
    assert info.page_count == 10_000


def test_huge_pages_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PageTooLargeError, match="page 1 is 10,000 x 10,000 mm"):
        _probe(tmp_path, documents.huge_page_pdf(), "poster.pdf")


@pytest.mark.parametrize(
    ("factory", "name", "message"),
    [
        (documents.pixel_bomb_pdf, "bomb.pdf", "an image on page 1 is 40,000 x 40,000 pixels"),
        (documents.pixel_bomb_png, "bomb.png", "the image declares more than 16,777,216 pixels"),
        (documents.cbz_bomb, "bomb.cbz", "image 2 of the archive is 6,000 x 6,000 pixels"),
    ],
)
def test_pixel_bombs_are_refused_from_their_headers(
    tmp_path: Path, factory: object, name: str, message: str
) -> None:
    assert callable(factory)
    with pytest.raises(PixelLimitError, match=message):
        _probe(tmp_path, factory(), name)
