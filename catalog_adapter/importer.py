"""MARC import: read, map and upsert in batches, and account for every record.

Import is idempotent: a record is keyed by its 001, so importing a file again (or a newer
export of the same catalog) updates records instead of duplicating them. A record with
leader/05 `d` deletes the record with its 001.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from catalog_adapter.embedded import EmbeddedCatalog, Prepared
from catalog_adapter.marc_mapping import map_record, record_id
from catalog_adapter.marc_reader import MarcFormat, Outcome, read_marc

BATCH = 1000
_NOT_BIBLIOGRAPHIC = {
    "z": "an authority record",
    "u": "a holdings record",
    "v": "a holdings record",
    "x": "a holdings record",
    "y": "a holdings record",
    "q": "a community information record",
}


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that was not imported, where it is, and why."""

    position: int
    reason: str
    offset: int | None = None
    line: int | None = None
    control_number: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    position: int
    message: str
    control_number: str | None = None


@dataclass(slots=True)
class ImportReport:
    format: str | None = None
    read: int = 0
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _CountingReader:
    """Wraps a binary stream to report how many bytes were consumed (for progress bars)."""

    def __init__(self, stream: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if self._progress is not None and data:
            self._progress(len(data))
        return data


def import_marc(
    catalog: EmbeddedCatalog,
    stream: IO[bytes],
    *,
    fmt: MarcFormat | None = None,
    default_licence: str = "campus",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every good record of `stream`; report each bad one with its position."""
    counted: Any = _CountingReader(stream, progress)
    detected, outcomes = read_marc(counted, fmt)
    return import_outcomes(catalog, outcomes, ImportReport(format=detected), default_licence)


def import_outcomes(
    catalog: EmbeddedCatalog,
    outcomes: Iterable[Outcome],
    report: ImportReport,
    default_licence: str,
) -> ImportReport:
    started = time.perf_counter()
    batch: list[Prepared] = []
    deletions: list[str] = []
    for outcome in outcomes:
        report.read += 1
        mapped = _map(outcome, report, default_licence)
        if isinstance(mapped, str):
            deletions.append(mapped)
        elif mapped is not None:
            batch.append(mapped)
        if len(batch) >= BATCH:
            _flush(catalog, batch, deletions, report)
    _flush(catalog, batch, deletions, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _map(outcome: Outcome, report: ImportReport, default_licence: str) -> Prepared | str | None:
    """The mapped record to upsert, the id to delete, or None when rejected."""

    def reject(reason: str) -> None:
        report.rejected.append(
            Rejected(outcome.position, reason, outcome.offset, outcome.line, outcome.control_number)
        )

    record = outcome.record
    if record is None:
        reject(outcome.error or "unreadable record")
        return None
    leader = str(record.leader)
    kind = _NOT_BIBLIOGRAPHIC.get(leader[6:7])
    if kind:
        reject(f"leader/06 {leader[6]!r}: {kind}, not a bibliographic record")
        return None
    notes = list(outcome.warnings)
    if leader[5:6] == "d":
        control = record.get("001")
        number = control.data.strip() if control is not None and control.data else None
        if number is None:
            reject("deletion (leader/05 'd') without a 001 to say what to delete")
            return None
        return record_id(number)
    try:
        mapped, alternates = map_record(record, default_licence=default_licence, warnings=notes)
    except ValueError as exc:
        reject(str(exc))
        return None
    if mapped.control_number is None:
        notes.append(
            "no 001: the record gets an id from its content, so a changed copy "
            "imports as a new record"
        )
    report.warnings.extend(Note(outcome.position, n, mapped.control_number) for n in notes)
    return Prepared(mapped, alternates, outcome.raw or record.as_marc())


def _flush(
    catalog: EmbeddedCatalog, batch: list[Prepared], deletions: list[str], report: ImportReport
) -> None:
    if batch:
        unique = {item.record.id: item for item in batch}
        new, updated = catalog.upsert(list(unique.values()))
        report.imported += new
        report.updated += updated + (len(batch) - len(unique))
        batch.clear()
    if deletions:
        report.deleted += catalog.delete(deletions)
        deletions.clear()
