"""The PDF book writer: lays a manuscript out with PyMuPDF's Story (flowing paragraphs,
real pagination), then adds what a printed book has: a title page, a table of contents,
running heads and folios, vector figures, an outline and document metadata.

The output is byte-for-byte reproducible (fixed dates, no random file id, deterministic
font subsets), so a book's sha256 is a stable id across builds.
"""

from __future__ import annotations

import html
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pymupdf

from experience_server.demo.figures import draw_figure
from experience_server.demo.manuscript import Chapter, Manuscript, chapter_heading

MARGIN_X = 54.0
MARGIN_TOP = 58.0
MARGIN_BOTTOM = 56.0
FIGURE_HEIGHT = 190.0

_CSS = """
body { font-family: serif; font-size: 10.5pt; line-height: 1.35; text-align: justify; }
p { margin: 0 0 0 0; text-indent: 1.2em; }
p.first { text-indent: 0; }
h1 { font-family: sans-serif; font-size: 17pt; font-weight: bold; text-align: left;
     margin: 36pt 0 18pt 0; line-height: 1.2; }
h1 span.number { font-size: 10pt; font-weight: normal; color: #555; }
h2 { font-family: sans-serif; font-size: 11.5pt; font-weight: bold; margin: 12pt 0 5pt 0; }
blockquote { font-style: italic; font-size: 9.5pt; margin: 0 24pt 14pt 24pt;
             text-align: left; color: #333; }
table.figure { width: 100%; margin: 8pt 0 8pt 0; }
"""

_CJK_CSS = "body { text-indent: 0; } p { text-indent: 2em; } p.first { text-indent: 2em; }"


@dataclass(frozen=True)
class PdfBook:
    """The written PDF and what layout measured about it."""

    data: bytes
    page_count: int
    chapters: list[tuple[str, int]]  # outline label, first page (from 1)
    figure_pages: list[int]


@dataclass
class _Layout:
    chapter_pages: list[int] = field(default_factory=list)
    sections: list[tuple[int, str, int]] = field(default_factory=list)  # chapter, label, page
    figures: dict[str, tuple[int, pymupdf.Rect]] = field(default_factory=dict)
    page_chapter: list[int] = field(default_factory=list)  # chapter index per body page


def render_pdf(book: Manuscript) -> PdfBook:
    """Write `book` as a PDF and report its page count, chapter pages and figure pages."""
    buffer, layout = _flow_body(book)
    with _open(buffer) as doc:
        for number in range(doc.page_count):
            doc[number].wrap_contents()  # Story pages leave a flipped matrix active
        fonts = _Fonts()
        _title_page(doc[0], book)
        _contents_page(doc[1], book, layout)
        _running_heads(doc, book, layout, fonts)
        figure_pages = _figures(doc, book, layout, fonts)
        toc: list[list[object]] = []
        for index, chapter in enumerate(book.chapters):
            toc.append([1, chapter.label, layout.chapter_pages[index]])
            toc.extend([2, label, page] for c, label, page in layout.sections if c == index)
        doc.set_toc(toc)
        doc.set_metadata(_metadata(book))
        doc.xref_set_key(doc.pdf_catalog(), "Lang", f"({book.lang})")
        doc.subset_fonts()
        data = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
        chapters = [(c.label, layout.chapter_pages[i]) for i, c in enumerate(book.chapters)]
        return PdfBook(data, doc.page_count, chapters, sorted(set(figure_pages)))


@contextmanager
def _open(data: bytes) -> Iterator[pymupdf.Document]:
    doc = pymupdf.open("pdf", data)
    try:
        yield doc
    finally:
        doc.close()


class _Fonts:
    """Fonts for what we draw ourselves; Droid Sans Fallback (PyMuPDF's CJK font) when
    the text needs it, Times otherwise. Both are subset when the book is saved."""

    def __init__(self) -> None:
        self.latin = pymupdf.Font("tiro")
        self.cjk = pymupdf.Font("cjk")

    def for_text(self, text: str) -> pymupdf.Font:
        return self.cjk if any(ord(ch) > 0x2FFF for ch in text) else self.latin


def _flow_body(book: Manuscript) -> tuple[bytes, _Layout]:
    out = io.BytesIO()
    writer = pymupdf.DocumentWriter(out)
    page_rect = pymupdf.Rect(0, 0, *book.page_size)
    where = _inset(page_rect, MARGIN_TOP)
    layout = _Layout()
    for _ in range(2):  # title page and contents, filled in afterwards
        writer.begin_page(page_rect)
        writer.end_page()
    page_number = 2
    for index, chapter in enumerate(book.chapters):
        css = _CSS + (_CJK_CSS if chapter.lang in ("zh", "ja") else "")
        story = pymupdf.Story(html=_chapter_html(index, chapter), user_css=css)
        more = True
        while more:
            device = writer.begin_page(page_rect)
            page_number += 1
            layout.page_chapter.append(index)
            more_flag, _ = story.place(where)
            more = bool(more_flag)
            story.element_positions(_recorder(layout, index, page_number, chapter))
            story.draw(device)
            writer.end_page()
    writer.close()
    return out.getvalue(), layout


def _recorder(layout: _Layout, index: int, page: int, chapter: Chapter) -> object:
    def record(position: object) -> None:
        ident = str(getattr(position, "id", "") or "")
        if getattr(position, "open_close", 0) & 1 == 0 or not ident:
            return
        if ident.startswith("ch-"):
            layout.chapter_pages.append(page)
        elif ident.startswith("s-"):
            section = int(ident.rsplit("-", 1)[1])
            heading = chapter.text.sections[section].heading
            layout.sections.append((index, f"{index + 1}.{section + 1} {heading}", page))
        elif ident.startswith("fig-"):
            layout.figures[ident] = (page, pymupdf.Rect(getattr(position, "rect", ())))

    return record


def _chapter_html(index: int, chapter: Chapter) -> str:
    text = chapter.text
    parts = [
        f'<div lang="{chapter.lang}"><h1 id="ch-{index}"><span class="number">'
        f"{html.escape(chapter_heading(chapter.lang, text.number))}</span><br/>"
        f"{html.escape(text.title)}</h1>"
    ]
    if text.epigraph:
        parts.append(f"<blockquote>{html.escape(text.epigraph)}</blockquote>")
    figures = list(enumerate(chapter.figures))
    for s, section in enumerate(text.sections):
        parts.append(
            f'<h2 id="s-{index}-{s}">{text.number}.{s + 1} {html.escape(section.heading)}</h2>'
        )
        for p, paragraph in enumerate(section.paragraphs):
            css_class = ' class="first"' if p == 0 else ""
            parts.append(f"<p{css_class}>{html.escape(paragraph)}</p>")
            if p == min(1, len(section.paragraphs) - 1) and figures and s >= figures[0][0]:
                number, _ = figures.pop(0)
                parts.append(_figure_slot(index, number))
    parts.extend(_figure_slot(index, number) for number, _ in figures)
    parts.append("</div>")
    return "".join(parts)


def _figure_slot(chapter: int, number: int) -> str:
    """Room for a figure drawn later. A table cell, because Story moves a row that does not
    fit to the next page, while an empty block would run off the bottom of this one."""
    return (
        f'<table class="figure"><tr><td id="fig-{chapter}-{number}" '
        f'style="height:{FIGURE_HEIGHT:.0f}px">&#160;</td></tr></table>'
    )


def _title_page(page: pymupdf.Page, book: Manuscript) -> None:
    width, height = page.rect.width, page.rect.height
    authors = html.escape(", ".join(book.authors))
    subtitle = f"<p class='sub'>{html.escape(book.subtitle)}</p>" if book.subtitle else ""
    edition = f"<p class='ed'>{html.escape(book.edition)}</p>" if book.edition else ""
    top = (
        f"<div lang='{book.lang}'><p class='t'>{html.escape(book.title)}</p>{subtitle}"
        f"{edition}<p class='a'>{authors}</p></div>"
    )
    css = (
        "p { text-align: center; font-family: sans-serif; margin: 0 0 10pt 0; }"
        ".t { font-size: 24pt; font-weight: bold; line-height: 1.2; }"
        ".sub { font-size: 14pt; } .ed { font-size: 10pt; font-style: italic; }"
        ".a { font-size: 13pt; margin-top: 36pt; font-family: serif; }"
        ".p { font-size: 10pt; font-family: serif; margin: 0; }"
    )
    page.insert_htmlbox(
        pymupdf.Rect(MARGIN_X, height * 0.2, width - MARGIN_X, height * 0.7), top, css=css
    )
    imprint = (
        f"<div lang='{book.lang}'><p class='p'>{html.escape(book.publisher)}</p>"
        f"<p class='p'>{html.escape(book.place)} · {book.year}</p>"
        f"<p class='p'>ISBN {book.isbn}</p></div>"
    )
    page.insert_htmlbox(
        pymupdf.Rect(MARGIN_X, height - 130, width - MARGIN_X, height - 50), imprint, css=css
    )


_CONTENTS = {
    "en": "Contents",
    "de": "Inhalt",
    "fr": "Table des matières",
    "zh": "目录",
    "ja": "目次",
}


def _contents_page(page: pymupdf.Page, book: Manuscript, layout: _Layout) -> None:
    rows = "".join(
        f"<tr><td class='c'>{html.escape(chapter.label)}</td>"
        f"<td class='n'>{layout.chapter_pages[i]}</td></tr>"
        for i, chapter in enumerate(book.chapters)
    )
    body = f"<div lang='{book.lang}'><h1>{_CONTENTS[book.lang]}</h1><table>{rows}</table></div>"
    css = (
        "h1 { font-family: sans-serif; font-size: 17pt; margin: 0 0 18pt 0; }"
        "table { width: 100%; } td { font-family: serif; font-size: 10.5pt; "
        "padding: 3pt 0 3pt 0; } td.n { text-align: right; }"
    )
    rect = _inset(page.rect, MARGIN_TOP + 30)
    page.insert_htmlbox(rect, body, css=css)


def _running_heads(doc: pymupdf.Document, book: Manuscript, layout: _Layout, fonts: _Fonts) -> None:
    """Verso pages carry the book's title, recto pages the chapter's; folios at the foot.
    A chapter's opening page has no head, as in print."""
    for offset, chapter_index in enumerate(layout.page_chapter):
        number = offset + 3
        page = doc[number - 1]
        width, height = page.rect.width, page.rect.height
        writer = pymupdf.TextWriter(page.rect)
        folio = str(number)
        font = fonts.for_text(folio)
        writer.append(
            ((width - font.text_length(folio, fontsize=9)) / 2, height - 30),
            folio,
            font=font,
            fontsize=9,
        )
        if number not in layout.chapter_pages:
            head = book.title if number % 2 == 0 else book.chapters[chapter_index].label
            font = fonts.for_text(head)
            size = 8.5
            while font.text_length(head, fontsize=size) > width - 2 * MARGIN_X and size > 6:
                size -= 0.5
            x = (
                MARGIN_X
                if number % 2 == 0
                else width - MARGIN_X - font.text_length(head, fontsize=size)
            )
            writer.append((x, 36), head, font=font, fontsize=size)
        writer.write_text(page, color=(0.35, 0.35, 0.4))


def _figures(doc: pymupdf.Document, book: Manuscript, layout: _Layout, fonts: _Fonts) -> list[int]:
    pages: list[int] = []
    rng = random.Random(f"figures:{book.key}")
    for index, chapter in enumerate(book.chapters):
        for number, placed in enumerate(chapter.figures):
            page_number, rect = layout.figures[f"fig-{index}-{number}"]
            page = doc[page_number - 1]
            if rect.y1 > page.rect.y1 - MARGIN_BOTTOM + 1 or rect.height < FIGURE_HEIGHT - 1:
                raise RuntimeError(f"figure {index + 1}.{number + 1} of {book.key} does not fit")
            rect = pymupdf.Rect(rect.x0 + 10, rect.y0, rect.x1 - 10, rect.y1)
            font = fonts.for_text("".join(placed.figure.labels) + placed.caption)
            draw_figure(page, rect, placed.figure, placed.caption, font, rng)
            pages.append(page_number)
    return pages


def _inset(rect: pymupdf.Rect, top: float) -> pymupdf.Rect:
    return pymupdf.Rect(
        rect.x0 + MARGIN_X, rect.y0 + top, rect.x1 - MARGIN_X, rect.y1 - MARGIN_BOTTOM
    )


def _metadata(book: Manuscript) -> dict[str, str]:
    stamp = f"D:{book.year}0601120000Z"
    return {
        "title": book.full_title,
        "author": "; ".join(book.authors),
        "subject": book.subjects[0] if book.subjects else "",
        "keywords": ", ".join(book.subjects),
        "creator": "readingroom demo library",
        "producer": "PyMuPDF",
        "creationDate": stamp,
        "modDate": stamp,
    }
