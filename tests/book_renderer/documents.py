"""Documents the tests make for themselves: good books in several formats (with Chinese text),
and every kind of bad input the issue names. Bombs are written byte by byte, never decoded."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pymupdf
from PIL import Image

CHINESE = "我们一起读书吧，图书馆的知识属于每一个人。"
JAPANESE = "図書館で本を読みます。"


def text_pdf(
    pages: int = 6,
    *,
    title: str | None = "The Reading Room",
    author: str | None = "Ann Lee; Bo Chen",
    size: tuple[float, float] = (420.0, 595.0),
    toc: bool = True,
    marker: str = "",
) -> bytes:
    """A small book: a heading and Latin + Chinese lines on every page, an outline. The CJK
    lines are set once and the page copied (setting CJK text costs ~25 ms a page)."""
    doc = pymupdf.open()
    template = doc.new_page(width=size[0], height=size[1])
    template.insert_text((40, 130), CHINESE, fontname="china-s", fontsize=10)
    template.insert_text((40, 160), JAPANESE, fontname="japan", fontsize=10)
    for _ in range(pages - 1):
        doc.fullcopy_page(0)
    for number in range(1, pages + 1):
        page = doc[number - 1]
        page.insert_text((40, 60), f"Chapter {number}", fontsize=20)
        page.insert_text((40, 100), f"The quick brown fox, page {number}. {marker}", fontsize=10)
    metadata = {}
    if title:
        metadata["title"] = title
    if author:
        metadata["author"] = author
    doc.set_metadata(metadata)
    if toc and pages >= 3:
        doc.set_toc([[1, "Opening", 1], [2, "First steps", 2], [1, "Closing", pages]])
    return bytes(doc.tobytes(garbage=3, deflate=True))


def untitled_pdf() -> bytes:
    """No title in the metadata: the big heading on page 1 is the title."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=595)
    page.insert_text((40, 80), "读书的乐趣", fontname="china-s", fontsize=28)
    page.insert_text((40, 140), "正文" * 20, fontname="china-s", fontsize=10)
    page.insert_text((40, 160), "正文" * 20, fontname="china-s", fontsize=10)
    return bytes(doc.tobytes())


def encrypted_pdf() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    return bytes(
        doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="reader", owner_pw="owner")
    )


def truncated_pdf() -> bytes:
    data = text_pdf(8)
    return data[: len(data) // 2]


def corrupt_pdf() -> bytes:
    """A PDF header, then noise, then an end marker: nothing MuPDF can rebuild."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def huge_page_pdf() -> bytes:
    """One page 10 m on a side."""
    doc = pymupdf.open()
    doc.new_page(width=28_346, height=28_346)
    return bytes(doc.tobytes())


def pixel_bomb_pdf(side: int = 40_000) -> bytes:
    """A page whose image declares side x side 1-bit pixels (200 MB decoded at 40,000) in a
    few hundred kilobytes of Flate data."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    xref = doc.get_new_xref()
    data = _zeros_flate(bytes((side + 7) // 8), side)
    doc.update_object(
        xref,
        f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} "
        f"/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode "
        f"/Length {len(data)} >>",
    )
    doc.update_stream(xref, data, compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    page_xref = page.xref
    doc.xref_set_key(page_xref, "Resources", f"<< /XObject << /Im0 {xref} 0 R >> >>")
    content = doc.get_new_xref()
    doc.update_object(content, "<< >>")
    doc.update_stream(content, b"q 400 0 0 400 0 0 cm /Im0 Do Q")
    doc.xref_set_key(page_xref, "Contents", f"{content} 0 R")
    return bytes(doc.tobytes())


def _zeros_flate(row: bytes, rows: int, batch: int = 1000) -> bytes:
    """`rows` copies of `row`, deflated a thousand rows at a time (never all in memory)."""
    compressor = zlib.compressobj(6)
    block = row * batch
    parts = [compressor.compress(block) for _ in range(rows // batch)]
    parts.append(compressor.compress(row * (rows % batch)))
    return b"".join(parts) + compressor.flush()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def pixel_bomb_png(side: int = 30_000) -> bytes:
    """A grey PNG declaring side x side pixels, written chunk by chunk."""
    data = _zeros_flate(b"\x00" + bytes((side + 7) // 8), side)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def many_pages_pdf(count: int) -> bytes:
    """A valid PDF of `count` empty pages, written as text (milliseconds even for 10,000)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []

    def obj(number: int, body: bytes) -> None:
        offsets.append((number, out.tell()))
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids))
    for i in range(count):
        obj(3 + i, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] >>")
    xref_at = out.tell()
    total = count + 3
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % total)
    for _, offset in sorted(offsets):
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (total, xref_at))
    return out.getvalue()


def slow_pdf(segments: int = 150_000, leading_pages: int = 0) -> bytes:
    """A page filling one path of `segments` random lines (a stand-in for a document built
    to hang a renderer: seconds of rasterising per size, yet a small file and flat memory,
    so a render limit that trips is the time limit and not the memory one), after
    `leading_pages` ordinary ones."""
    doc = pymupdf.open()
    for number in range(leading_pages):
        doc.new_page(width=420, height=595).insert_text((40, 60), f"Page {number + 1}")
    page = doc.new_page(width=420, height=595)
    # A fixed LCG walk, so the same call gives the same bytes (and the same book id).
    x, y, points = 0, 0, [b"0 0 m\n"]
    for _ in range(segments):
        x, y = (x * 1103 + 12345) % 420, (y * 2203 + x + 777) % 595
        points.append(b"%d %d l\n" % (x, y))
    points.append(b"f\n")
    xref = doc.get_new_xref()
    doc.update_object(xref, "<< >>")
    doc.update_stream(xref, zlib.compress(b"".join(points), 1), compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    doc.xref_set_key(page.xref, "Contents", f"{xref} 0 R")
    return bytes(doc.tobytes())


def png_page(text_color: tuple[int, int, int] = (20, 20, 20)) -> bytes:
    image = Image.new("RGB", (600, 800), (250, 248, 240))
    image.paste(Image.new("RGB", (400, 40), text_color), (100, 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def cbz(pages: int = 3) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1, pages + 1):
            archive.writestr(f"{number:03d}.png", png_page((20 * number, 20, 20)))
    return buffer.getvalue()


def cbz_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("001.png", png_page())
        archive.writestr("002.png", pixel_bomb_png(6_000))
    return buffer.getvalue()


def epub(title: str = "读书之乐 The Joy of Reading", chapters: int = 3) -> bytes:
    """A minimal EPUB 3: container, OPF with Dublin Core title/creator/language, chapters."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        items = "".join(
            f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
            for i in range(1, chapters + 1)
        )
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(1, chapters + 1))
        archive.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0" encoding="utf-8"?>'
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="id">urn:test:epub</dc:identifier><dc:title>{title}</dc:title>'
            "<dc:creator>李白</dc:creator><dc:language>zh-CN</dc:language></metadata>"
            f'<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
            f'properties="nav"/>{items}</manifest><spine>{spine}</spine></package>',
        )
        archive.writestr(
            "OEBPS/nav.xhtml",
            '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><body><nav epub:type="toc"><ol>'
            + "".join(f'<li><a href="c{i}.xhtml">第{i}章</a></li>' for i in range(1, chapters + 1))
            + "</ol></nav></body></html>",
        )
        for i in range(1, chapters + 1):
            body = "".join(f"<p>{CHINESE}第{i}章。Reading chapter {i}.</p>" for _ in range(30))
            archive.writestr(
                f"OEBPS/c{i}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?>'
                '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title></head>'
                f"<body><h1>第{i}章</h1>{body}</body></html>",
            )
    return buffer.getvalue()


def fb2() -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<FictionBook xmlns="http://www.gribuser.ru/xml/fictionbook/2.0"><description>'
        "<title-info><book-title>Короткая книга</book-title><author><first-name>Anna"
        "</first-name><last-name>Lee</last-name></author><lang>ru</lang></title-info>"
        "</description><body><section><p>Hello reader, привет.</p></section></body>"
        "</FictionBook>"
    ).encode()
