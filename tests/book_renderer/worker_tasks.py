"""Tasks the pool tests send to real worker processes: misbehaving ones included."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path
from typing import Any

HERE = "tests.book_renderer.worker_tasks"


def echo(_: Any, value: object) -> object:
    return value


def pid(_: Any) -> int:
    return os.getpid()


def hang(_: Any, seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def hold(_: Any, started: str, release: str) -> str:
    """Keep the worker busy until the test says so (`release` exists), after saying it began
    (`started`): what the test submits meanwhile surely queues, however slow the machine."""
    Path(started).touch()
    deadline = time.monotonic() + 60
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return "released"


def segfault(_: Any) -> None:
    ctypes.string_at(0)


def exit_hard(_: Any) -> None:
    os._exit(3)


def crash_once(_: Any, marker: str) -> str:
    """Dies the first time (leaving a marker), succeeds on the retry."""
    path = Path(marker)
    if not path.exists():
        path.write_text("crashed")
        os._exit(1)
    return "second try"


def record(_: Any, log: str, value: str) -> str:
    with Path(log).open("a") as handle:
        handle.write(value + "\n")
    return value


def allocate(_: Any, size: int) -> int:
    return len(bytearray(size))


def raise_plain(_: Any) -> None:
    raise KeyError("secret page text")


def fail_allocation(_: Any, call: str) -> None:
    """MuPDF's own words when an allocation fails under the worker's memory limit."""
    raise RuntimeError(f"code=2: {call} (268435456 bytes) failed")
