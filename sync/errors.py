"""What can go wrong in a live session. The web layer maps each type to a status and an error
code (experience_server registers them); websocket peers get a close code instead."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error the sync package raises on purpose."""


class ProtocolError(SyncError):
    """A frame that is not a well-formed y-websocket message."""


class InvalidRoom(SyncError):
    """A room id that cannot name a session room."""


class UnknownLayer(SyncError):
    """A layer name other than shared, presenter or private."""


class NotAllowed(SyncError):
    """The member's role or the room's session state does not allow the action."""


class InvalidInput(SyncError):
    """A request whose content does not make sense (a bad user id, list or value)."""


class InvalidAnnotation(InvalidInput):
    """An imported annotation the document model cannot hold."""


class DocumentFull(SyncError):
    """The room layer's document reached its size limit."""


class PeerViolation(SyncError):
    """A peer broke a rule of the channel; it is closed with `code` and `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
