"""Licence values stored on catalog records: who may read a record's e-book. Enforced by the
permissions layer; kept here so every record carries one from import on."""

from __future__ import annotations

from catalog_adapter.errors import InvalidQueryError

ROLE_NAMES = ("guest", "reader", "teacher", "librarian", "admin")
SIMPLE = ("open", "campus", "onsite")


def parse_licence(value: str) -> str:
    """The canonical form of `open`, `campus`, `onsite` or `role:<role>`.

    Raises InvalidQueryError for anything else."""
    text = value.strip().lower()
    if text in SIMPLE:
        return text
    kind, _, role = text.partition(":")
    if kind == "role" and role in ROLE_NAMES:
        return f"role:{role}"
    raise InvalidQueryError(
        f"licence must be one of {', '.join(SIMPLE)} or role:<{'|'.join(ROLE_NAMES)}>"
    )
