"""Opening a document the one way every worker does (so page numbers always agree) and
probing it: metadata, page sizes, outline, and the limit checks that must pass before any
page is rendered. Runs in render workers only: PyMuPDF is not thread-safe."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pymupdf

from book_renderer.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EmptyUploadError,
    EncryptedDocumentError,
    PageTooLargeError,
    TooManyPagesError,
)
from book_renderer.formats import Format
from book_renderer.limits import MIN_PAGE_SIDE_PT, RenderLimits
from book_renderer.metadata import guess_language, split_authors, title_from_spans
from book_renderer.pixels import check_image_file, check_page_images, check_zip_images
from book_renderer.records import MM_PER_PT, DocumentInfo, OutlineEntry, PageBox

# Reflowable books (EPUB, FB2, MOBI) are laid out on A5 pages at a reading size.
REFLOW_WIDTH_PT = 419.53
REFLOW_HEIGHT_PT = 595.28
REFLOW_FONTSIZE_PT = 11.0
_TITLE_MAX = 300


def open_document(path: Path, fmt: Format) -> pymupdf.Document:
    """Open with the sniffed format (stored sources have no extension), refuse what needs a
    password, and lay reflowable text out on the house page size."""
    try:
        doc = pymupdf.open(path, filetype=fmt.value)
    except pymupdf.EmptyFileError:
        raise EmptyUploadError("the file is empty (0 bytes)") from None
    except (RuntimeError, ValueError) as exc:
        raise CorruptDocumentError(
            f"the file could not be read as {fmt.label}: it is damaged or truncated"
            f" ({type(exc).__name__})"
        ) from None
    if doc.needs_pass:
        doc.close()
        raise EncryptedDocumentError(
            "the document is password-protected; remove the password and upload it again"
        )
    if fmt.reflowable:
        doc.layout(width=REFLOW_WIDTH_PT, height=REFLOW_HEIGHT_PT, fontsize=REFLOW_FONTSIZE_PT)
    return doc


def probe(
    doc: pymupdf.Document, path: Path, fmt: Format, fallback_title: str, limits: RenderLimits
) -> DocumentInfo:
    """Everything a book record needs, or the first reason to refuse the document."""
    count = doc.page_count
    if count == 0:
        raise EmptyDocumentError("the document has no pages")
    if count > limits.max_pages:
        raise TooManyPagesError(
            f"the document has {count:,} pages; the limit is {limits.max_pages:,}"
        )
    if fmt.is_image:
        check_image_file(path, limits)
    elif fmt is Format.cbz:
        check_zip_images(path, limits)
    pages = []
    for index in range(count):
        try:
            page = doc.load_page(index)
        except (RuntimeError, ValueError):
            raise CorruptDocumentError(f"page {index + 1} is damaged and cannot be read") from None
        box = _check_size(index + 1, page.rect, limits)
        if doc.is_pdf:
            check_page_images(page, index + 1, limits)
        pages.append(box)
    metadata = doc.metadata or {}
    first_page_text = _first_pages_text(doc)
    title = (metadata.get("title") or "").strip() or _title_from_first_page(doc)
    return DocumentInfo(
        format=fmt,
        title=(title or fallback_title or "Untitled")[:_TITLE_MAX],
        authors=split_authors(metadata.get("author") or ""),
        language=_declared_language(doc, path, fmt) or guess_language(first_page_text),
        pages=tuple(pages),
        outline=_outline(doc, count),
    )


def _check_size(number: int, rect: pymupdf.Rect, limits: RenderLimits) -> PageBox:
    width, height = float(rect.width), float(rect.height)
    if max(width, height) > limits.max_page_side_pt:
        limit_mm = limits.max_page_side_pt * MM_PER_PT
        raise PageTooLargeError(
            f"page {number} is {width * MM_PER_PT:,.0f} x {height * MM_PER_PT:,.0f} mm; "
            f"the largest page accepted is {limit_mm:,.0f} mm on a side"
        )
    if min(width, height) < MIN_PAGE_SIDE_PT:
        raise CorruptDocumentError(f"page {number} has no area ({width:g} x {height:g} pt)")
    return PageBox(width, height)


def _title_from_first_page(doc: pymupdf.Document) -> str:
    """The largest text on page 1: what a person reads as the title when metadata lacks it."""
    try:
        data = doc.load_page(0).get_text("dict", flags=0)
    except (RuntimeError, ValueError):
        return ""
    spans = [
        (float(span["size"]), str(span["text"]), line_no)
        for block_no, block in enumerate(data.get("blocks", []))
        for line_index, line in enumerate(block.get("lines", []))
        for span in line.get("spans", [])
        for line_no in [block_no * 10_000 + line_index]
    ]
    return title_from_spans(spans)


def _first_pages_text(doc: pymupdf.Document, pages: int = 3) -> str:
    parts = []
    for index in range(min(pages, doc.page_count)):
        try:
            parts.append(doc.load_page(index).get_text("text"))
        except (RuntimeError, ValueError):
            continue
    return "".join(parts)


_OPF_LANGUAGE = re.compile(rb"<dc:language[^>]*>\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\s*<")
_FB2_LANGUAGE = re.compile(rb"<lang>\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\s*</lang>")


def _declared_language(doc: pymupdf.Document, path: Path, fmt: Format) -> str | None:
    """The language the document states (PDF /Lang, EPUB dc:language, FB2 <lang>)."""
    found: bytes | str | None = None
    if doc.is_pdf:
        kind, value = doc.xref_get_key(doc.pdf_catalog(), "Lang")
        if kind == "string" and value:
            found = value
    elif fmt is Format.epub:
        found = _epub_language(path)
    elif fmt is Format.fb2:
        with path.open("rb") as handle:
            match = _FB2_LANGUAGE.search(handle.read(64 * 1024))
        found = match.group(1) if match else None
    if isinstance(found, bytes):
        found = found.decode("ascii", "ignore")
    if not found or not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", found):
        return None
    return found


def _epub_language(path: Path) -> bytes | None:
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.lower().endswith(".opf"):
                    with archive.open(name) as handle:
                        match = _OPF_LANGUAGE.search(handle.read(256 * 1024))
                    if match:
                        return match.group(1)
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def _outline(doc: pymupdf.Document, count: int) -> tuple[OutlineEntry, ...]:
    try:
        toc = doc.get_toc(simple=True)
    except (RuntimeError, ValueError):
        return ()
    entries = []
    for level, title, page in toc:
        text = " ".join(str(title).split())[:_TITLE_MAX]
        if text and 1 <= int(page) <= count:
            entries.append(OutlineEntry(int(level), text, int(page)))
    return tuple(entries)
