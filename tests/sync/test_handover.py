"""What a stopped process's stored document holds that Redis lacks (`missing_from`)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pycrdt import Doc, Map

from sync.handover import missing_from


def _notes(*updates: bytes) -> dict[str, Any]:
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    return dict(doc.get("annotations", type=Map).to_py() or {})


def _redis_history() -> tuple[Doc[Any], bytes]:
    source: Doc[Any] = Doc()
    notes = source.get("annotations", type=Map)
    for i in range(3):
        notes[f"k{i}"] = i
    del notes["k0"]
    return source, source.get_update()


def test_nothing_is_handed_over_when_redis_holds_it_all_deletions_included() -> None:
    """Deletions ride along with every Yjs update; a document Redis already holds in full
    must not be sent again by every process that finds the mark."""
    _, held = _redis_history()
    assert missing_from([held], [held]) is None
    assert missing_from([], [held]) is None


def test_edits_and_deletions_redis_lacks_are_handed_over() -> None:
    """A deletion adds no item (the state vector stays the same) yet still must reach Redis."""
    source, held = _redis_history()
    del source.get("annotations", type=Map)["k1"]
    deleted_only = source.get_update()
    missing = missing_from([deleted_only], [held])
    assert missing is not None
    assert _notes(held, missing) == {"k2": 2.0}
    source.get("annotations", type=Map)["new"] = 5
    missing = missing_from([source.get_update()], [held])
    assert missing is not None
    assert _notes(held, missing) == {"k2": 2.0, "new": 5.0}


def test_an_unreadable_stored_update_is_skipped_and_the_rest_handed_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, held = _redis_history()
    source.get("annotations", type=Map)["new"] = 5
    with caplog.at_level(logging.ERROR, logger="readingroom.sync"):
        missing = missing_from([b"\xff\xff\xff", source.get_update()], [held])
    assert missing is not None
    assert _notes(held, missing)["new"] == 5
    assert "skipped an unreadable stored update" in caplog.text
