"""MARC21 bibliographic fields -> CatalogRecord: title, authors, subjects, identifiers, call
number, print items (852 and Koha's 952), the e-book link and the licence.

Conventions readingroom adds (documented in docs/catalog.md):
- 856 $u `urn:readingroom:book:<id>` (or a URL ending `/api/v1/books/<id>`) links the
  record to its e-book;
- 506 $f `<licence>` with $2 `readingroom` sets who may read that e-book.
"""

from __future__ import annotations

import hashlib
import re

import pymarc

from catalog_adapter.errors import InvalidQueryError
from catalog_adapter.licences import parse_licence
from catalog_adapter.records import CatalogRecord, Identifier, Item

_TRAILING = " /:;,.=+"
_SAFE_ID = re.compile(r"^[^\s/?#%\\]{1,100}$")
_BOOK_URN = re.compile(r"^urn:readingroom:book:([A-Za-z0-9._-]{1,128})$")
_BOOK_URL = re.compile(r"/api/v1/books/([A-Za-z0-9._-]{1,128})/?$")
_AUTHOR_TAGS = ("100", "110", "111", "700", "710", "711")
_SUBJECT_TAGS = ("600", "610", "611", "630", "648", "650", "651", "653", "655")
_SUBJECT_MAIN = "abcdt"
_SUBJECT_SUBDIVISIONS = "vxyz"


class _Fields:
    """A record's fields by tag, looked up once: mapping asks for some twenty tags, and
    pymarc's get_fields walks every field each time."""

    def __init__(self, record: pymarc.Record) -> None:
        self._by_tag: dict[str, list[pymarc.Field]] = {}
        for fld in record.fields:
            self._by_tag.setdefault(fld.tag, []).append(fld)

    def get_fields(self, *tags: str) -> list[pymarc.Field]:
        return [fld for tag in tags for fld in self._by_tag.get(tag, ())]

    def get(self, tag: str) -> pymarc.Field | None:
        found = self._by_tag.get(tag)
        return found[0] if found else None


def _clean(text: str) -> str:
    return " ".join(text.split()).rstrip(_TRAILING).strip()


def _joined(fld: pymarc.Field, codes: str) -> str:
    parts = [value for code, value in ((s.code, s.value) for s in fld.subfields) if code in codes]
    return _clean(" ".join(parts))


def record_id(control_number: str | None, content: bytes = b"") -> str:
    """The public id: the 001 when it is URL-safe, else a stable hash of it (or, with no
    001, of the record's `content`, so re-importing the same file is still idempotent)."""
    if control_number:
        if _SAFE_ID.match(control_number):
            return control_number
        return "h" + hashlib.sha1(control_number.encode()).hexdigest()[:16]  # noqa: S324 (id, not security)
    return "x" + hashlib.sha1(content).hexdigest()[:16]  # noqa: S324


def normalise_isbn(text: str) -> str | None:
    """ISBN-13 digits for an ISBN-10 or ISBN-13 (hyphens, spaces and qualifiers dropped)."""
    match = re.match(r"^\s*([0-9][0-9\- ]{8,16}[0-9Xx])", text)
    if not match:
        return None
    digits = re.sub(r"[\- ]", "", match.group(1)).upper()
    if len(digits) == 10:
        core = "978" + digits[:9]
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
        return core + str((10 - total % 10) % 10)
    if len(digits) == 13 and digits.isdigit():
        return digits
    return None


def normalise_issn(text: str) -> str | None:
    match = re.search(r"(\d{4})-?(\d{3}[\dXx])", text)
    return (match.group(1) + match.group(2)).upper() if match else None


def normalise_identifier(text: str) -> list[Identifier]:
    """What a user may type as an identifier, in every scheme it could be."""
    out: list[Identifier] = []
    if isbn := normalise_isbn(text):
        out.append(Identifier("isbn", isbn))
    if issn := normalise_issn(text):
        out.append(Identifier("issn", issn))
    plain = " ".join(text.split()).lower()
    if plain:
        out.append(Identifier("other", plain))
    return out


def _identifiers(record: _Fields, control_number: str | None) -> list[Identifier]:
    found: list[Identifier] = []
    if control_number:
        found.append(Identifier("other", control_number.lower()))
    for fld in record.get_fields("020"):
        for value in fld.get_subfields("a"):
            if isbn := normalise_isbn(value):
                found.append(Identifier("isbn", isbn))
    for fld in record.get_fields("022"):
        for value in fld.get_subfields("a", "l"):
            if issn := normalise_issn(value):
                found.append(Identifier("issn", issn))
    for fld in record.get_fields("010", "024", "035"):
        for value in fld.get_subfields("a"):
            if cleaned := " ".join(value.split()).lower():
                found.append(Identifier("other", cleaned))
                # "(OCoLC)12345" is also found as "12345"
                if cleaned.startswith("(") and ")" in cleaned:
                    found.append(Identifier("other", cleaned.split(")", 1)[1].strip()))
    return list(dict.fromkeys(found))


def _heading(fld: pymarc.Field) -> str:
    """A subject heading as catalogs show it: `Italian poetry -- To 1400 -- History`."""
    parts = [_joined(fld, _SUBJECT_MAIN)]
    parts += [_clean(s.value) for s in fld.subfields if s.code in _SUBJECT_SUBDIVISIONS]
    return " -- ".join(p for p in parts if p)


def _linked(record: _Fields, tags: tuple[str, ...]) -> list[pymarc.Field]:
    """880 fields (the vernacular script: Chinese, Japanese, ...) linked to `tags`."""
    out = []
    for fld in record.get_fields("880"):
        link = (fld.get_subfields("6") or [""])[0]
        if link[:3] in tags:
            out.append(fld)
    return out


def _title(record: _Fields) -> tuple[str, list[str]]:
    titles = [_joined(f, "abnp") for f in record.get_fields("245")]
    alternates = [_joined(f, "abnp") for f in _linked(record, ("245",))]
    alternates += [_joined(f, "abnp") for f in record.get_fields("246", "240", "130")]
    titles = [t for t in titles if t]
    alternates = [t for t in alternates if t]
    if titles:
        return titles[0], alternates
    if alternates:
        return alternates[0], alternates[1:]
    return "", []


def _call_number(record: _Fields) -> str | None:
    for tag, codes in (
        ("852", "hi"),
        ("090", "ab"),
        ("050", "ab"),
        ("084", "ab"),
        ("082", "a"),
        ("952", "o"),
    ):
        for fld in record.get_fields(tag):
            if text := _joined(fld, codes):
                return text
    return None


def _first(record: _Fields, tag: str, codes: str) -> str | None:
    for fld in record.get_fields(tag):
        if text := _joined(fld, codes):
            return text
    return None


def _items(record: _Fields, rid: str) -> list[Item]:
    items: list[Item] = []
    for n, fld in enumerate(record.get_fields("852"), start=1):
        barcode = next((p.strip() for p in fld.get_subfields("p") if p.strip()), None)
        items.append(
            Item(
                item_id=barcode or f"{rid}:852:{n}",
                barcode=barcode,
                library=_joined(fld, "ab") or None,
                location=_joined(fld, "c") or None,
                call_number=_joined(fld, "khim") or None,
                status=None,
                source="852",
            )
        )
    for n, fld in enumerate(record.get_fields("952"), start=1):
        sub = {code: value.strip() for code, value in ((s.code, s.value) for s in fld.subfields)}
        koha_barcode = sub.get("p") or None
        items.append(
            Item(
                item_id=koha_barcode or f"{rid}:952:{sub.get('9') or n}",
                barcode=koha_barcode,
                library=sub.get("b") or sub.get("a") or None,
                location=sub.get("c") or None,
                call_number=sub.get("o") or None,
                status=_koha_status(sub),
                source="952",
            )
        )
    return items


def _koha_status(sub: dict[str, str]) -> str:
    if sub.get("0", "0") not in ("", "0"):
        return "withdrawn"
    if sub.get("1", "0") not in ("", "0"):
        return "lost"
    if sub.get("q"):
        return "on loan"
    if sub.get("7", "0") not in ("", "0"):
        return "not for loan"
    return "available"


def _book_id(record: _Fields) -> str | None:
    for fld in record.get_fields("856"):
        for url in fld.get_subfields("u"):
            url = url.strip()
            if match := (_BOOK_URN.match(url) or _BOOK_URL.search(url)):
                return match.group(1)
    return None


def _licence(record: _Fields, default: str, warnings: list[str]) -> str:
    for fld in record.get_fields("506"):
        if "readingroom" in [v.strip().lower() for v in fld.get_subfields("2")]:
            for value in fld.get_subfields("f"):
                try:
                    return parse_licence(value)
                except InvalidQueryError as exc:
                    warnings.append(f"506 $f {value!r}: {exc}; using {default}")
    return default


def _year(record: _Fields) -> str | None:
    fixed = record.get("008")
    if fixed is not None and fixed.data and len(fixed.data) >= 11 and fixed.data[7:11].isdigit():
        return fixed.data[7:11]
    text = _first(record, "264", "c") or _first(record, "260", "c")
    match = re.search(r"\d{4}", text or "")
    return match.group(0) if match else None


def _language(record: _Fields) -> str | None:
    fixed = record.get("008")
    if fixed is not None and fixed.data and len(fixed.data) >= 38:
        code = fixed.data[35:38].strip()
        if code.isalpha():
            return code.lower()
    return (_first(record, "041", "a") or "")[:3].lower() or None


def map_record(
    record: pymarc.Record, *, default_licence: str, warnings: list[str]
) -> tuple[CatalogRecord, list[str]]:
    """The CatalogRecord for a pymarc record, plus its alternate titles (vernacular 880s,
    246 variants) for the search index. Raises ValueError when it has no title at all."""
    fields = _Fields(record)
    control = fields.get("001")
    control_number = control.data.strip() if control is not None and control.data else None
    rid = record_id(control_number, b"" if control_number else record.as_marc())
    title, alternates = _title(fields)
    if not title:
        raise ValueError("no title (245)")
    authors = [_joined(f, "abcdq") for f in fields.get_fields(*_AUTHOR_TAGS)]
    authors += [_joined(f, "abcdq") for f in _linked(fields, _AUTHOR_TAGS)]
    subjects = [_heading(f) for f in fields.get_fields(*_SUBJECT_TAGS)]
    subjects += [_heading(f) for f in _linked(fields, _SUBJECT_TAGS)]
    catalog_record = CatalogRecord(
        id=rid,
        control_number=control_number,
        title=title,
        authors=list(dict.fromkeys(a for a in authors if a)),
        subjects=list(dict.fromkeys(s for s in subjects if s)),
        identifiers=_identifiers(fields, control_number),
        call_number=_call_number(fields),
        publisher=_first(fields, "264", "b") or _first(fields, "260", "b"),
        year=_year(fields),
        language=_language(fields),
        summary=_first(fields, "520", "a"),
        book_id=_book_id(fields),
        licence=_licence(fields, default_licence, warnings),
        items=_items(fields, rid),
    )
    return catalog_record, alternates
