"""Edits a process accepted reach Redis even if that process dies before Redis has them
on disk.

A process logs each accepted update in its SQLite database, and with it a mark (document,
process id, a number rising for the process's whole life): Redis may lack this. The mark
is cleared once Redis accepted everything up to that number at least `DURABLE_AFTER`
seconds ago (Redis writes its append-only file every second). A mark left behind says the process
died with edits Redis may never have had: accepted while Redis was away, or in the second
a killed Redis did not write, while every client that saw them may have left since.
Processes that share the database, and the process itself once restarted, hand Redis what
the marked documents hold that Redis lacks, for every mark of a process no longer alive
(alive: its key `rr:alive:<id>` renewed every few seconds).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc

from sync.store import SessionStore
from sync.ydiff import apply_guarded, lacking

log = logging.getLogger("readingroom.sync")

DURABLE_AFTER = 5.0
ALIVE_MS = 10_000
ALIVE_EVERY = 2.0


@dataclass(slots=True)
class _DocMarks:
    issued: int = 0
    confirmed: int = 0  # every update marked up to here is in Redis
    # Marked updates that did not reach Redis alone (held back while it was away, or their
    # send failed): a single update after them confirms nothing until a whole hand-over.
    gap_lo: int | None = None
    gap_hi: int = 0


class Marks:
    """This process's marks, and the clears due once Redis has had updates long enough."""

    def __init__(self, ledger: SessionStore, origin: str) -> None:
        self._ledger = ledger
        self.origin = origin
        self._docs: dict[str, _DocMarks] = {}
        self._seq = 0
        self._due: deque[tuple[float, str, str, int]] = deque()

    def issue(self, doc: str) -> int:
        """Mark an update of `doc` logged just now (or content about to be handed over)."""
        marks = self._docs.setdefault(doc, _DocMarks())
        self._seq += 1
        marks.issued = self._seq
        self._ledger.mark_unsynced(doc, self.origin, marks.issued)
        return marks.issued

    def current(self, doc: str) -> int:
        marks = self._docs.get(doc)
        return marks.issued if marks is not None else 0

    def missed(self, doc: str, seq: int) -> None:
        """Update `seq` will not reach Redis alone (Redis is away, or its send failed)."""
        marks = self._docs.get(doc)
        if marks is None or seq <= marks.confirmed:
            return
        marks.gap_lo = seq if marks.gap_lo is None else min(marks.gap_lo, seq)
        marks.gap_hi = max(marks.gap_hi, seq)

    def sent(self, doc: str, seq: int, *, whole: bool) -> None:
        """Redis accepted update `seq` alone, or (`whole`) everything marked up to `seq`."""
        marks = self._docs.get(doc)
        if marks is None or seq <= marks.confirmed:
            return
        if whole:
            if marks.gap_lo is not None:
                marks.gap_lo = None if marks.gap_hi <= seq else max(marks.gap_lo, seq + 1)
        elif marks.gap_lo is not None and marks.gap_lo < seq:
            return
        marks.confirmed = seq
        self.clear_later(doc, self.origin, seq)

    def clear_later(self, doc: str, origin: str, seq: int) -> None:
        self._due.append((time.monotonic() + DURABLE_AFTER, doc, origin, seq))

    def clear_due(self) -> None:
        """Forget the marks Redis has held for `DURABLE_AFTER` seconds."""
        now = time.monotonic()
        latest: dict[tuple[str, str], int] = {}
        while self._due and self._due[0][0] <= now:
            _, doc, origin, seq = self._due.popleft()
            latest[(doc, origin)] = max(seq, latest.get((doc, origin), 0))
        for (doc, origin), seq in latest.items():
            self._ledger.clear_unsynced(doc, origin, seq)
            marks = self._docs.get(doc)
            if origin == self.origin and marks is not None and marks.issued == seq:
                del self._docs[doc]  # nothing outstanding (sequence numbers never repeat)


def missing_from(local: list[bytes], remote: list[bytes]) -> bytes | None:
    """What `local` (a stored snapshot and updates) holds that `remote` (what Redis holds)
    lacks, as one update; None when Redis has it all."""
    theirs: Doc[Any] = Doc()
    for update in remote:
        _apply(theirs, update)
    mine: Doc[Any] = Doc()
    for update in [*local, *remote]:
        _apply(mine, update)
    return lacking(mine, theirs)


def _apply(doc: Doc[Any], update: bytes) -> None:
    if not apply_guarded(doc, update):
        log.error("skipped an unreadable stored update while handing a document over")
