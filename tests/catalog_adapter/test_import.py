"""MARC import as a librarian sees it: files from real systems come in, records become
searchable, a second import updates instead of duplicating."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pymarc
import pytest
from pymarc import Field, Indicators, Subfield

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.importer import import_marc
from tests.catalog_adapter import marc_samples as ms


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[EmbeddedCatalog]:
    store = EmbeddedCatalog(tmp_path / "readingroom.sqlite3")
    yield store
    store.close()


def _library() -> list[pymarc.Record]:
    return [
        ms.book(
            "cn001",
            "红楼梦 /",
            "曹雪芹",
            ["中国小说 -- 清代"],
            "978-7-02-000220-7",
            [ms.koha_item("B0001"), ms.koha_item("B0002", on_loan=True)],
        ),
        ms.book(
            "jp001", "ノルウェイの森", "村上春樹", ["日本文学"], None, [ms.holding_852("J0001")]
        ),
        ms.book(
            "en001",
            "A history of China /",
            "Fairbank, John King",
            ["China -- History"],
            "0-674-11670-4",
        ),
        ms.book("jp002", "東京の歴史", "山田太郎", ["東京 (日本) -- 歴史"]),
    ]


def _ids(catalog: EmbeddedCatalog, query: str, field: str = "any") -> list[str]:
    return [hit.id for hit in catalog.search(query, field).hits]  # type: ignore[arg-type]


def test_binary_marc_import_maps_fields_and_holdings(catalog: EmbeddedCatalog) -> None:
    report = import_marc(catalog, io.BytesIO(ms.binary(_library())))
    assert (report.read, report.imported, report.rejected) == (4, 4, [])
    record = catalog.get("cn001")
    assert record.title == "红楼梦"
    assert record.authors == ["曹雪芹"]
    assert record.subjects == ["中国小说 -- 清代"]
    assert ("isbn", "9787020002207") in [(i.scheme, i.value) for i in record.identifiers]
    assert record.call_number == "I242 C1"
    assert [(i.item_id, i.status, i.library) for i in record.items] == [
        ("B0001", "available", "MAIN"),
        ("B0002", "on loan", "MAIN"),
    ]
    japanese = catalog.get("jp001")
    assert [(i.item_id, i.location, i.call_number) for i in japanese.items] == [
        ("J0001", "3F", "PL2727 .S2 1999")
    ]
    assert catalog.for_item("J0001").id == "jp001"
    assert [i.item_id for i in catalog.items_for_record("cn001") or []] == ["B0001", "B0002"]
    assert catalog.items_for_record("nope") is None
    assert sorted(catalog.items_by_barcode(["B0002", "J0001", "X"])) == ["B0002", "J0001"]


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("红楼梦", "title", ["cn001"]),  # three characters: trigram index
        ("红楼", "any", ["cn001"]),  # two characters: bigram fallback
        ("梦", "title", ["cn001"]),  # one character
        ("曹雪芹", "author", ["cn001"]),
        ("小说", "subject", ["cn001"]),
        ("ノルウェイ", "title", ["jp001"]),
        ("村上", "author", ["jp001"]),
        ("東京", "any", ["jp002"]),
        ("歴史", "subject", ["jp002"]),
        ("ＮＯＲＷＡＹ", "any", []),  # full-width Latin is normalised, and finds nothing here
        ("histo chin", "any", ["en001"]),  # word prefixes, all words must match
        ("fairbank", "author", ["en001"]),
        ("china", "subject", ["en001"]),
        ("9787020002207", "identifier", ["cn001"]),
        ("978-7-02-000220-7", "any", ["cn001"]),
        ("0674116704", "identifier", ["en001"]),  # ISBN-10 finds the ISBN-13
        ("村上 东京", "any", []),
    ],
)
def test_search_by_field_in_chinese_japanese_and_english(
    catalog: EmbeddedCatalog, query: str, field: str, expected: list[str]
) -> None:
    import_marc(catalog, io.BytesIO(ms.binary(_library())))
    assert _ids(catalog, query, field) == expected


def test_title_matches_rank_above_subject_matches(catalog: EmbeddedCatalog) -> None:
    records = [
        ms.book("s1", "Gardening", "Smith", ["History of China"]),
        ms.book("t1", "China: a history", "Jones", ["Asia"]),
    ]
    import_marc(catalog, io.BytesIO(ms.binary(records)))
    assert _ids(catalog, "china") == ["t1", "s1"]


@pytest.mark.parametrize("writer", [ms.marcxml, ms.marc_json], ids=["marcxml", "json"])
def test_marcxml_and_marc_in_json_import_like_binary(catalog: EmbeddedCatalog, writer) -> None:  # type: ignore[no-untyped-def]
    report = import_marc(catalog, io.BytesIO(writer(_library())))
    assert (report.imported, report.rejected) == (4, [])
    assert catalog.get("jp001").title == "ノルウェイの森"
    assert _ids(catalog, "红楼") == ["cn001"]


def test_marc8_latin_and_east_asian_characters_decode(catalog: EmbeddedCatalog) -> None:
    data = ms.marc8_book("m1", "Café society", "Dupré, Jean") + ms.marc8_book(
        "m2", "中国历史", "司马迁"
    )
    report = import_marc(catalog, io.BytesIO(data))
    assert (report.imported, report.rejected) == (2, [])
    assert catalog.get("m1").title == "Café society"
    assert catalog.get("m2").title == "中国历史"
    assert _ids(catalog, "历史") == ["m2"]
    assert _ids(catalog, "dupré", "author") == ["m1"]


def test_reimport_updates_by_001_instead_of_duplicating(catalog: EmbeddedCatalog) -> None:
    import_marc(catalog, io.BytesIO(ms.binary(_library())))
    changed = ms.book("en001", "The Cambridge history of China", "Fairbank, John King")
    newcomer = ms.book("new001", "A new book")
    report = import_marc(catalog, io.BytesIO(ms.binary([*_library()[:2], changed, newcomer])))
    assert (report.imported, report.updated) == (1, 3)
    assert catalog.count() == 5
    assert catalog.get("en001").title == "The Cambridge history of China"
    assert _ids(catalog, "a history of") == []
    assert _ids(catalog, "cambridge") == ["en001"]


def test_deletion_record_removes_the_record(catalog: EmbeddedCatalog) -> None:
    import_marc(catalog, io.BytesIO(ms.binary(_library())))
    gone = ms.book("jp002", "東京の歴史")
    gone.leader = pymarc.Leader("00000dam a2200000 a 4500")
    report = import_marc(catalog, io.BytesIO(ms.binary([gone])))
    assert report.deleted == 1
    assert _ids(catalog, "東京") == []


def test_book_link_and_licence_come_from_856_and_506(catalog: EmbeddedCatalog) -> None:
    record = ms.book(
        "e1",
        "Linked",
        extra=[
            Field(
                tag="856",
                indicators=Indicators("4", "0"),
                subfields=[Subfield("u", "urn:readingroom:book:b-42")],
            ),
            Field(
                tag="506",
                indicators=Indicators("1", " "),
                subfields=[
                    Subfield("a", "Campus only"),
                    Subfield("f", "onsite"),
                    Subfield("2", "readingroom"),
                ],
            ),
        ],
    )
    plain = ms.book(
        "e2",
        "Unlinked",
        extra=[
            Field(
                tag="856",
                indicators=Indicators("4", "0"),
                subfields=[Subfield("u", "https://library.example/api/v1/books/b-43")],
            )
        ],
    )
    import_marc(catalog, io.BytesIO(ms.binary([record, plain])), default_licence="open")
    assert (catalog.get("e1").book_id, catalog.get("e1").licence) == ("b-42", "onsite")
    assert (catalog.for_book("b-43").id, catalog.get("e2").licence) == ("e2", "open")


def test_vernacular_880_fields_and_subdivided_subjects(catalog: EmbeddedCatalog) -> None:
    """Library of Congress style: romanised 245/100 with the Chinese script in linked 880s."""
    record = ms.book(
        "lc001",
        "Hong lou meng /",
        "Cao, Xueqin",
        extra=[
            Field(
                tag="880",
                indicators=Indicators("1", "0"),
                subfields=[Subfield("6", "245-01"), Subfield("a", "紅樓夢 /")],
            ),
            Field(
                tag="880",
                indicators=Indicators("1", " "),
                subfields=[Subfield("6", "100-02"), Subfield("a", "曹雪芹")],
            ),
            Field(
                tag="650",
                indicators=Indicators(" ", "0"),
                subfields=[
                    Subfield("a", "Chinese fiction"),
                    Subfield("y", "Qing dynasty, 1644-1912"),
                    Subfield("x", "History and criticism."),
                ],
            ),
        ],
    )
    import_marc(catalog, io.BytesIO(ms.binary([record])))
    found = catalog.get("lc001")
    assert found.title == "Hong lou meng"
    assert found.authors == ["Cao, Xueqin", "曹雪芹"]
    assert found.subjects == ["Chinese fiction -- Qing dynasty, 1644-1912 -- History and criticism"]
    assert found.primary_subject == "Chinese fiction"
    assert _ids(catalog, "紅樓夢") == ["lc001"]
    assert _ids(catalog, "曹雪芹", "author") == ["lc001"]
