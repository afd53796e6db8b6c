"""Which document formats we read, and telling them apart by their bytes rather than trusting
a file's name: a name that disagrees with the content is refused, not guessed around."""

from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from book_renderer.errors import (
    CorruptDocumentError,
    EmptyUploadError,
    FormatMismatchError,
    InvalidFileNameError,
    UnsupportedFormatError,
)

MAX_FILENAME_BYTES = 255
_HEAD_BYTES = 4096
_TAIL_BYTES = 1024
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".jxr")


class Format(StrEnum):
    """A format PyMuPDF opens; the value is what `pymupdf.open(filetype=...)` expects."""

    pdf = "pdf"
    epub = "epub"
    xps = "xps"
    cbz = "cbz"
    fb2 = "fb2"
    mobi = "mobi"
    png = "png"
    jpeg = "jpg"
    gif = "gif"
    bmp = "bmp"
    tiff = "tiff"

    @property
    def reflowable(self) -> bool:
        """Text formats without pages of their own: laid out to a page size on opening."""
        return self in (Format.epub, Format.fb2, Format.mobi)

    @property
    def is_image(self) -> bool:
        return self in (Format.png, Format.jpeg, Format.gif, Format.bmp, Format.tiff)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Format.pdf: "a PDF document",
    Format.epub: "an EPUB book",
    Format.xps: "an XPS document",
    Format.cbz: "a CBZ comic book",
    Format.fb2: "a FictionBook (FB2) book",
    Format.mobi: "a MOBI book",
    Format.png: "a PNG image",
    Format.jpeg: "a JPEG image",
    Format.gif: "a GIF image",
    Format.bmp: "a BMP image",
    Format.tiff: "a TIFF image",
}

_BY_SUFFIX = {
    ".pdf": Format.pdf,
    ".epub": Format.epub,
    ".xps": Format.xps,
    ".oxps": Format.xps,
    ".cbz": Format.cbz,
    ".fb2": Format.fb2,
    ".mobi": Format.mobi,
    ".azw": Format.mobi,
    ".png": Format.png,
    ".jpg": Format.jpeg,
    ".jpeg": Format.jpeg,
    ".gif": Format.gif,
    ".bmp": Format.bmp,
    ".tif": Format.tiff,
    ".tiff": Format.tiff,
}

SUPPORTED_SUFFIXES = tuple(sorted(_BY_SUFFIX))


@dataclass(frozen=True, slots=True)
class Sniffed:
    format: Format
    filename: str


def validate_filename(name: str) -> str:
    """The name as given, if it is a plain file name; nothing that could name a path."""
    if not name or not name.strip():
        raise InvalidFileNameError("the file has no name")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_FILENAME_BYTES:
        raise InvalidFileNameError(f"the file name is longer than {MAX_FILENAME_BYTES} bytes")
    if "/" in name or "\\" in name:
        raise InvalidFileNameError("the file name holds a path separator; send the bare name")
    if name in (".", "..") or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise InvalidFileNameError("the file name holds control characters")
    return name


def format_from_name(name: str) -> Format | None:
    """The format a file's extension promises, or None when it has no extension."""
    suffix = PurePosixPath(name.lower()).suffix
    if not suffix:
        return None
    found = _BY_SUFFIX.get(suffix)
    if found is None:
        raise UnsupportedFormatError(
            f"{suffix!r} files are not supported; send one of: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return found


def sniff(path: Path, filename: str) -> Sniffed:
    """Validate the name, identify the content, and refuse when the two disagree."""
    validate_filename(filename)
    size = path.stat().st_size
    if size == 0:
        raise EmptyUploadError("the file is empty (0 bytes)")
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read(_TAIL_BYTES)
    claimed = format_from_name(filename)
    found = _identify(path, head)
    if found is None:
        what = f"named as {claimed.label} but" if claimed else "a file that"
        raise UnsupportedFormatError(
            f"{what} its content is not a format we read (PDF, EPUB, XPS, CBZ, FB2, MOBI, "
            "PNG, JPEG, GIF, BMP, TIFF)"
        )
    if claimed is not None and claimed is not found:
        raise FormatMismatchError(
            f"the file is named as {claimed.label} but its content is {found.label}"
        )
    _check_complete(found, tail)
    return Sniffed(found, filename)


def _identify(path: Path, head: bytes) -> Format | None:
    if b"%PDF-" in head[:1024]:
        return Format.pdf
    if head.startswith(b"PK\x03\x04"):
        return _identify_zip(path)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Format.png
    if head.startswith(b"\xff\xd8\xff"):
        return Format.jpeg
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Format.gif
    if head.startswith(b"BM") and len(head) > 26:
        return Format.bmp
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Format.tiff
    if head[60:68] in (b"BOOKMOBI", b"TEXtREAd"):
        return Format.mobi
    if b"<FictionBook" in head:
        return Format.fb2
    return None


def _identify_zip(path: Path) -> Format | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:64].strip()
                if mimetype == b"application/epub+zip":
                    return Format.epub
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise CorruptDocumentError(f"the ZIP container is damaged or truncated ({exc})") from None
    lowered = [name.lower() for name in names]
    if any(name.endswith(".fdseq") for name in lowered) or "fixeddocumentsequence.fdseq" in lowered:
        return Format.xps
    files = [name for name in lowered if not name.endswith("/")]
    images = [name for name in files if name.endswith(_IMAGE_SUFFIXES)]
    if images and all(name.endswith((*_IMAGE_SUFFIXES, ".xml")) for name in files):
        return Format.cbz
    return None


def _check_complete(found: Format, tail: bytes) -> None:
    """Catch the plainest truncation before a renderer silently repairs it into half a book."""
    if found is Format.pdf and b"%%EOF" not in tail:
        raise CorruptDocumentError(
            "the PDF is truncated: it has no end-of-file marker; upload the complete file"
        )
    if found is Format.png and b"IEND" not in tail[-16:]:
        raise CorruptDocumentError("the PNG image is truncated; upload the complete file")
