"""Why the pose channel refuses something: websocket close codes of our protocol and the
exceptions that carry them (no web framework involved: codes are part of the protocol)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    """Close codes of `/ws/rooms/{room}/poses`, listed in docs/protocols.md."""

    normal = 1000
    going_away = 1001
    unsupported_data = 1003
    try_again_later = 1013
    bad_frame = 4400
    unauthenticated = 4401
    forbidden = 4403
    upgrade_required = 4426
    too_many_frames = 4429


class PoseFrameError(ValueError):
    """A frame that is not valid under the pose protocol; `code` says how to close."""

    def __init__(self, reason: str, code: CloseCode = CloseCode.bad_frame) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class RoomFullError(Exception):
    """Every slot of the room is taken (slots are one byte on the wire)."""
