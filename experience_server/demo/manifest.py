"""The cache manifest: the built library as JSON, with a format version, the toolchain that
built it and a digest of every file, so a half-written or damaged build is never served."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pymupdf

from experience_server.demo.manuscript import SEED
from experience_server.demo.model import DemoBook, DemoChapter, DemoItem, DemoLibrary, DemoRecord

FORMAT = 1
MANIFEST = "manifest.json"


def toolchain() -> dict[str, str]:
    """What the bytes depend on besides our code: a new PyMuPDF may lay pages out anew."""
    return {"pymupdf": str(pymupdf.VersionBind), "pymarc": version("pymarc"), "seed": SEED}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(root: Path, relative: list[str]) -> dict[str, dict[str, Any]]:
    return {
        rel: {"size": (root / rel).stat().st_size, "sha256": sha256_file(root / rel)}
        for rel in relative
    }


def to_json(library: DemoLibrary, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    root = library.root
    return {
        "format": FORMAT,
        "toolchain": toolchain(),
        "marc": library.marc_path.relative_to(root).as_posix(),
        "marcxml": library.marcxml_path.relative_to(root).as_posix(),
        "circulation": library.circulation_path.relative_to(root).as_posix(),
        "loan_count": library.loan_count,
        "books": [_record_json(b, root) for b in library.books],
        "print_only": [_record_json(r, root) for r in library.print_only],
        "files": files,
    }


def read_valid(root: Path) -> DemoLibrary | None:
    """The library the manifest describes, or None when anything is missing, stale or
    damaged (a rebuild is then due)."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("toolchain") != toolchain():
            return None
        for rel, entry in data["files"].items():
            path = root / rel
            if path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
                return None
        return _library(root, data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _record_json(record: DemoRecord, root: Path) -> dict[str, Any]:
    data: dict[str, Any] = {
        "record_id": record.record_id,
        "title": record.title,
        "subtitle": record.subtitle,
        "authors": record.authors,
        "language": record.language,
        "subjects": record.subjects,
        "call_number": record.call_number,
        "isbn": record.isbn,
        "publisher": record.publisher,
        "place": record.place,
        "year": record.year,
        "page_count": record.page_count,
        "zone": record.zone,
        "items": [
            {
                "barcode": i.barcode,
                "library": i.library,
                "floor": i.floor,
                "range": i.range,
                "shelf": i.shelf,
                "status": i.status,
            }
            for i in record.items
        ],
    }
    if isinstance(record, DemoBook):
        data |= {
            "pdf": record.pdf_path.relative_to(root).as_posix(),
            "sha256": record.sha256,
            "chapters": [{"title": c.title, "page": c.page} for c in record.chapters],
            "figure_pages": record.figure_pages,
        }
    return data


def _record_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "record_id": str(data["record_id"]),
        "title": str(data["title"]),
        "subtitle": data["subtitle"],
        "authors": [str(a) for a in data["authors"]],
        "language": str(data["language"]),
        "subjects": [str(s) for s in data["subjects"]],
        "call_number": str(data["call_number"]),
        "isbn": str(data["isbn"]),
        "publisher": str(data["publisher"]),
        "place": str(data["place"]),
        "year": int(data["year"]),
        "page_count": int(data["page_count"]),
        "zone": str(data["zone"]),
        "items": [
            DemoItem(
                str(i["barcode"]),
                str(i["library"]),
                int(i["floor"]),
                str(i["range"]),
                int(i["shelf"]),
                str(i["status"]),
            )
            for i in data["items"]
        ],
    }


def _library(root: Path, data: dict[str, Any]) -> DemoLibrary:
    books = [
        DemoBook(
            **_record_fields(b),
            pdf_path=root / b["pdf"],
            sha256=str(b["sha256"]),
            chapters=[DemoChapter(str(c["title"]), int(c["page"])) for c in b["chapters"]],
            figure_pages=[int(p) for p in b["figure_pages"]],
        )
        for b in data["books"]
    ]
    return DemoLibrary(
        root=root,
        books=books,
        print_only=[DemoRecord(**_record_fields(r)) for r in data["print_only"]],
        marc_path=root / data["marc"],
        marcxml_path=root / data["marcxml"],
        circulation_path=root / data["circulation"],
        loan_count=int(data["loan_count"]),
    )
