"""Recommendations and circulation as readers and librarians meet them: related books by
content (Chinese too), 'also borrowed' only above k patrons, hashed patron ids, analytics,
retention and a reader's own data."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog_adapter.also_borrowed import count_pairs
from catalog_adapter.circulation import Loan
from catalog_adapter.service import Library, LibraryConfig
from tests.catalog_adapter import marc_samples as ms

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library(
        LibraryConfig(
            database=tmp_path / "readingroom.sqlite3",
            patron_key=tmp_path / "patron-key",
            also_borrowed_min_patrons=3,
            history_retention_days=30,
        )
    )
    records = [
        ms.book(
            f"r{n}",
            f"Book {n}",
            "Author",
            [subject],
            extra=[ms.koha_item(f"I{n}a"), ms.koha_item(f"I{n}b")],
        )
        for n, subject in zip(
            range(1, 6), ["Physics", "Physics", "Poetry", "Poetry", "History"], strict=True
        )
    ]
    lib.import_marc(io.BytesIO(ms.binary(records)))
    yield lib
    lib.close()


def _loan(patron: str, record: str, days_ago: float = 1.0) -> Loan:
    return Loan(patron=patron, record=record, loaned_at=NOW - dt.timedelta(days=days_ago))


TEXTS = {
    "hongloumeng": "贾宝玉与林黛玉在大观园中读书。贾府的兴衰，宝玉和黛玉的爱情，大观园里的诗社。",
    "honglou-study": "红学研究：大观园的建筑，贾宝玉、林黛玉、薛宝钗的人物分析与贾府兴衰。",
    "telescopes": "Telescopes gather light. A reflecting telescope uses mirrors; astronomers "
    "observe galaxies, nebulae and the orbits of planets.",
    "galaxies": "Galaxies and nebulae: what astronomers learn from telescopes about stars, "
    "planets and their orbits.",
}


def test_related_books_by_content_in_chinese_and_english(library: Library) -> None:
    for book, text in TEXTS.items():
        library.index_book_text(book, text)
    chinese = library.related("hongloumeng").content
    assert chinese[0].book_id == "honglou-study"
    english = library.related("telescopes").content
    assert english[0].book_id == "galaxies"
    assert "hongloumeng" not in [e.book_id for e in english]


def test_related_for_an_unknown_book_is_not_found(library: Library) -> None:
    from catalog_adapter.errors import RecordNotFoundError

    with pytest.raises(RecordNotFoundError):
        library.related("nope")


def test_also_borrowed_shows_only_pairs_made_by_k_patrons(library: Library) -> None:
    library.store.link_book("r1", "b1")
    loans = [_loan(f"p{n}", rec) for n in range(4) for rec in ("r1", "r2")]
    loans += [_loan(f"q{n}", rec) for n in range(2) for rec in ("r1", "r3")]
    loans += [_loan("p0", "r2", days_ago=2)]  # one patron borrowing twice counts once
    library.add_loans(loans)
    report = library.build_also_borrowed()
    assert report.k == 3
    view = library.related("b1")
    assert [(a.record_id, a.patrons) for a in view.also_borrowed] == [("r2", 4)]


def test_loans_past_retention_still_teach_also_borrowed(library: Library) -> None:
    library.store.link_book("r1", "b1")
    old = [_loan(f"p{n}", rec, days_ago=400) for n in range(3) for rec in ("r1", "r4")]
    recent = [_loan("p9", "r1"), _loan("p9", "r5")]
    report = library.add_loans(old + recent)
    assert (report.stored, report.counted_only) == (2, 6)
    library.build_also_borrowed()
    assert [(a.record_id, a.patrons) for a in library.related("b1").also_borrowed] == [("r4", 3)]
    library.add_loans([_loan(f"q{n}", rec, days_ago=100) for n in range(2) for rec in ("r1", "r5")])
    library.purge_expired()  # p9's and q0/q1's pair r1-r5 had only 1 and 2 patrons
    library.build_also_borrowed()
    assert [a.record_id for a in library.related("b1").also_borrowed] == ["r4"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 8)), max_size=60))
def test_pair_counting_matches_a_direct_count(loans: list[tuple[int, int]]) -> None:
    patrons = np.array([p for p, _ in loans], dtype=np.int64)
    records = np.array([r for _, r in loans], dtype=np.int64)
    a, b, counts = count_pairs(patrons, records)
    expected: Counter[tuple[int, int]] = Counter()
    for patron in {p for p, _ in loans}:
        mine = sorted({r for p, r in loans if p == patron})
        expected.update(itertools.combinations(mine, 2))
    got = dict(zip(zip(a.tolist(), b.tolist(), strict=True), counts.tolist(), strict=True))
    assert got == dict(expected)


def test_patron_ids_are_stored_only_as_keyed_hashes(library: Library, tmp_path: Path) -> None:
    library.add_loans([_loan("patron-4711@campus.edu", "r1")])
    library.record_reading("reader-0815@campus.edu", "b1", 3)
    library.store.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("readingroom.sqlite3*"))
    assert b"patron-4711" not in stored
    assert b"reader-0815" not in stored
    assert library.export_personal_data("patron-4711@campus.edu")["loans"][0]["record"] == "r1"


def test_hot_books_and_borrowing_rates_by_subject(library: Library) -> None:
    day = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
    loans = [Loan(patron=f"p{n}", record="r1", loaned_at=day) for n in range(5)]
    loans += [Loan(patron=f"p{n}", record="r3", loaned_at=day) for n in range(2)]
    loans += [Loan(patron="p9", item="I2a", loaned_at=day + dt.timedelta(days=40))]
    report = library.add_loans(loans)
    assert (report.stored, report.counted_only) == (0, 8)  # past retention: statistics only
    start, end, hot = library.hot("month", dt.date(2025, 3, 1))
    assert (start, end) == (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    assert [(h.record_id, h.loans) for h in hot] == [("r1", 5), ("r3", 2)]
    physics = library.hot("year", dt.date(2025, 6, 1), subject="Physics")[2]
    assert [(h.record_id, h.loans) for h in physics] == [("r1", 5), ("r2", 1)]
    rates = library.rates("month", dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    as_tuples = [(p.period, p.subject, p.loans, p.items, p.rate) for p in rates]
    assert as_tuples == [
        ("2025-03", "Physics", 5, 4, 1.25),
        ("2025-03", "Poetry", 2, 4, 0.5),
        ("2025-04", "Physics", 1, 4, 0.25),
    ]


def test_sending_the_same_loans_again_does_not_count_them_twice(library: Library) -> None:
    loans = [_loan("p1", "r1"), _loan("p2", "r1"), _loan("p1", "r1")]
    first = library.add_loans(loans)
    again = library.add_loans(loans[:2])
    assert (first.stored, first.duplicates) == (2, 1)
    assert (again.stored, again.duplicates) == (0, 2)
    today = NOW.date() - dt.timedelta(days=1)
    assert [(h.record_id, h.loans) for h in library.hot("day", today)[2]] == [("r1", 2)]


def test_retention_forgets_loans_and_history_but_keeps_statistics(library: Library) -> None:
    library.add_loans([_loan("p1", "r1", days_ago=100), _loan("p1", "r2", days_ago=1)])
    library.history.record("u1", "b1", 1, at=(NOW - dt.timedelta(days=45)).timestamp())
    library.history.record("u1", "b2", 1)
    assert [x["record"] for x in library.export_personal_data("p1")["loans"]] == ["r2"]
    purged = library.purge_expired()
    assert purged == {"reading_history": 1, "loans": 0}
    assert [e["book"] for e in library.export_personal_data("u1")["reading_history"]] == ["b2"]
    old_day = (NOW - dt.timedelta(days=100)).date()
    assert [h.record_id for h in library.hot("day", old_day)[2]] == ["r1"]


def test_a_reader_can_export_and_delete_their_data(library: Library) -> None:
    library.add_loans([_loan("alice", "r1"), _loan("bob", "r2")])
    library.record_reading("alice", "b1", 12)
    exported = library.export_personal_data("alice")
    assert [x["record"] for x in exported["loans"]] == ["r1"]
    assert exported["reading_history"][0]["page"] == 12
    assert library.delete_personal_data("alice") == {"reading_history": 1, "loans": 1}
    assert library.export_personal_data("alice") == {"reading_history": [], "loans": []}
    assert [x["record"] for x in library.export_personal_data("bob")["loans"]] == ["r2"]


def test_a_large_export_resolves_every_item(library: Library) -> None:
    readers = [
        ms.book(
            f"big{r}",
            "Course reader",
            extra=[ms.koha_item(f"C{n:05d}") for n in range(r * 700, r * 700 + 700)],
        )
        for r in range(3)
    ]
    assert library.import_marc(io.BytesIO(ms.binary(readers))).imported == 3
    loans = [_loan(f"s{n}", "", 2) for n in range(2100)]
    loans = [
        Loan(patron=x.patron, item=f"C{n:05d}", loaned_at=x.loaned_at) for n, x in enumerate(loans)
    ]
    loans.append(Loan(patron="s1", item="NOPE", loaned_at=NOW))
    report = library.add_loans(loans)
    assert (report.stored, len(report.rejected)) == (2100, 1)
    assert report.rejected[0]["position"] == 2101
