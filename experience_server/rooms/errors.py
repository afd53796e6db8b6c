"""Why a room request cannot be served; mapped to HTTP statuses in `app.py`."""


class RoomNotFoundError(LookupError):
    """No room (or no such version of it) with that id."""


class RoomExistsError(Exception):
    """A room with that id already exists."""


class RoomVersionConflictError(Exception):
    """The room changed since the version the editor started from (If-Match)."""


class RoomAssetNotFoundError(LookupError):
    """The asset is not part of any current build of the room."""
