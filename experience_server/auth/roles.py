"""The five roles of readingroom, lowest first; a role includes every role below it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    guest = 0
    reader = 1
    teacher = 2
    librarian = 3
    admin = 4

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown role {value!r}") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified identity: the user id (token subject), a display name and a role."""

    user: str
    name: str
    role: Role
    issuer: str
