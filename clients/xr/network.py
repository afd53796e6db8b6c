"""One asyncio loop on a background thread for everything live (layer documents, poses),
so the frame loop never waits on the network. The frame loop only reads snapshots the loop
publishes and posts small calls to it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class NetworkThread:
    def __init__(self, name: str = "xr-network") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.cpu_seconds = 0.0  # CPU time this thread used, for the benchmark

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.cpu_seconds = time.thread_time()
            self.loop.close()

    def start(self) -> None:
        self._thread.start()

    def spawn(self, factory: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run a long-lived coroutine on the loop until `stop`."""

        def start() -> None:
            task = self.loop.create_task(factory())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self.loop.call_soon_threadsafe(start)

    def call(self, fn: Callable[[], Any]) -> None:
        """Run `fn` on the loop's thread soon; fire and forget."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn)

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def cpu_time(self) -> float:
        """CPU seconds this thread has used so far (measured on the thread itself)."""
        if not self._thread.is_alive():
            return self.cpu_seconds
        return self.submit(_thread_time()).result(timeout=2.0)

    def stop(
        self, farewell: Callable[[], Awaitable[None]] | None = None, timeout: float = 3.0
    ) -> None:
        """Say goodbye (bounded by `timeout`), cancel every task and end the thread."""
        if not self._thread.is_alive():
            return

        async def shutdown() -> None:
            if farewell is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(farewell(), timeout / 2)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.submit(shutdown()).result(timeout=timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)


async def _thread_time() -> float:
    return time.thread_time()
