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
from catalog_adapter.marc_checks import Outcome
from catalog_adapter.marc_mapping import map_record, record_id
from catalog_adapter.marc_reader import MarcFormat, outcomes_of, sniff

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


@dataclass(slots=True)
class Step:
    """What to do with one record read from a source: store it, delete by id, or report
    it as rejected; plus the warnings about it."""

    prepared: Prepared | None = None
    delete_id: str | None = None
    rejected: Rejected | None = None
    notes: list[Note] = field(default_factory=list)


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
    detected, blocks = sniff(counted, fmt)
    report = ImportReport(format=detected)
    return import_outcomes(catalog, outcomes_of(detected, blocks), report, default_licence)


def import_outcomes(
    catalog: EmbeddedCatalog,
    outcomes: Iterable[Outcome],
    report: ImportReport,
    default_licence: str,
) -> ImportReport:
    return import_steps(catalog, (prepare(o, default_licence) for o in outcomes), report)


def import_steps(
    catalog: EmbeddedCatalog, steps: Iterable[Step], report: ImportReport
) -> ImportReport:
    started = time.perf_counter()
    batch: list[Prepared] = []
    deletions: list[str] = []
    for step in steps:
        report.read += 1
        report.warnings.extend(step.notes)
        if step.rejected is not None:
            report.rejected.append(step.rejected)
        elif step.delete_id is not None:
            deletions.append(step.delete_id)
        elif step.prepared is not None:
            batch.append(step.prepared)
        if len(batch) >= BATCH:
            _flush(catalog, batch, deletions, report)
    _flush(catalog, batch, deletions, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def prepare(outcome: Outcome, default_licence: str) -> Step:
    """Map one read record to its Step."""

    def reject(reason: str) -> Step:
        return Step(
            rejected=Rejected(
                outcome.position, reason, outcome.offset, outcome.line, outcome.control_number
            )
        )

    record = outcome.record
    if record is None:
        return reject(outcome.error or "unreadable record")
    leader = str(record.leader)
    kind = _NOT_BIBLIOGRAPHIC.get(leader[6:7])
    if kind:
        return reject(f"leader/06 {leader[6]!r}: {kind}, not a bibliographic record")
    notes = list(outcome.warnings)
    if leader[5:6] == "d":
        control = record.get("001")
        number = control.data.strip() if control is not None and control.data else None
        if number is None:
            return reject("deletion (leader/05 'd') without a 001 to say what to delete")
        return Step(delete_id=record_id(number))
    try:
        mapped, alternates = map_record(record, default_licence=default_licence, warnings=notes)
    except ValueError as exc:
        return reject(str(exc))
    if mapped.control_number is None:
        notes.append(
            "no 001: the record gets an id from its content, so a changed copy "
            "imports as a new record"
        )
    return Step(
        prepared=Prepared(mapped, alternates, outcome.raw or record.as_marc()),
        notes=[Note(outcome.position, n, mapped.control_number) for n in notes],
    )


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
