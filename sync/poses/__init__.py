"""The pose channel: head and hand poses of everyone in a room, quantised into 30 bytes a
user and sent as one snapshot per tick with interest management (docs/protocols.md)."""

from sync.poses.channel import ChannelClosedError, PoseChannel
from sync.poses.errors import CloseCode, PoseFrameError, RoomFullError
from sync.poses.hub import PoseConfig, PoseHub, PoseStats
from sync.poses.room import PoseMember

__all__ = [
    "ChannelClosedError",
    "CloseCode",
    "PoseChannel",
    "PoseConfig",
    "PoseFrameError",
    "PoseHub",
    "PoseMember",
    "PoseStats",
    "RoomFullError",
]
