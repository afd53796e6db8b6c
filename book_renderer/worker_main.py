"""The loop a render worker process runs: receive `(task, args)`, run it with the worker's
context, send back `("ok", result)` or `("error", exception)`. Imported by the forkserver
ahead of time, so a replacement worker starts in milliseconds."""

from __future__ import annotations

import importlib
import pickle
import re
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from book_renderer.errors import BookError, RenderFailedError, RenderMemoryError

# MuPDF's words when an allocation fails: "malloc (N bytes) failed", "realloc (...)", ...
_ALLOCATION_FAILED = re.compile(r"\b(?:m|re|c)alloc\b|out of memory")


def _limit_memory(limit_bytes: int | None) -> None:
    if limit_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _as_error(exc: BaseException) -> BookError:
    if isinstance(exc, BookError):
        return exc
    if isinstance(exc, MemoryError) or _ALLOCATION_FAILED.search(str(exc)):
        return RenderMemoryError("the document needs more memory than a render worker may use")
    # The type only: messages from parsers can quote document content.
    return RenderFailedError(f"the renderer failed ({type(exc).__name__})")


def _resolve(name: str, known: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    """`module:function` -> the function, imported once per worker."""
    if name not in known:
        module, _, function = name.partition(":")
        known[name] = getattr(importlib.import_module(module), function)
    return known[name]


def serve(conn: Connection, memory_limit_bytes: int | None) -> None:
    from book_renderer.worker_context import WorkerContext  # PyMuPDF: in workers only

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory(memory_limit_bytes)
    context = WorkerContext()
    known: dict[str, Callable[..., Any]] = {}
    try:
        while True:
            try:
                name, args = conn.recv()
            except (EOFError, OSError):
                return
            reply: tuple[str, Any]
            try:
                reply = ("ok", _resolve(name, known)(context, *args))
            except Exception as exc:
                reply = ("error", _as_error(exc))
            try:
                conn.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError):
                conn.send(
                    ("error", RenderFailedError("the renderer produced an unsendable result"))
                )
            except OSError:  # the server process is gone (killed): nobody to answer
                return
    finally:
        context.close()
