"""The placement port: shelf queries select books in call-number order, a room is capped
with the count of what matched, and a JSON export is validated record by record."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from book_renderer.library import book_id_for
from experience_server.placements import (
    InMemoryPlacementSource,
    JsonPlacementSource,
    call_number_key,
    select_room_books,
    within_call_range,
)
from scenes.placement import BookPlacement
from scenes.template import ShelfQuery, load_builtin_template


def _book(
    record: str, call: str, subjects: tuple[str, ...] = (), title: str = "T"
) -> BookPlacement:
    return BookPlacement(record, None, title, (), call, subjects)


def test_lc_call_numbers_sort_as_a_librarian_shelves_them() -> None:
    calls = ["PQ2603 .E362 1999", "PN56 .A1", "PQ261 .B2", "PQ2603 .E36", "PN6 .Z9", "PQ2603 .E4"]
    assert sorted(calls, key=call_number_key) == [
        "PN6 .Z9",
        "PN56 .A1",
        "PQ261 .B2",
        "PQ2603 .E36",
        "PQ2603 .E362 1999",
        "PQ2603 .E4",
    ]


def test_call_number_ranges_are_inclusive_as_written() -> None:
    assert within_call_range("PN9999 .A1 2001", "PN1", "PN9999")
    assert not within_call_range("PQ1", "PN1", "PN9999")
    assert within_call_range("PR56", "P1", "PZ9999")
    assert not within_call_range("BX1", "B1", "BJ9999")
    assert not within_call_range("823.8 DIC", "P1", "PZ9999")


def test_queries_filter_sort_and_curate() -> None:
    source = InMemoryPlacementSource(
        [
            _book("a", "PQ2603 .E36", ("French literature -- 20th century",), "Zazie"),
            _book("b", "PN56 .A1", ("Literature -- Philosophy",), "Mimesis"),
            _book("c", "PQ1 .A2", ("French literature",), "Aucassin"),
            _book("d", "PT1 .B1", ("German literature",), "Parzival"),
        ]
    )
    by_range = source.select(ShelfQuery(call_number_range=("PQ1", "PQ9999")), 10)
    assert [p.record_id for p in by_range.placements] == ["c", "a"]
    by_subject = source.select(ShelfQuery(subjects=["french literature"], sort="title"), 10)
    assert [p.record_id for p in by_subject.placements] == ["c", "a"]
    curated = source.select(ShelfQuery(records=["d", "zzz", "b"]), 10)
    assert [p.record_id for p in curated.placements] == ["d", "b"]
    assert curated.matched == 2
    capped = source.select(ShelfQuery(subjects=["French"]), 1)
    assert capped.matched == 2
    assert capped.capped


def test_a_room_holds_at_most_its_cap_and_remembers_what_matched() -> None:
    template = load_builtin_template("european-literature")
    books = [_book(f"r{i}", f"PN{i + 1}") for i in range(50)]
    books += [_book(f"q{i}", f"PQ{i + 1}") for i in range(50)]
    room = select_room_books(template, InMemoryPlacementSource(books), cap=60)
    assert room.total() == 60
    assert room.by_range["pn-general"].matched == 50
    assert len(room.by_range["pq-romance"].placements) == 10
    assert room.by_range["pq-romance"].matched == 50


def test_json_source_skips_bad_records_and_reloads_on_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "books.json"
    path.write_text(
        json.dumps(
            [
                {"record_id": "a", "title": "Faust", "call_number": "PT1 .A1", "page_count": 300},
                {"record_id": "", "title": "no id"},
                {"record_id": "b", "title": "Huge", "page_count": -4},
                {"record_id": "c", "title": "Colour", "spine_color": "red"},
                "not even an object",
            ]
        )
    )
    source = JsonPlacementSource(path)
    query = ShelfQuery(call_number_range=("PT1", "PT9999"))
    assert [p.record_id for p in source.select(query, 10).placements] == ["a"]
    assert source.skipped == 4
    path.write_text(
        json.dumps(
            {
                "books": [
                    {"record_id": "a", "title": "Faust", "call_number": "PT1 .A1"},
                    {"record_id": "x", "title": "Werther", "call_number": "PT2 .B1"},
                ]
            }
        )
    )
    os.utime(path, ns=(10**9, 10**9))
    assert [p.record_id for p in source.select(query, 10).placements] == ["a", "x"]
    path.write_text("{ broken")
    os.utime(path, ns=(2 * 10**9, 2 * 10**9))
    assert source.select(query, 10).matched == 2  # a broken export keeps the last good one
    assert "not valid JSON" in caplog.text
    path.unlink()
    assert source.select(query, 10).matched == 0


def test_the_demo_library_manifest_is_a_source(tmp_path: Path) -> None:
    """The demo library's manifest.json: e-books name their book by the PDF's digest."""
    digest = "ab" * 32
    path = tmp_path / "manifest.json"
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "books": [
                    {
                        "record_id": "1000001",
                        "title": "Reading Goethe",
                        "authors": ["Hartmann"],
                        "call_number": "PT1925 .H37 2018",
                        "page_count": 46,
                        "sha256": digest,
                        "subjects": ["Goethe"],
                        "zone": "european-literature",
                        "items": [],
                    }
                ],
                "print_only": [
                    {
                        "record_id": "1000027",
                        "title": "Faust",
                        "authors": ["Goethe"],
                        "call_number": "PT2027 .F2 T3 2005",
                        "page_count": 512,
                        "items": [],
                    }
                ],
            }
        )
    )
    selection = JsonPlacementSource(path).select(
        ShelfQuery(call_number_range=("PT1", "PT9999")), 10
    )
    assert [(p.record_id, p.book_id) for p in selection.placements] == [
        ("1000001", book_id_for(digest)),
        ("1000027", None),
    ]
