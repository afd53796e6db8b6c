"""Who may do what with a book: the one place licence and permission checks plug in.

Today every signed-in user reads every book, and librarians and admins add and remove them.
The licence/permission adapter (catalog_adapter) will provide another `BookAccess`; the
service asks it before every read and every change, so nothing else needs to move.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from book_renderer.records import Book
from experience_server.auth.errors import PermissionDenied
from experience_server.auth.roles import Principal, Role


class BookAction(StrEnum):
    read = "read"
    upload = "upload"
    delete = "delete"


class BookAccess(Protocol):
    def check(self, principal: Principal, action: BookAction, book: Book | None) -> None:
        """Return when allowed; raise PermissionDenied (403) when not."""


class RoleBookAccess:
    """Reading for every signed-in user; adding and removing for librarians and above."""

    def check(self, principal: Principal, action: BookAction, book: Book | None) -> None:
        if action is not BookAction.read and principal.role < Role.librarian:
            raise PermissionDenied(f"to {action.value} books you need the role librarian or higher")
