"""The one permission table: every action the API offers and the lowest role that may do it.

Routers do not compare roles themselves: they ask for an action with
`experience_server.dependencies.require(Action.X)`,
and `ROUTES` names the action of every route, so that the tests can walk every route of the
app against every role and fail when a route is added without an entry here. Licences on
individual books are checked on top of this, in `experience_server.books.access`.
"""

from __future__ import annotations

from enum import StrEnum

from experience_server.auth.roles import Role


class Action(StrEnum):
    # Open to everyone, signed in or not.
    status = "status"
    api_docs = "api_docs"
    iiif_redirect = "iiif_redirect"
    template_schema = "template_schema"
    # Any signed-in user (guest and above).
    identity = "identity"
    book_read = "book_read"
    room_read = "room_read"
    catalog_read = "catalog_read"
    location_read = "location_read"
    analytics_hot = "analytics_hot"
    own_data = "own_data"
    session_join = "session_join"
    # Any signed-in user; the session decides per layer (a guest may be the presenter).
    annotation_import = "annotation_import"
    # Teachers and above.
    session_steer = "session_steer"
    # Librarians and above.
    book_upload = "book_upload"
    book_delete = "book_delete"
    room_edit = "room_edit"
    catalog_import = "catalog_import"
    catalog_edit = "catalog_edit"
    licence_edit = "licence_edit"
    rfid_post = "rfid_post"
    rfid_read = "rfid_read"
    circulation_edit = "circulation_edit"
    analytics_borrowing = "analytics_borrowing"
    # Admins.
    admin_status = "admin_status"
    audit_read = "audit_read"


PUBLIC = None
"""The minimum 'role' of an action that needs no sign-in at all."""

MIN_ROLE: dict[Action, Role | None] = {
    Action.status: PUBLIC,
    Action.api_docs: PUBLIC,
    Action.iiif_redirect: PUBLIC,
    Action.template_schema: PUBLIC,
    Action.identity: Role.guest,
    Action.book_read: Role.guest,
    Action.room_read: Role.guest,
    Action.catalog_read: Role.guest,
    Action.location_read: Role.guest,
    Action.analytics_hot: Role.guest,
    Action.own_data: Role.guest,
    Action.session_join: Role.guest,
    Action.annotation_import: Role.guest,
    Action.session_steer: Role.teacher,
    Action.book_upload: Role.librarian,
    Action.book_delete: Role.librarian,
    Action.room_edit: Role.librarian,
    Action.catalog_import: Role.librarian,
    Action.catalog_edit: Role.librarian,
    Action.licence_edit: Role.librarian,
    Action.rfid_post: Role.librarian,
    Action.rfid_read: Role.librarian,
    Action.circulation_edit: Role.librarian,
    Action.analytics_borrowing: Role.librarian,
    Action.admin_status: Role.admin,
    Action.audit_read: Role.admin,
}

WS = "WS"
"""The method name used in `ROUTES` for websocket routes."""

ROUTES: dict[tuple[str, str], Action] = {
    ("GET", "/openapi.json"): Action.api_docs,
    ("GET", "/docs"): Action.api_docs,
    ("GET", "/healthz"): Action.status,
    ("GET", "/readyz"): Action.status,
    ("GET", "/metrics"): Action.status,
    ("GET", "/api/v1/me"): Action.identity,
    ("GET", "/api/v1/admin/status"): Action.admin_status,
    ("GET", "/api/v1/admin/audit"): Action.audit_read,
    ("POST", "/api/v1/books"): Action.book_upload,
    ("GET", "/api/v1/books"): Action.book_read,
    ("GET", "/api/v1/books/{book_id}"): Action.book_read,
    ("DELETE", "/api/v1/books/{book_id}"): Action.book_delete,
    ("GET", "/api/v1/books/{book_id}/model.glb"): Action.book_read,
    ("GET", "/api/v1/books/{book_id}/pages/{number}.jpg"): Action.book_read,
    ("GET", "/api/v1/books/{book_id}/pages/{number}/text"): Action.book_read,
    ("GET", "/api/v1/books/{book_id}/search"): Action.book_read,
    ("GET", "/api/v1/books/{book_id}/related"): Action.book_read,
    ("GET", "/iiif/{book_id}/manifest.json"): Action.book_read,
    ("GET", "/iiif/{book_id}/{number}"): Action.iiif_redirect,
    ("GET", "/iiif/{book_id}/{number}/info.json"): Action.book_read,
    ("GET", "/iiif/{book_id}/{number}/{region}/{size}/{rotation}/{quality_format}"): (
        Action.book_read
    ),
    ("GET", "/api/v1/rooms"): Action.room_read,
    ("POST", "/api/v1/rooms"): Action.room_edit,
    ("GET", "/api/v1/rooms/{room_id}"): Action.room_read,
    ("PUT", "/api/v1/rooms/{room_id}"): Action.room_edit,
    ("PATCH", "/api/v1/rooms/{room_id}"): Action.room_edit,
    ("GET", "/api/v1/rooms/{room_id}/versions"): Action.room_edit,
    ("GET", "/api/v1/rooms/{room_id}/manifest"): Action.room_read,
    ("GET", "/api/v1/rooms/{room_id}/scene.glb"): Action.room_read,
    ("GET", "/api/v1/rooms/{room_id}/assets/{digest}.glb"): Action.room_read,
    ("GET", "/api/v1/rooms/{room_id}/preview.png"): Action.room_read,
    ("GET", "/api/v1/rooms/{room_id}/books/{record_id}/preview.png"): Action.room_read,
    ("GET", "/api/v1/room-templates"): Action.room_read,
    ("GET", "/api/v1/room-templates/schema"): Action.template_schema,
    ("POST", "/api/v1/rfid/events"): Action.rfid_post,
    ("GET", "/api/v1/rfid/items/{item}/movements"): Action.rfid_read,
    ("GET", "/api/v1/catalog/records/{record_id}/location"): Action.location_read,
    ("GET", "/api/v1/catalog/search"): Action.catalog_read,
    ("GET", "/api/v1/catalog/records/{record_id}"): Action.catalog_read,
    ("PUT", "/api/v1/catalog/records/{record_id}/book"): Action.catalog_edit,
    ("PUT", "/api/v1/catalog/records/{record_id}/licence"): Action.licence_edit,
    ("POST", "/api/v1/catalog/import"): Action.catalog_import,
    ("POST", "/api/v1/circulation/loans"): Action.circulation_edit,
    ("POST", "/api/v1/circulation/also-borrowed/build"): Action.circulation_edit,
    ("GET", "/api/v1/analytics/hot"): Action.analytics_hot,
    ("GET", "/api/v1/analytics/borrowing"): Action.analytics_borrowing,
    ("POST", "/api/v1/me/history"): Action.own_data,
    ("GET", "/api/v1/me/history"): Action.own_data,
    ("GET", "/api/v1/me/data"): Action.own_data,
    ("DELETE", "/api/v1/me/data"): Action.own_data,
    (WS, "/ws/rooms/{room}/poses"): Action.session_join,
    (WS, "/ws/rooms/{room}/shared"): Action.session_join,
    (WS, "/ws/rooms/{room}/presenter"): Action.session_join,
    (WS, "/ws/rooms/{room}/private"): Action.session_join,
    ("GET", "/api/v1/rooms/{room_id}/participants"): Action.session_join,
    ("GET", "/api/v1/rooms/{room_id}/annotations"): Action.session_join,
    ("GET", "/api/v1/rooms/{room_id}/annotations/{annotation_id}"): Action.session_join,
    ("POST", "/api/v1/rooms/{room_id}/annotations"): Action.annotation_import,
    ("GET", "/api/v1/rooms/{room_id}/session"): Action.session_join,
    ("PATCH", "/api/v1/rooms/{room_id}/session"): Action.session_steer,
    ("POST", "/api/v1/rooms/{room_id}/presenter"): Action.session_steer,
    ("DELETE", "/api/v1/rooms/{room_id}/presenter"): Action.session_steer,
}


def allows(role: Role, action: Action) -> bool:
    """Whether `role` may do `action` (a public action allows everyone)."""
    minimum = MIN_ROLE[action]
    return minimum is None or role >= minimum


__all__ = ["MIN_ROLE", "PUBLIC", "ROUTES", "WS", "Action", "allows"]
