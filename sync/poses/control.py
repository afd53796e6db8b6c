"""The pose channel's control messages: ROSTER (who holds which slot) and WELCOME (your
slot and the room's rates), each the 4-byte header then UTF-8 JSON (docs/protocols.md).
They are rare, so JSON keeps them readable and extensible; poses stay binary."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sync.poses.codec import HEADER, HEADER_SIZE, MAX_SEQ, VERSION, MessageType, check_header
from sync.poses.errors import PoseFrameError


@dataclass(frozen=True, slots=True)
class RosterEntry:
    slot: int
    user: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Roster:
    revision: int
    users: tuple[RosterEntry, ...]


@dataclass(frozen=True, slots=True)
class Welcome:
    """What a client learns on joining: its own slot and the room's rates."""

    slot: int
    send: bool
    tick_hz: float
    far_hz: float
    near_m: float
    max_rate_hz: float


def _encode_json(kind: MessageType, field: int, document: dict[str, Any]) -> bytes:
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return HEADER.pack(VERSION, kind, field & MAX_SEQ) + body


def _decode_json(data: bytes, kind: MessageType) -> tuple[int, dict[str, Any]]:
    check_header(data, kind)
    try:
        document = json.loads(data[HEADER_SIZE:].decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise PoseFrameError(f"{kind.name} body is not UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise PoseFrameError(f"{kind.name} body is not a JSON object")
    return HEADER.unpack_from(data)[2], document


def encode_roster(roster: Roster) -> bytes:
    users = [{"slot": e.slot, "user": e.user, "name": e.name, "role": e.role} for e in roster.users]
    return _encode_json(MessageType.roster, roster.revision, {"users": users})


def decode_roster(data: bytes) -> Roster:
    revision, document = _decode_json(data, MessageType.roster)
    users = document.get("users")
    if not isinstance(users, list):
        raise PoseFrameError("roster has no users list")
    entries = []
    for item in users:
        try:
            entry = RosterEntry(
                slot=item["slot"], user=item["user"], name=item["name"], role=item["role"]
            )
        except (TypeError, KeyError):
            raise PoseFrameError("roster entry lacks slot, user, name or role") from None
        if not (
            isinstance(entry.slot, int)
            and isinstance(entry.user, str)
            and isinstance(entry.name, str)
            and isinstance(entry.role, str)
        ):
            raise PoseFrameError("roster entry has a field of the wrong type")
        entries.append(entry)
    return Roster(revision=revision, users=tuple(entries))


def encode_welcome(welcome: Welcome) -> bytes:
    return _encode_json(
        MessageType.welcome,
        welcome.slot,
        {
            "slot": welcome.slot,
            "send": welcome.send,
            "tick_hz": welcome.tick_hz,
            "far_hz": welcome.far_hz,
            "near_m": welcome.near_m,
            "max_rate_hz": welcome.max_rate_hz,
        },
    )


def decode_welcome(data: bytes) -> Welcome:
    slot, document = _decode_json(data, MessageType.welcome)
    try:
        rates = [float(document[key]) for key in ("tick_hz", "far_hz", "near_m", "max_rate_hz")]
        send = document["send"]
    except (KeyError, TypeError, ValueError, OverflowError):
        raise PoseFrameError("welcome lacks a rate or the send flag") from None
    if not isinstance(send, bool) or not all(math.isfinite(r) for r in rates):
        raise PoseFrameError("welcome has a field of the wrong type")
    return Welcome(slot, send, *rates)
