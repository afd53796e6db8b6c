"""The y-websocket wire format (lib0 encoding), parsed strictly and written once.

Every frame a client sends goes through `parse_frame`, which either returns a typed message
or raises `ProtocolError`; it never raises anything else, whatever the bytes (a hypothesis
test holds it to that). Builders return ready-to-send `bytes` so one encoding can be handed
to every peer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from sync.errors import ProtocolError

# lib0 writes unsigned integers up to 2**53 - 1 (JavaScript's safe integers): 8 bytes of 7 bits.
_MAX_VAR_UINT_BYTES = 8


class MessageType(IntEnum):
    """The outer message type, the first var-uint of every frame."""

    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3


class SyncStep(IntEnum):
    """The second var-uint of a SYNC message."""

    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


AUTH_PERMISSION_DENIED = 0


@dataclass(frozen=True, slots=True)
class SyncMessage:
    """Sync step 1 (payload: a state vector), step 2 or update (payload: a Yjs update)."""

    step: SyncStep
    payload: bytes
    exact: bool  # the frame holds this message and nothing after it


@dataclass(frozen=True, slots=True)
class AwarenessMessage:
    payload: bytes


@dataclass(frozen=True, slots=True)
class QueryAwarenessMessage:
    pass


@dataclass(frozen=True, slots=True)
class OtherMessage:
    """A message type this server does not act on (auth from a client, future types)."""

    kind: int


Message = SyncMessage | AwarenessMessage | QueryAwarenessMessage | OtherMessage


def write_var_uint(value: int) -> bytes:
    if value < 0:
        raise ValueError("var-uint must not be negative")
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def write_var_bytes(data: bytes) -> bytes:
    return write_var_uint(len(data)) + data


def write_var_string(text: str) -> bytes:
    return write_var_bytes(text.encode("utf-8"))


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    """The integer at `pos` and the position after it."""
    value = 0
    shift = 0
    for _ in range(_MAX_VAR_UINT_BYTES):
        if pos >= len(data):
            raise ProtocolError("message ends inside a number")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise ProtocolError("number is too large")


def read_var_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = read_var_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise ProtocolError("message ends inside a byte string")
    return data[pos:end], end


def read_var_string(data: bytes, pos: int) -> tuple[str, int]:
    raw, pos = read_var_bytes(data, pos)
    try:
        return raw.decode("utf-8"), pos
    except UnicodeDecodeError:
        raise ProtocolError("string is not UTF-8") from None


def parse_frame(frame: bytes) -> Message:
    """One websocket frame -> one message. Trailing bytes are tolerated (as lib0 does) but
    flagged, so a relayed frame is re-encoded instead of forwarded with them."""
    kind, pos = read_var_uint(frame, 0)
    if kind == MessageType.SYNC:
        step, pos = read_var_uint(frame, pos)
        if step > SyncStep.UPDATE:
            raise ProtocolError(f"unknown sync step {step}")
        payload, pos = read_var_bytes(frame, pos)
        return SyncMessage(SyncStep(step), payload, exact=pos == len(frame))
    if kind == MessageType.AWARENESS:
        payload, pos = read_var_bytes(frame, pos)
        return AwarenessMessage(payload)
    if kind == MessageType.QUERY_AWARENESS:
        return QueryAwarenessMessage()
    return OtherMessage(kind)


def _sync(step: SyncStep, payload: bytes) -> bytes:
    return bytes((MessageType.SYNC, step)) + write_var_bytes(payload)


def sync_step1(state_vector: bytes) -> bytes:
    return _sync(SyncStep.STEP1, state_vector)


def sync_step2(update: bytes) -> bytes:
    return _sync(SyncStep.STEP2, update)


def update_message(update: bytes) -> bytes:
    return _sync(SyncStep.UPDATE, update)


def awareness_message(payload: bytes) -> bytes:
    return bytes((MessageType.AWARENESS,)) + write_var_bytes(payload)


def permission_denied(reason: str) -> bytes:
    """The y-protocols auth message a y-websocket client reports as "Permission denied"."""
    return bytes((MessageType.AUTH, AUTH_PERMISSION_DENIED)) + write_var_string(reason)
