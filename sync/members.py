"""Who is in a session and what the layers let them do.

The sync package does not import the web layer's identity types: experience_server turns a
verified principal into a `Member`. Ranks mirror the five roles, lowest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from sync.errors import InvalidRoom, UnknownLayer

ROOM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Rank(IntEnum):
    guest = 0
    reader = 1
    teacher = 2
    librarian = 3
    admin = 4


class Layer(StrEnum):
    """The documents of a room: shared by all, written by the presenters, or one's own."""

    shared = "shared"
    presenter = "presenter"
    private = "private"

    @classmethod
    def parse(cls, name: str) -> Layer:
        try:
            return cls(name)
        except ValueError:
            raise UnknownLayer(
                f"unknown layer {name[:40]!r}; one of shared, presenter, private"
            ) from None


@dataclass(frozen=True, slots=True)
class Member:
    """A verified participant: user id (token subject), display name and rank."""

    user: str
    name: str
    rank: Rank


@dataclass(slots=True)
class Access:
    """Who may join a room: everyone signed in (the default), or members with at least
    `min_rank`, or the listed users. Teachers and above always may."""

    min_rank: Rank = Rank.guest
    users: frozenset[str] = field(default_factory=frozenset)

    @property
    def restricted(self) -> bool:
        return self.min_rank > Rank.guest or bool(self.users)

    def admits(self, member: Member) -> bool:
        if member.rank >= Rank.teacher or not self.restricted:
            return True
        if self.users and member.user in self.users:
            return True
        return self.min_rank > Rank.guest and member.rank >= self.min_rank


@dataclass(slots=True)
class SessionState:
    """The session-level state teachers steer: lecture mode, the handed-over presenter and
    the room's access rule."""

    lecture: bool = False
    presenter: str | None = None
    access: Access = field(default_factory=Access)

    def is_presenter(self, member: Member) -> bool:
        return member.rank >= Rank.teacher or (
            self.presenter is not None and member.user == self.presenter
        )

    def write_denial(self, layer: Layer, member: Member) -> str | None:
        """None when `member` may write `layer`, else the reason told to the client."""
        if layer is Layer.private:
            return None if member.rank >= Rank.reader else "guests cannot keep private notes"
        if layer is Layer.presenter:
            return None if self.is_presenter(member) else "only the presenter writes this layer"
        if member.rank < Rank.reader:
            return "guests can read the shared layer but not write it"
        if self.lecture and not self.is_presenter(member):
            return "the room is in lecture mode: only the presenter writes"
        return None


def check_room_id(room: str) -> str:
    if not ROOM_ID.match(room):
        raise InvalidRoom("a room id is 1-64 characters: a-z, 0-9, '_' and '-'")
    return room
