"""Arrived, moved and departed from raw shelf reads: debouncing, departure, and the SQLite
ledger that keeps them across restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog_adapter.rfid import Read, Rules, Spot, Track
from catalog_adapter.rfid_store import RfidLedger

RULES = Rules(debounce_seconds=10.0, departure_seconds=120.0)
A = Spot("R-3-12", "1")
B = Spot("R-3-12", "2")
FAR = Spot("R-4-02", "A")


def reads(item: str, *pairs: tuple[Spot, float]) -> list[Read]:
    return [Read(item, spot, at) for spot, at in pairs]


def replay(
    track: Track, sequence: list[Read], rules: Rules = RULES
) -> list[tuple[str, Spot | None]]:
    out: list[tuple[str, Spot | None]] = []
    for read in sequence:
        movement = track.observe(read, rules)
        if movement is not None:
            out.append((movement.kind, movement.target))
    return out


def test_a_copy_arrives_once_its_antenna_has_read_it_for_the_window() -> None:
    track = Track("39001001")
    assert replay(track, reads("39001001", (A, 0), (A, 4), (A, 9))) == []
    assert track.state == "pending"
    assert replay(track, reads("39001001", (A, 10))) == [("arrived", A)]
    assert (track.state, track.spot, track.since) == ("present", A, 0)


def test_a_single_stray_read_is_not_an_arrival() -> None:
    track = Track("39001001")
    assert replay(track, reads("39001001", (FAR, 0))) == []
    assert track.state == "pending"


def test_no_debounce_window_means_the_first_read_counts() -> None:
    track = Track("39001001")
    assert replay(track, reads("39001001", (A, 0)), Rules(0.0, 60.0)) == [("arrived", A)]


def test_a_tag_flickering_between_neighbouring_antennas_does_not_move() -> None:
    track = Track("39001001")
    replay(track, reads("39001001", (A, 0), (A, 10)))
    flicker = [(B if i % 2 else A, 10.0 + i * 3) for i in range(1, 60)]
    assert replay(track, reads("39001001", *flicker)) == []
    assert track.spot == A


def test_a_real_move_is_confirmed_after_the_window() -> None:
    track = Track("39001001")
    replay(track, reads("39001001", (A, 0), (A, 10), (A, 20)))
    assert replay(track, reads("39001001", (B, 30), (B, 35))) == []
    assert replay(track, reads("39001001", (B, 40))) == [("moved", B)]
    assert (track.spot, track.since) == (B, 30)


def test_a_late_read_changes_nothing() -> None:
    track = Track("39001001")
    replay(track, reads("39001001", (A, 100), (A, 110)))
    assert track.is_late(Read("39001001", B, 50))
    assert replay(track, reads("39001001", (B, 50), (B, 60))) == []
    assert track.spot == A


def test_departs_when_its_reader_reports_for_the_window_without_it() -> None:
    track = Track("39001001")
    replay(track, reads("39001001", (A, 0), (A, 10)))
    assert track.depart(reader_last_report=129.0, rules=RULES) is None
    movement = track.depart(reader_last_report=130.0, rules=RULES)
    assert movement is not None
    assert (movement.kind, movement.origin, movement.at) == (
        "departed",
        A,
        10,
    )
    assert track.state == "departed"
    assert replay(track, reads("39001001", (A, 200), (A, 210))) == [("arrived", A)]


def test_rules_refuse_a_departure_window_inside_the_debounce_window() -> None:
    with pytest.raises(ValueError, match="longer than the debounce window"):
        Rules(debounce_seconds=30, departure_seconds=30)


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0.0, max_value=9.9), min_size=1, max_size=80),
    others=st.lists(st.sampled_from([B, FAR]), min_size=1, max_size=80),
)
def test_property_reads_at_the_home_antenna_within_each_window_never_move_it(
    gaps: list[float], others: list[Spot]
) -> None:
    """Whatever else reads it, a copy its own antenna keeps reading (never silent for the
    debounce window) stays where it is."""
    track = Track("x")
    replay(track, reads("x", (A, 0), (A, 10)))
    now = 10.0
    sequence: list[Read] = []
    for gap, other in zip(gaps, others, strict=False):
        sequence.append(Read("x", other, now + gap / 2))
        now += gap
        sequence.append(Read("x", A, now))
    assert replay(track, sequence) == []
    assert track.spot == A


# -- the ledger ----------------------------------------------------------------------------


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[RfidLedger]:
    store = RfidLedger(tmp_path / "readingroom.sqlite3", RULES)
    store.open()
    yield store
    store.close()


def test_ledger_derives_and_logs_movements_across_batches(ledger: RfidLedger) -> None:
    first = ledger.record(reads("c1", (A, 0), (A, 5)) + reads("c2", (B, 0)), {"tag-1": "c1"})
    assert first.movements == []
    second = ledger.record(reads("c1", (A, 10)) + reads("c2", (B, 12)), {})
    assert [(m.item, m.kind) for m in second.movements] == [("c1", "arrived"), ("c2", "arrived")]
    third = ledger.record(reads("c2", (B, 140)), {})
    assert [(m.item, m.kind, m.at) for m in third.movements] == [("c1", "departed", 10)]
    assert [m.kind for m in ledger.movements("c1")] == ["departed", "arrived"]
    assert ledger.bound_items({"tag-1", "tag-x"}) == {"tag-1": "c1"}
    assert ledger.reader_reports({"R-3-12"}) == {"R-3-12": 140}


def test_a_silent_reader_keeps_its_copies_in_place(ledger: RfidLedger) -> None:
    ledger.record(reads("c1", (A, 0), (A, 10)), {})
    ledger.record(reads("c9", (FAR, 5000), (FAR, 5010)), {})
    assert ledger.tracks(["c1"])["c1"].state == "present"


def test_late_reads_are_counted_and_ignored(ledger: RfidLedger) -> None:
    ledger.record(reads("c1", (A, 100), (A, 110)), {})
    late = ledger.record(reads("c1", (B, 50), (B, 60)), {})
    assert late.late_reads == 2
    assert late.movements == []


def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "readingroom.sqlite3"
    first = RfidLedger(path, RULES)
    first.open()
    first.record(reads("c1", (A, 0), (A, 10)), {"t1": "c1"})
    first.record(reads("c1", (B, 20)), {})
    first.close()
    again = RfidLedger(path, RULES)
    again.open()
    moved = again.record(reads("c1", (B, 30)), {})
    track = again.tracks(["c1"])["c1"]
    again.close()
    assert [(m.kind, m.origin, m.target) for m in moved.movements] == [("moved", A, B)]
    assert track.spot == B
