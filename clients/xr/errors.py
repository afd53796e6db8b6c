"""Why the viewer stops: each reason is one line for the person at the keyboard and an exit
status for scripts, never a traceback. The CLI prints `readingroom view: <message>`."""

from __future__ import annotations


class ViewerError(Exception):
    """The viewer cannot go on; `str(error)` is the whole message, on one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class UsageError(ViewerError):
    """The command line asks for something the viewer cannot do (a malformed URL or id)."""

    exit_code = 2


class ServerUnreachableError(ViewerError):
    """No connection to the server, or it did not answer in time."""

    exit_code = 3


class SignInError(ViewerError):
    """The server refused the token (401) or the signed-in user may not do this (403)."""

    exit_code = 4


class NotFoundError(ViewerError):
    """The room or book asked for does not exist on this server."""

    exit_code = 5


class SceneLoadError(ViewerError):
    """A GLB the server sent could not be read or converted."""

    exit_code = 6


class XrUnavailableError(ViewerError):
    """No OpenXR runtime, no headset, or a runtime this viewer cannot drive."""

    exit_code = 7


class DisplayUnavailableError(ViewerError):
    """No window could be opened (no display) or no OpenGL context off screen."""

    exit_code = 8
