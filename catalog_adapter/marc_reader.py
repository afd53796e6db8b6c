"""Reads MARC21 from binary (ISO 2709), MARCXML and MARC-in-JSON into pymarc records, one
outcome per record: the record, or why it was rejected and where it sits in the file.

We frame binary records on the record terminator (0x1D) instead of trusting the leader's
length, so one damaged record cannot shift every record after it, and we check leaders,
directories, indicators and encodings ourselves before pymarc decodes: pymarc fills
missing indicators with blanks and replaces undecodable MARC-8 with spaces, which would
import damaged records without a word.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from typing import IO, Any, Literal

import pymarc

from catalog_adapter.errors import UnreadableMarcError
from catalog_adapter.marc8_check import marc8_problem
from catalog_adapter.marc_checks import INDICATORS, Outcome, record_problem
from catalog_adapter.marcxml_reader import read_marcxml

MarcFormat = Literal["marc", "marcxml", "json"]
MARC_FORMATS: tuple[MarcFormat, ...] = ("marc", "marcxml", "json")

RECORD_END = 0x1D
FIELD_END = 0x1E
SUBFIELD = 0x1F
_BLOCK = 1 << 20
_INDICATOR_BYTES = frozenset(ch.encode()[0] for ch in INDICATORS)


def detect_format(head: bytes) -> MarcFormat:
    """Guess the format from the first bytes: `<` XML, `[`/`{` JSON, digits binary MARC."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "marcxml"
    if text.startswith((b"[", b"{")):
        return "json"
    if text[:5].isdigit():
        return "marc"
    raise UnreadableMarcError("not MARC: expected binary MARC21, MARCXML or MARC-in-JSON")


def sniff(stream: IO[bytes], fmt: MarcFormat | None = None) -> tuple[MarcFormat, Iterator[bytes]]:
    """The format (given or detected from the first bytes) and the stream as blocks."""
    head = stream.read(64)
    return (fmt or detect_format(head)), _chain(head, stream)


def read_marc(
    stream: IO[bytes], fmt: MarcFormat | None = None
) -> tuple[MarcFormat, Iterator[Outcome]]:
    """The format (given or detected) and every record of `stream` as an Outcome."""
    fmt, rest = sniff(stream, fmt)
    return fmt, outcomes_of(fmt, rest)


def outcomes_of(fmt: MarcFormat, blocks: Iterable[bytes]) -> Iterator[Outcome]:
    if fmt == "marc":
        return _read_binary(blocks)
    if fmt == "marcxml":
        return read_marcxml(blocks)
    return _read_json(blocks)


def _chain(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    while block := stream.read(_BLOCK):
        yield block


# -- binary ---------------------------------------------------------------------------------


Frame = tuple[int, int, bytes | None]  # position, byte offset, record bytes (None: truncated)


def frame_binary(blocks: Iterable[bytes]) -> Iterator[Frame]:
    """Cut ISO 2709 data into records at each record terminator (0x1D)."""
    buffer = b""
    offset = 0
    position = 0
    for block in blocks:
        buffer += block
        start = 0
        while (end := buffer.find(b"\x1d", start)) >= 0:
            chunk = buffer[start : end + 1]
            lead = len(chunk) - len(chunk.lstrip(b"\r\n\t \x00"))
            if lead < len(chunk) - 1:
                position += 1
                yield position, offset + start + lead, chunk[lead:]
            start = end + 1
        offset += start
        buffer = buffer[start:]
    if buffer.strip(b"\r\n\t \x00\x1a"):
        yield position + 1, offset, None


def decode_frame(frame: Frame) -> Outcome:
    position, offset, chunk = frame
    if chunk is None:
        return Outcome(
            position,
            offset=offset,
            error="truncated record: no record terminator (0x1D) before the end of the file",
        )
    return decode_binary(chunk, position, offset)


def _read_binary(blocks: Iterable[bytes]) -> Iterator[Outcome]:
    for frame in frame_binary(blocks):
        yield decode_frame(frame)


def decode_binary(chunk: bytes, position: int = 1, offset: int | None = None) -> Outcome:
    """Check and decode one ISO 2709 record (ending in 0x1D)."""
    out = Outcome(position, offset=offset)
    try:
        leader = chunk[:24].decode("ascii")
    except UnicodeDecodeError:
        out.error = "leader is not ASCII"
        return out
    if len(leader) < 24:
        out.error = f"leader is {len(leader)} bytes, not 24"
        return out
    if not (leader[:5].isdigit() and leader[12:17].isdigit()):
        out.error = f"leader {leader!r}: record length and base address must be digits"
        return out
    if leader[10:12] != "22":
        out.warnings.append(f"leader/10-11 is {leader[10:12]!r}, expected '22'")
    base = int(leader[12:17])
    if base < 25 or base > len(chunk) or chunk[base - 1] != FIELD_END:
        out.error = f"leader base address {base} does not end the directory"
        return out
    if int(leader[:5]) != len(chunk):
        if len(chunk) > 99999:
            out.error = f"record is {len(chunk)} bytes, more than MARC allows"
            return out
        out.warnings.append(f"leader says {int(leader[:5])} bytes, record has {len(chunk)}")
        chunk = f"{len(chunk):05d}".encode() + chunk[5:]
        leader = chunk[:24].decode("ascii")
    fields, problem = _directory(chunk, base)
    if problem:
        out.error = problem
        return out
    out.control_number = _control_number(fields)
    coding = leader[9]
    problem, utf8 = _encoding(coding, fields, out.warnings)
    if problem:
        out.error = problem
        return out
    for tag, data in fields:
        if not _is_control(tag) and (bad := _indicator_problem(tag, data)):
            out.error = bad
            return out
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out.record = pymarc.Record(
                chunk,
                to_unicode=True,
                force_utf8=utf8,
                hide_utf8_warnings=True,
                utf8_handling="strict",
            )
        out.warnings.extend(str(w.message) for w in caught)
        if coding == "a":
            out.raw = chunk
    except Exception as exc:  # pymarc raises many kinds; each one means "this record is bad"
        out.error = f"pymarc cannot decode it: {type(exc).__name__}: {exc}"
    return out


def _is_control(tag: str) -> bool:
    return tag < "010" and tag.isdigit()


def _directory(chunk: bytes, base: int) -> tuple[list[tuple[str, bytes]], str | None]:
    directory = chunk[24 : base - 1]
    if len(directory) % 12:
        return [], f"directory is {len(directory)} bytes, not a multiple of 12"
    fields: list[tuple[str, bytes]] = []
    for i in range(0, len(directory), 12):
        entry = directory[i : i + 12]
        try:
            tag = entry[:3].decode("ascii")
        except UnicodeDecodeError:
            return [], f"directory entry {i // 12 + 1} has a non-ASCII tag"
        if not (tag.isalnum() and entry[3:12].isdigit()):
            return [], f"directory entry {i // 12 + 1} ({entry!r}) is malformed"
        length, start = int(entry[3:7]), int(entry[7:12])
        data = chunk[base + start : base + start + length]
        if length < 1 or len(data) != length or data[-1] != FIELD_END:
            return [], f"field {tag}: directory points outside the record or past its end"
        fields.append((tag, data[:-1]))
    if not fields:
        return [], "record has no fields"
    return fields, None


def _control_number(fields: list[tuple[str, bytes]]) -> str | None:
    for tag, data in fields:
        if tag == "001":
            return data.decode("ascii", "replace").strip() or None
    return None


def _encoding(
    coding: str, fields: list[tuple[str, bytes]], notes: list[str]
) -> tuple[str | None, bool]:
    """Why the data cannot be decoded (or None), and whether to read it as UTF-8."""
    if coding == "a":
        try:
            b"".join(data for _, data in fields).decode("utf-8")
        except UnicodeDecodeError:
            for tag, data in fields:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return f"field {tag}: invalid UTF-8 at byte {exc.start} (leader/09 'a')", True
        return None, True
    if coding != " ":
        return f"leader/09 is {coding!r}: neither blank (MARC-8) nor 'a' (Unicode)", False
    body = b"".join(data for _, data in fields)
    if b"\x1b" not in body and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            notes.append("leader/09 says MARC-8 but the data is UTF-8; read as UTF-8")
            return None, True
    for tag, data in fields:
        if (problem := marc8_problem(data)) is not None:
            return f"field {tag}: {problem} (MARC-8)", False
    return None, False


def _indicator_problem(tag: str, data: bytes) -> str | None:
    if data[2:3] == b"\x1f" and data[0] in _INDICATOR_BYTES and data[1] in _INDICATOR_BYTES:
        return None
    head, _, _ = data.partition(b"\x1f")
    if len(head) != 2:
        return f"field {tag}: {len(head)} indicators, expected 2"
    text = head.decode("latin-1")
    if not all(ch in INDICATORS for ch in text):
        return f"field {tag}: invalid indicators {text!r}"
    return None


# -- MARC-in-JSON ---------------------------------------------------------------------------


def _read_json(blocks: Iterable[bytes]) -> Iterator[Outcome]:
    raw = b"".join(blocks)
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableMarcError(f"not MARC-in-JSON: {exc}") from None
    items = document if isinstance(document, list) else [document]
    for position, item in enumerate(items, start=1):
        yield decode_json(item, position)


def decode_json(item: Any, position: int = 1) -> Outcome:
    """One MARC-in-JSON object (`{"leader": ..., "fields": [...]}`) through pymarc."""
    out = Outcome(position)
    if not isinstance(item, dict) or not isinstance(item.get("fields"), list):
        out.error = "not a MARC-in-JSON record (an object with 'leader' and 'fields')"
        return out
    for entry in item["fields"]:
        if isinstance(entry, dict) and isinstance(entry.get("001"), str):
            out.control_number = entry["001"].strip() or None
    try:
        out.record = next(iter(pymarc.JSONReader(json.dumps([item]))))
    except Exception as exc:  # a malformed field makes pymarc raise KeyError/TypeError/...
        out.error = f"pymarc cannot read it: {type(exc).__name__}: {exc}"
        return out
    out.error = record_problem(out.record)
    if out.error:
        out.record = None
    return out
