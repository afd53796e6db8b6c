"""Who may do what with a book: the one place role and licence checks meet.

Adding and removing books is a librarian action from the policy table. Reading a book's
content (page images, text, search hits, IIIF images, the GLB) also follows the licence on
the catalog record linked to the book: `open` (anyone, guests included; shared caches may
keep it), `campus` (anyone signed in; never publicly cached), `onsite` (from an address in
the experience zone's networks), `role:<role>` (that role or higher). A book no record
links to follows the default licence from the settings. Seeing that a book exists (its
metadata) is not reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Protocol

from book_renderer.records import Book
from experience_server.auth.errors import PermissionDenied
from experience_server.auth.roles import Principal, Role
from experience_server.policy import Action, allows

OPEN = "open"


class BookAction(StrEnum):
    view = "view"
    read = "read"
    upload = "upload"
    delete = "delete"


_POLICY = {
    BookAction.view: Action.book_read,
    BookAction.read: Action.book_read,
    BookAction.upload: Action.book_upload,
    BookAction.delete: Action.book_delete,
}


@dataclass(frozen=True, slots=True)
class Reader:
    """Who asks, and from where: an `onsite` licence depends on the client address."""

    principal: Principal
    address: str | None = None


class BookAccess(Protocol):
    def check(self, reader: Reader, action: BookAction, book: Book | None) -> None:
        """Return when allowed; raise PermissionDenied (403) when not. May block (a
        catalog lookup): call it from a worker thread."""

    def licence(self, book_id: str) -> str:
        """The licence the book's content is served under (`open` may be cached publicly)."""


class RoleBookAccess:
    """The policy table only: every signed-in user reads every book."""

    def check(self, reader: Reader, action: BookAction, book: Book | None) -> None:
        _check_role(reader.principal, action)

    def licence(self, book_id: str) -> str:
        return OPEN


Network = IPv4Network | IPv6Network


class LicenceBookAccess:
    """The policy table, then the licence on the book's catalog record for reading."""

    def __init__(
        self,
        licence_of: Callable[[str], str | None],
        default_licence: str,
        onsite_networks: Sequence[Network],
    ) -> None:
        self._licence_of = licence_of
        self._default = default_licence
        self._onsite = tuple(onsite_networks)

    def licence(self, book_id: str) -> str:
        return self._licence_of(book_id) or self._default

    def check(self, reader: Reader, action: BookAction, book: Book | None) -> None:
        _check_role(reader.principal, action)
        if action is BookAction.read and book is not None:
            denial = self.denial(self.licence(book.id), reader)
            if denial is not None:
                raise PermissionDenied(denial)

    def denial(self, licence: str, reader: Reader) -> str | None:
        """None when the licence lets `reader` read, else the reason told to the client."""
        role = reader.principal.role
        if licence in (OPEN, "campus"):
            return None  # every caller here has a verified token; `campus` is never public
        if licence == "onsite":
            ok = self._inside(reader.address)
            return None if ok else "this book may only be read in the library's reading room"
        kind, _, name = licence.partition(":")
        if kind == "role" and name in Role.__members__:
            ok = role >= Role[name]
            return None if ok else f"this book is licensed to {name}s and above"
        return "this book's licence is not understood; ask a librarian"

    def _inside(self, address: str | None) -> bool:
        if address is None:
            return False
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._onsite)


def _check_role(principal: Principal, action: BookAction) -> None:
    policy_action = _POLICY[action]
    if not allows(principal.role, policy_action):
        raise PermissionDenied(f"to {action.value} books your role is not enough")
