"""Telling formats apart by content, and refusing names and contents that disagree."""

from __future__ import annotations

from pathlib import Path

import pytest

from book_renderer.errors import (
    CorruptDocumentError,
    EmptyUploadError,
    FormatMismatchError,
    InvalidFileNameError,
    UnsupportedFormatError,
)
from book_renderer.formats import Format, sniff, validate_filename
from tests.book_renderer import documents


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "staged"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("book.pdf", documents.text_pdf(2), Format.pdf),
        ("书.epub", documents.epub(), Format.epub),
        ("comic.cbz", documents.cbz(), Format.cbz),
        ("story.fb2", documents.fb2(), Format.fb2),
        ("page.png", documents.png_page(), Format.png),
        ("no-extension", documents.text_pdf(2), Format.pdf),
        ("UPPER.PDF", documents.text_pdf(2), Format.pdf),
    ],
)
def test_formats_are_told_by_their_content(
    tmp_path: Path, name: str, data: bytes, expected: Format
) -> None:
    assert sniff(_write(tmp_path, data), name).format is expected


def test_a_name_that_disagrees_with_the_content_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        FormatMismatchError, match="named as a PDF document but its content is a PNG"
    ):
        sniff(_write(tmp_path, documents.png_page()), "report.pdf")


def test_unknown_extensions_and_contents_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"'\.docx' files are not supported"):
        sniff(_write(tmp_path, documents.text_pdf(1)), "thesis.docx")
    with pytest.raises(UnsupportedFormatError, match="not a format we read"):
        sniff(_write(tmp_path, b"just some text\n" * 10), "notes")


def test_zero_bytes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyUploadError, match="0 bytes"):
        sniff(_write(tmp_path, b""), "empty.pdf")


def test_truncation_is_caught_before_a_renderer_repairs_it(tmp_path: Path) -> None:
    with pytest.raises(CorruptDocumentError, match="truncated"):
        sniff(_write(tmp_path, documents.truncated_pdf()), "half.pdf")
    with pytest.raises(CorruptDocumentError, match="truncated"):
        sniff(_write(tmp_path, documents.epub()[:-200]), "half.epub")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "dir/book.pdf", "C:\\Users\\me\\book.pdf", "a\x00b.pdf", ""]
)
def test_names_with_paths_or_control_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidFileNameError):
        validate_filename(name)


def test_ordinary_names_pass_as_they_are() -> None:
    assert validate_filename("读书 笔记 (2nd ed.).pdf") == "读书 笔记 (2nd ed.).pdf"
