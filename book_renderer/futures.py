"""Derived futures: one caller's view of a shared render task. Cancelling a derived future
(say, a reader closed the tab) never cancels the task other callers are waiting on."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def then(source: Future[T], transform: Callable[[T], U]) -> Future[U]:
    derived: Future[U] = Future()

    def forward(done: Future[T]) -> None:
        if derived.done():
            return
        if done.cancelled():
            derived.cancel()
            return
        error = done.exception()
        if error is not None:
            derived.set_exception(error)
            return
        try:
            derived.set_result(transform(done.result()))
        except BaseException as exc:
            derived.set_exception(exc)

    source.add_done_callback(forward)
    return derived


def resolved(value: T) -> Future[T]:
    future: Future[T] = Future()
    future.set_result(value)
    return future


def failed(error: BaseException) -> Future[T]:
    future: Future[T] = Future()
    future.set_exception(error)
    return future
