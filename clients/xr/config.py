"""Panda3D configuration for the viewer, set before ShowBase starts: off screen through EGL
(no display needed, Mesa llvmpipe works) or in a window, no audio, and quiet logs so that
a failure reads as one line."""

from __future__ import annotations

import os

from panda3d.core import loadPrcFileData

COMMON = """
audio-library-name null
notify-level warning
notify-level-device fatal
notify-level-display error
notify-level-glgsg error
notify-level-egldisplay fatal
textures-power-2 none
default-near 0.01
show-frame-rate-meter false
print-pipe-types false
"""


def configure(*, offscreen: bool, size: tuple[int, int], title: str) -> None:
    width, height = size
    lines = [COMMON, f"win-size {width} {height}", f"window-title {title}"]
    if offscreen:
        lines += ["window-type offscreen", "load-display p3headlessgl", "sync-video false"]
    else:
        lines += [
            "window-type onscreen",
            "load-display pandagl",
            "aux-display p3headlessgl",
            "sync-video true",
            "framebuffer-multisample 1",
            "multisamples 4",
        ]
    loadPrcFileData("readingroom-xr", "\n".join(lines))


def display_available() -> bool:
    """Whether a window could open here at all (Linux: an X or Wayland display)."""
    if os.name != "posix" or os.uname().sysname == "Darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
