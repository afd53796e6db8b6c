"""What `readingroom view` was asked to do, checked before anything connects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clients.xr.api import server_base
from clients.xr.errors import UsageError

ROOM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True, slots=True)
class ViewOptions:
    url: str
    token: str
    room: str | None = None
    xr: bool = False
    offscreen: bool = False
    screenshot: Path | None = None
    book: str | None = None
    page: int = 1
    size: tuple[int, int] = (1280, 720)
    timeout: float = 30.0
    live: bool = True

    @property
    def profile(self) -> str:
        return "headset" if self.xr else "desktop"

    def check(self) -> None:
        server_base(self.url)
        if not self.token.strip():
            raise UsageError(
                "--token is empty; get one with `readingroom token --user U --role reader`"
            )
        if self.room is not None and not ROOM_ID.match(self.room):
            raise UsageError(f"{self.room!r} is not a room id (lowercase letters, digits, - and _)")
        if self.xr and (self.offscreen or self.screenshot is not None):
            raise UsageError(
                "--xr renders to the headset; --offscreen and --screenshot are for desktop mode"
            )
        if self.screenshot is not None:
            if self.screenshot.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp"):
                raise UsageError("--screenshot must name a .png, .jpg or .bmp file")
            if not self.screenshot.parent.resolve().is_dir():
                raise UsageError(
                    f"cannot write {self.screenshot}: {self.screenshot.parent} is not a directory"
                )
        if self.page < 1:
            raise UsageError("--page counts from 1")
        if self.timeout <= 0:
            raise UsageError("--timeout must be positive")
