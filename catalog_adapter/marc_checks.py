"""What every MARC reader shares: the per-record Outcome, and the checks that records from
MARCXML and MARC-in-JSON get (binary records are checked byte by byte in marc_reader)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pymarc

INDICATORS = frozenset(" |0123456789abcdefghijklmnopqrstuvwxyz")
MARC_NS = "http://www.loc.gov/MARC21/slim"


@dataclass(slots=True)
class Outcome:
    """One record read from a source: `record` set when it is usable, else `error`."""

    position: int
    offset: int | None = None
    line: int | None = None
    record: pymarc.Record | None = None
    error: str | None = None
    control_number: str | None = None
    warnings: list[str] = field(default_factory=list)
    raw: bytes | None = None  # the ISO 2709 bytes, when they are already UTF-8


def record_problem(record: pymarc.Record) -> str | None:
    """Leader and indicator checks for records that did not come from ISO 2709."""
    leader = str(record.leader)
    if len(leader) != 24 or not leader.isascii():
        return f"leader {leader!r} is not 24 ASCII characters"
    for fld in record.fields:
        if not (len(fld.tag) == 3 and fld.tag.isalnum()):
            return f"tag {fld.tag!r} is not three letters or digits"
        if not fld.is_control_field():
            for value in fld.indicators or ():
                if len(value) != 1 or value not in INDICATORS:
                    return f"field {fld.tag}: invalid indicator {value!r}"
    return None
