"""What one server process tells the others about a room's poses (docs/protocols.md, "Across
processes"): a 17-byte envelope (relay version, the sender's process id) around a pose
channel message exactly as a client would receive it, so one set of codecs reads both.

- SNAPSHOT: the sender's local users whose pose changed, as 30-byte records under the
  sender's own slots;
- ROSTER: the sender's local connections in the room (an empty list: it left the room);
- nothing after the envelope: HELLO, "I just started listening to this room; announce
  yourselves and send every current pose".
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sync.poses.codec import (
    HEADER_SIZE,
    RECORD_SIZE,
    MessageType,
    encode_snapshot_header,
    message_type,
)
from sync.poses.control import Roster, RosterEntry, decode_roster, encode_roster
from sync.poses.errors import PoseFrameError

RELAY_VERSION = 1
ORIGIN_SIZE = 16
_ENVELOPE = struct.Struct(f"<B{ORIGIN_SIZE}s")
ENVELOPE_SIZE = _ENVELOPE.size


def channel_name(room: str) -> str:
    """The Redis pub/sub channel of a room's poses."""
    return f"rr:pose:{room}"


def encode_hello(origin: bytes) -> bytes:
    return _ENVELOPE.pack(RELAY_VERSION, origin)


def encode_poses(origin: bytes, tick: int, records: bytes) -> bytes:
    return _ENVELOPE.pack(RELAY_VERSION, origin) + encode_snapshot_header(tick) + records


def encode_members(origin: bytes, revision: int, entries: tuple[RosterEntry, ...]) -> bytes:
    return _ENVELOPE.pack(RELAY_VERSION, origin) + encode_roster(Roster(revision, entries))


@dataclass(frozen=True, slots=True)
class Relayed:
    """One message from another process: `roster` for ROSTER, `records` (n, 30) for
    SNAPSHOT, neither for HELLO."""

    origin: bytes
    roster: Roster | None = None
    records: NDArray[np.uint8] | None = None


def decode_relayed(data: bytes) -> Relayed:
    """Check the layout (PoseFrameError if it is wrong). Record contents are not checked
    again: only our own processes publish, and each checked every frame it took."""
    if len(data) < ENVELOPE_SIZE:
        raise PoseFrameError(f"relayed message of {len(data)} bytes is shorter than its envelope")
    version, origin = _ENVELOPE.unpack_from(data)
    if version != RELAY_VERSION:
        raise PoseFrameError(f"relay version {version} is not supported")
    message = data[ENVELOPE_SIZE:]
    if not message:
        return Relayed(origin)
    kind = message_type(message)
    if kind == MessageType.roster:
        return Relayed(origin, roster=decode_roster(message))
    if kind != MessageType.snapshot:
        raise PoseFrameError(f"relayed message of type {kind.name}")
    body = len(message) - HEADER_SIZE
    if body % RECORD_SIZE:
        raise PoseFrameError(f"relayed records of {body} bytes")
    records = np.frombuffer(message, dtype=np.uint8, offset=HEADER_SIZE)
    return Relayed(origin, records=records.reshape(-1, RECORD_SIZE))
