"""The demo catalog as MARC21 bibliographic records (pymarc), written as binary MARC (UTF-8,
leader/09 = 'a') and as MARCXML, with holdings in 852 and in Koha's 952 item field, so both
a generic MARC loader and a Koha-style importer find every copy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pymarc
from pymarc import Field, Indicators, Record, Subfield

from experience_server.demo.books import BookSpec
from experience_server.demo.holdings import Copy
from experience_server.demo.manuscript import display_name
from experience_server.demo.model import DemoBook, DemoRecord

ORG_CODE = "RrDemo"
LEADER = "00000nam a2200000 i 4500"
CATALOGED = "20250901120000.0"
_NONFILING = {
    "eng": ("The ", "A ", "An "),
    "ger": ("Der ", "Die ", "Das ", "Ein ", "Eine "),
    "fre": ("Les ", "Le ", "La ", "L'", "Un ", "Une "),
}
_PLACES = ("China", "Japan", "Germany", "France", "Italy", "Spain", "England", "Russia", "Europe")
_FORMS = ("Textbooks", "Handbooks, manuals, etc.", "Fiction", "Drama", "Translations into English")


@dataclass(frozen=True)
class ItemUse:
    """What circulation knows about a copy, for Koha's 952 $l and $s."""

    checkouts: int
    last_borrowed: str | None  # ISO date


def catalog_record(
    spec: BookSpec, record: DemoRecord, copies: list[Copy], use: dict[str, ItemUse]
) -> Record:
    """One bibliographic record with its holdings."""
    marc = Record(force_utf8=True, leader=LEADER)
    marc.add_field(
        Field(tag="001", data=record.record_id),
        Field(tag="003", data=ORG_CODE),
        Field(tag="005", data=CATALOGED),
        Field(tag="008", data=_fixed_field(spec)),
        _field("020", "  ", ("a", record.isbn), ("q", "(paperback)")),
        _field("040", "  ", ("a", ORG_CODE), ("b", "eng"), ("e", "rda"), ("c", ORG_CODE)),
    )
    if len(spec.topics) > 1:
        marc.add_field(_field("041", "0 ", ("a", spec.language), ("a", "eng")))
    class_part, item_part = _call_number_parts(record.call_number)
    marc.add_field(_field("050", " 4", ("a", class_part), ("b", item_part)))
    first, *others = record.authors
    marc.add_field(_field("100", _name_indicators(first), ("a", f"{first},"), ("e", "author.")))
    marc.add_field(_title_field(spec, record))
    if spec.edition:
        marc.add_field(_field("250", "  ", ("a", spec.edition)))
    marc.add_field(
        _field(
            "264",
            " 1",
            ("a", f"{record.place} :"),
            ("b", f"{record.publisher},"),
            ("c", f"{record.year}."),
        ),
        _field("264", " 4", ("c", f"©{record.year}")),
        _extent(spec, record),
        _field("336", "  ", ("a", "text"), ("b", "txt"), ("2", "rdacontent")),
        _field("337", "  ", ("a", "unmediated"), ("b", "n"), ("2", "rdamedia")),
        _field("338", "  ", ("a", "volume"), ("b", "nc"), ("2", "rdacarrier")),
    )
    if spec.ebook:
        marc.add_field(_field("504", "  ", ("a", "Includes bibliographical references and index.")))
    for heading in record.subjects:
        marc.add_field(_subject_field(heading))
    for other in others:
        marc.add_field(_field("700", _name_indicators(other), ("a", f"{other},"), ("e", "author.")))
    if isinstance(record, DemoBook):
        marc.add_field(
            _field(
                "856",
                "41",
                ("3", "E-book"),
                ("u", record.ebook_url),
                ("q", "application/pdf"),
                ("y", "Read in the reading room"),
            )
        )
    for copy, item in zip(copies, record.items, strict=True):
        marc.add_field(
            _field(
                "852",
                "0 ",
                ("a", copy.library),
                ("b", f"Floor {copy.floor}"),
                ("c", f"Range {copy.range}, shelf {copy.shelf}"),
                ("h", class_part),
                ("i", item_part),
                ("p", copy.barcode),
                ("t", str(copy.copy_number)),
            )
        )
        seen = use.get(copy.barcode, ItemUse(0, None))
        koha = [
            ("a", copy.branch),
            ("b", copy.branch),
            ("c", copy.shelving_location),
            ("d", copy.acquired),
            ("l", str(seen.checkouts)),
        ]
        if seen.last_borrowed:
            koha.append(("s", seen.last_borrowed))
        koha += [
            ("o", record.call_number),
            ("p", copy.barcode),
            ("t", str(copy.copy_number)),
            ("y", "BK"),
            ("1", "1" if item.status == "missing" else "0"),
            ("7", "0"),
        ]
        marc.add_field(_field("952", "  ", *koha))
    return marc


def write_catalog(records: list[Record], marc_path: Path, xml_path: Path) -> None:
    with marc_path.open("wb") as out:
        for record in records:
            out.write(record.as_marc())
    with xml_path.open("wb") as out:
        writer = pymarc.XMLWriter(out)
        for record in records:
            writer.write(record)
        writer.close(close_fh=False)


def _field(tag: str, indicators: str, *subfields: tuple[str, str]) -> Field:
    return Field(
        tag=tag,
        indicators=Indicators(indicators[0], indicators[1]),
        subfields=[Subfield(code, value) for code, value in subfields],
    )


def _extent(spec: BookSpec, record: DemoRecord) -> Field:
    height = f"{round(spec.page_size[1] / 72 * 2.54)} cm"
    if not spec.ebook:
        return _field("300", "  ", ("a", f"{record.page_count} pages ;"), ("c", height))
    return _field(
        "300", "  ", ("a", f"{record.page_count} pages :"), ("b", "illustrations ;"), ("c", height)
    )


def _fixed_field(spec: BookSpec) -> str:
    """008 for books; the studies carry bibliographies and an index, the classics are
    fiction (literary form '1')."""
    study = spec.ebook
    parts = (
        CATALOGED[2:8],
        "s",
        str(spec.year),
        "    ",
        spec.publisher.country,
        "a   " if study else "    ",  # 18-21 illustrations
        " ",
        " ",  # 22 audience, 23 form of item (regular print)
        "b   " if study else "    ",  # 24-27 nature of contents
        " ",
        "0",
        "0",
        "1" if study else "0",
        " ",  # 28 gov, 29 conf, 30 fest, 31 index, 32
        "0" if study else "1",
        " ",  # 33 literary form, 34 biography
        spec.language,
        " ",
        "d",  # 35-37 language, 38 modified, 39 cataloging source
    )
    data = "".join(parts)
    if len(data) != 40:
        raise AssertionError(f"008 must be 40 characters, got {len(data)}: {data!r}")
    return data


def _call_number_parts(call_number: str) -> tuple[str, str]:
    class_part, _, item_part = call_number.partition(" ")
    return class_part, item_part


def _name_indicators(heading: str) -> str:
    return "1 " if ", " in heading else "0 "


def _title_field(spec: BookSpec, record: DemoRecord) -> Field:
    skip = next(
        (len(a) for a in _NONFILING.get(spec.language, ()) if record.title.startswith(a)), 0
    )
    names = [display_name(a) for a in record.authors]
    cjk = spec.language in ("chi", "jpn")
    responsibility = (", ".join(names) + "著") if cjk else _and_join(names)
    subfields = [("a", f"{record.title} :" if record.subtitle else f"{record.title} /")]
    if record.subtitle:
        subfields.append(("b", f"{record.subtitle} /"))
    subfields.append(("c", f"{responsibility}."))
    return _field("245", f"1{skip}", *subfields)


def _and_join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _subject_field(heading: str) -> Field:
    """LCSH "A -- B -- C" (650, or 651 when A is a place): $a, then $y for periods, $z
    for places, $v for forms, $x for the rest."""
    main, *subdivisions = heading.split(" -- ")
    subfields = [("a", main)]
    for part in subdivisions:
        if re.search(r"\d{2}th century|\d{4}|^To \d|dynast", part):
            code = "y"
        elif part in _PLACES:
            code = "z"
        elif part in _FORMS:
            code = "v"
        else:
            code = "x"
        subfields.append((code, part))
    subfields[-1] = (
        subfields[-1][0],
        subfields[-1][1] + ("" if subfields[-1][1].endswith((".", ")", "-")) else "."),
    )
    return _field("651" if main in _PLACES else "650", " 0", *subfields)
