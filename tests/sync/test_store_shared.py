"""Two processes' stores on one SQLite file (`serve --workers`): a compaction keeps what
the other logged; marks of updates Redis may lack are written with them and cleared by
number. Found by benchmarks/sync_chaos.py (rooms emptied under faults)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from sync.store import SessionStore, Unsynced
from tests.sync.conftest import sqlite_connect


def edit(doc: Doc[Any], key: str) -> bytes:
    before = doc.get_state()
    doc.get("notes", type=Map)[key] = 1
    return doc.get_update(before)


def keys(updates: list[bytes]) -> set[str]:
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    return set(doc.get("notes", type=Map).to_py() or {})


async def test_a_compaction_keeps_updates_another_process_logged(tmp_path: Path) -> None:
    """A logs an update B never received (Redis was away); B then folds the document
    into a snapshot of its own state. A's update must still be stored."""
    db = tmp_path / "shared.sqlite3"
    a, b = (
        SessionStore(sqlite_connect(db), 0.01, shared=True),
        SessionStore(sqlite_connect(db), 0.01, shared=True),
    )
    await a.open()
    await b.open()
    try:
        on_a: Doc[Any] = Doc()
        on_b: Doc[Any] = Doc()
        b.append("r/shared", edit(on_b, "from-b"))
        await b.flush()
        a.append("r/shared", edit(on_a, "from-a"))
        await a.flush()
        b.compact("r/shared", on_b.get_update())
        await b.flush()
        stored = await a.load("r/shared")
        assert stored.snapshot is not None
        assert stored.updates == []
        assert keys([stored.snapshot]) == {"from-a", "from-b"}
    finally:
        await a.close()
        await b.close()


async def test_marks_are_read_with_their_updates_and_cleared_up_to_a_number(
    tmp_path: Path,
) -> None:
    store = SessionStore(sqlite_connect(tmp_path / "m.sqlite3"), 0.01)
    await store.open()
    try:
        doc: Doc[Any] = Doc()
        store.append("r/shared", edit(doc, "k1"))
        store.mark_unsynced("r/shared", "p1", 1)
        store.append("r/shared", edit(doc, "k2"))
        store.mark_unsynced("r/shared", "p1", 2)
        store.mark_unsynced("other/shared", "p2", 7)
        stored, marks = await store.load_marked("r/shared")
        assert marks == [Unsynced("r/shared", "p1", 2)]
        assert keys(stored.updates) == {"k1", "k2"}
        store.clear_unsynced("r/shared", "p1", 1)  # a later mark stays
        assert len(await store.unsynced()) == 2
        store.clear_unsynced("r/shared", "p1", 2)
        assert await store.unsynced() == [Unsynced("other/shared", "p2", 7)]
    finally:
        await store.close()
