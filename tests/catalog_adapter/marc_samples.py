"""MARC test data built the way real files are: pymarc's writers for UTF-8 binary, MARCXML
and MARC-in-JSON, and a hand-rolled ISO 2709 writer for MARC-8 and deliberately damaged
records (pymarc only writes well-formed UTF-8)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import pymarc
from pymarc import Field, Indicators, Leader, Record, Subfield, marc8_mapping

_EACC = {chr(uni): code for code, (uni, _) in marc8_mapping.CODESETS[0x31].items()}
_ANSEL_ACUTE = b"\xe2"


def book(
    number: str,
    title: str,
    author: str = "",
    subjects: Sequence[str] = (),
    isbn: str | None = None,
    extra: Sequence[Field] = (),
) -> Record:
    record = Record(force_utf8=True)
    record.leader = Leader("00000nam a2200000 a 4500")
    record.add_field(Field(tag="001", data=number))
    record.add_field(Field(tag="008", data="240101s2020    cc            000 0 chi d"))
    if isbn:
        record.add_field(
            Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)])
        )
    if author:
        record.add_field(
            Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", author)])
        )
    record.add_field(
        Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", title)])
    )
    for subject in subjects:
        record.add_field(
            Field(tag="650", indicators=Indicators(" ", "0"), subfields=[Subfield("a", subject)])
        )
    for fld in extra:
        record.add_field(fld)
    return record


def koha_item(
    barcode: str,
    branch: str = "MAIN",
    location: str = "STACKS",
    call_number: str = "I242 C1",
    on_loan: bool = False,
) -> Field:
    subfields = [
        Subfield("a", branch),
        Subfield("b", branch),
        Subfield("c", location),
        Subfield("o", call_number),
        Subfield("p", barcode),
    ]
    if on_loan:
        subfields.append(Subfield("q", "2025-12-01"))
    return Field(tag="952", indicators=Indicators(" ", " "), subfields=subfields)


def holding_852(
    barcode: str,
    library: str = "Main Library",
    location: str = "3F",
    klass: str = "PL2727",
    item: str = ".S2 1999",
) -> Field:
    return Field(
        tag="852",
        indicators=Indicators("0", " "),
        subfields=[
            Subfield("a", "UNI"),
            Subfield("b", library),
            Subfield("c", location),
            Subfield("h", klass),
            Subfield("i", item),
            Subfield("p", barcode),
        ],
    )


def binary(records: Sequence[Record]) -> bytes:
    out = io.BytesIO()
    writer = pymarc.MARCWriter(out)
    for record in records:
        writer.write(record)
    return out.getvalue()


def marcxml(records: Sequence[Record]) -> bytes:
    out = io.BytesIO()
    writer = pymarc.XMLWriter(out)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    return out.getvalue()


def marc_json(records: Sequence[Record]) -> bytes:
    return json.dumps([r.as_dict() for r in records], ensure_ascii=False).encode()


def to_marc8(text: str) -> bytes:
    """MARC-8: ASCII as is, é as ANSEL acute + e, CJK through the EACC table."""
    out = bytearray()
    in_eacc = False
    for ch in text:
        if ch in _EACC and ord(ch) > 0x2E7F:
            if not in_eacc:
                out += b"\x1b$1"
                in_eacc = True
            code = _EACC[ch]
            out += bytes([(code >> 16) & 0xFF, (code >> 8) & 0xFF, code & 0xFF])
            continue
        if in_eacc:
            out += b"\x1b(B"
            in_eacc = False
        if ch == "é":
            out += _ANSEL_ACUTE + b"e"
        else:
            out += ch.encode("ascii")
    if in_eacc:
        out += b"\x1b(B"
    return bytes(out)


def iso2709(
    fields: Sequence[tuple[str, bytes]], *, coding: str = " ", leader: str | None = None
) -> bytes:
    """Raw ISO 2709: `fields` are (tag, body) where a data field's body starts with its
    indicators, e.g. (b"245", b"10\\x1faTitle"). The leader's length and base address are
    filled in; nothing else is checked: that is the point."""
    directory = b""
    data = b""
    for tag, body in fields:
        chunk = body + b"\x1e"
        directory += tag.encode() + b"%04d%05d" % (len(chunk), len(data))
        data += chunk
    base = 24 + len(directory) + 1
    length = base + len(data) + 1
    template = leader or f"00000nam {coding}2200000 a 4500"
    head = f"{length:05d}{template[5:12]}{base:05d}{template[17:]}"
    return head.encode("latin-1") + directory + b"\x1e" + data + b"\x1d"


def marc8_book(number: str, title: str, author: str) -> bytes:
    return iso2709(
        [
            ("001", number.encode()),
            ("100", b"1 \x1fa" + to_marc8(author)),
            ("245", b"10\x1fa" + to_marc8(title)),
        ]
    )
