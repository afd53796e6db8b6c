"""Bad MARC: every good record is imported, every bad one is reported with where it is and
why, and nothing disappears without a word."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.errors import UnreadableMarcError
from catalog_adapter.importer import import_marc
from tests.catalog_adapter import marc_samples as ms


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[EmbeddedCatalog]:
    store = EmbeddedCatalog(tmp_path / "readingroom.sqlite3")
    yield store
    store.close()


def _good(n: int) -> bytes:
    return ms.binary([ms.book(f"g{n}", f"Good book {n}", "Author")])


def test_each_bad_binary_record_is_reported_with_its_position(catalog: EmbeddedCatalog) -> None:
    bad_utf8 = ms.iso2709([("001", b"b1"), ("245", b"10\x1faBroken \xff\xfe title")], coding="a")
    bad_indicators = ms.iso2709([("001", b"b2"), ("245", b"1\x00\x1faTitle")], coding="a")
    missing_indicators = ms.iso2709([("001", b"b3"), ("245", b"\x1faTitle")], coding="a")
    bad_marc8 = ms.iso2709([("001", b"b4"), ("245", b"10\x1faBad \x1b$1\x7f\x7f\x7f")])
    bad_leader = b"0009xnam a22000xx a 4500" + ms.iso2709([("001", b"b5")])[24:]
    no_title = ms.iso2709([("001", b"b6"), ("100", b"1 \x1faNobody")], coding="a")
    authority = ms.iso2709(
        [("001", b"b7"), ("100", b"1 \x1faSomeone")], leader="00000nz  a2200000n  4500"
    )
    wrong_coding = ms.iso2709([("001", b"b8"), ("245", b"10\x1faTitle")], coding="x")
    parts = [
        _good(1),
        bad_utf8,
        _good(2),
        bad_indicators,
        missing_indicators,
        bad_marc8,
        bad_leader,
        _good(3),
        no_title,
        authority,
        wrong_coding,
    ]
    data = b"".join(parts)
    truncated = _good(4)[:-30]
    report = import_marc(catalog, io.BytesIO(data + truncated))

    assert report.imported == 3
    assert catalog.count() == 3
    assert report.read == len(parts) + 1 == report.imported + len(report.rejected)
    by_position = {r.position: r for r in report.rejected}
    assert sorted(by_position) == [2, 4, 5, 6, 7, 9, 10, 11, 12]
    assert "invalid UTF-8" in by_position[2].reason
    assert "invalid indicators" in by_position[4].reason
    assert "0 indicators" in by_position[5].reason
    assert "EACC" in by_position[6].reason
    assert "leader" in by_position[7].reason
    assert "no title" in by_position[9].reason
    assert "authority" in by_position[10].reason
    assert "leader/09" in by_position[11].reason
    assert "truncated" in by_position[12].reason
    offsets = [0]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    assert by_position[4].offset == offsets[3]
    assert by_position[2].control_number == "b1"


def test_a_wrong_length_in_one_leader_does_not_shift_the_records_after_it(
    catalog: EmbeddedCatalog,
) -> None:
    damaged = bytearray(_good(2))
    damaged[0:5] = b"00999"  # the leader claims far more bytes than the record has
    report = import_marc(catalog, io.BytesIO(_good(1) + bytes(damaged) + _good(3)))
    assert (report.imported, report.rejected) == (3, [])
    assert any("leader says 999 bytes" in w.message for w in report.warnings)


def test_utf8_data_labelled_marc8_is_read_as_utf8_with_a_warning(
    catalog: EmbeddedCatalog,
) -> None:
    mislabelled = ms.iso2709([("001", b"u1"), ("245", "10\x1fa三国演义".encode())])
    report = import_marc(catalog, io.BytesIO(mislabelled))
    assert catalog.get("u1").title == "三国演义"
    assert "data is UTF-8" in report.warnings[0].message


def test_marcxml_bad_records_are_reported_and_the_rest_imported(
    catalog: EmbeddedCatalog,
) -> None:
    xml = ms.marcxml([ms.book("x1", "One"), ms.book("x2", "Two"), ms.book("x3", "Three")])
    xml = xml.replace(b'ind1="1"', b'ind1="!!"', 1)  # x1's 245 (first datafield with ind1=1)
    xml = xml.replace(b"<leader>00000nam a2200000 a 4500</leader>", b"<leader>short</leader>", 2)
    report = import_marc(catalog, io.BytesIO(xml))
    assert report.imported == 1
    assert [r.position for r in report.rejected] == [1, 2]
    assert all(r.line for r in report.rejected)
    assert "indicator" in report.rejected[0].reason or "leader" in report.rejected[0].reason
    assert "leader" in report.rejected[1].reason


def test_malformed_xml_keeps_the_records_before_the_damage(catalog: EmbeddedCatalog) -> None:
    xml = ms.marcxml([ms.book("x1", "One"), ms.book("x2", "Two")])
    cut = xml.index(b"<record", xml.index(b"<record") + 1)
    report = import_marc(catalog, io.BytesIO(xml[:cut] + b"<record><oops></record>"))
    assert report.imported == 1
    assert "not well-formed" in report.rejected[-1].reason
    assert report.rejected[-1].line is not None


def test_marc_in_json_bad_records_are_reported(catalog: EmbeddedCatalog) -> None:
    good = ms.book("j1", "Fine").as_dict()
    no_fields = {"leader": "00000nam a2200000 a 4500"}
    bad_field = {
        "leader": "00000nam a2200000 a 4500",
        "fields": [{"245": {"ind1": "1", "subfields": [{"a": "No ind2"}]}}],
    }
    import json

    data = json.dumps([good, no_fields, bad_field, "nonsense"]).encode()
    report = import_marc(catalog, io.BytesIO(data))
    assert report.imported == 1
    assert [r.position for r in report.rejected] == [2, 3, 4]


def test_a_file_that_is_not_marc_at_all_is_refused(catalog: EmbeddedCatalog) -> None:
    with pytest.raises(UnreadableMarcError):
        import_marc(catalog, io.BytesIO(b"%PDF-1.7 not a catalog"))
    assert catalog.count() == 0
