"""The render pool: worker processes we control, because PyMuPDF is not thread-safe and an
untrusted document can hang or crash the process reading it.

Each worker has a slot thread in this process that feeds it one task at a time from a shared
priority queue and watches the clock. A task past its time limit gets its worker killed
(SIGKILL) and replaced; a worker that dies is replaced and its task retried once on the
fresh worker, then failed. Tasks with the same key are one task: a second `submit` returns
the same future and can raise its priority (a reader asking for a page the ingest has not
reached yet jumps the queue).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Hashable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import IntEnum
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, Literal

from book_renderer.errors import (
    PoolClosedError,
    RenderFailedError,
    RenderTimeoutError,
    WorkerCrashedError,
)

log = logging.getLogger("readingroom.render")

_PRELOAD = ["book_renderer.worker_main", "book_renderer.tasks"]
_POLL_SECONDS = 0.25
_CRASH_RETRIES = 1


class Priority(IntEnum):
    """Lower runs first."""

    urgent = 0  # a reader is waiting for this page
    first_pages = 1  # the opening pages of a book being ingested
    ingest = 2
    warm = 3  # `full` pages made ahead of need


@dataclass(eq=False)
class _Task:
    fn: str
    args: tuple[Any, ...]
    future: Future[Any]
    priority: int
    seq: int
    key: Hashable | None
    timeout: float
    attempts: int = 0
    started: bool = False


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection

    @property
    def pid(self) -> int:
        return self.process.pid or 0


@dataclass
class PoolStats:
    completed: int = 0
    timeouts: int = 0
    crashes: int = 0
    replaced: int = 0
    queued: int = 0
    pids: list[int] = field(default_factory=list)


class RenderPool:
    def __init__(
        self,
        workers: int,
        *,
        task_timeout: float,
        memory_limit_bytes: int | None = None,
        start_method: Literal["forkserver", "spawn"] = "forkserver",
    ) -> None:
        if workers < 1:
            raise ValueError("a render pool needs at least one worker")
        self.size = workers
        self.task_timeout = task_timeout
        self._memory_limit = memory_limit_bytes
        self._ctx: ForkServerContext | SpawnContext
        if start_method == "forkserver":
            self._ctx = multiprocessing.get_context("forkserver")
            self._ctx.set_forkserver_preload(_PRELOAD)
        else:
            self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Condition()
        self._heap: list[tuple[int, int, _Task]] = []
        self._by_key: dict[Hashable, _Task] = {}
        self._seq = itertools.count()
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._workers: dict[int, _Worker] = {}
        self._stats = PoolStats()

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the slot threads; each starts its worker process without blocking the caller."""
        for slot in range(self.size):
            thread = threading.Thread(
                target=self._run_slot, args=(slot,), name=f"render-slot-{slot}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float = 5.0) -> None:
        """Fail what is queued, kill what is running, wait for the slot threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            queued = [task for _, _, task in self._heap]
            self._heap.clear()
            self._by_key.clear()
            self._lock.notify_all()
        for task in queued:
            _fail(task.future, PoolClosedError("the render pool is shutting down"))
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> RenderPool:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # submitting --------------------------------------------------------------------------

    def submit(
        self,
        fn: str,
        *args: Any,
        priority: int = Priority.ingest,
        key: Hashable | None = None,
        timeout: float | None = None,
    ) -> Future[Any]:
        """Queue `module:function` to run as `function(context, *args)` in a worker."""
        with self._lock:
            if self._closed:
                future: Future[Any] = Future()
                future.set_exception(PoolClosedError("the render pool is shutting down"))
                return future
            if key is not None and (existing := self._by_key.get(key)) is not None:
                if priority < existing.priority and not existing.started:
                    existing.priority = priority
                    heapq.heappush(self._heap, (priority, existing.seq, existing))
                    self._lock.notify()
                return existing.future
            task = _Task(
                fn,
                args,
                Future(),
                int(priority),
                next(self._seq),
                key,
                timeout if timeout is not None else self.task_timeout,
            )
            if key is not None:
                self._by_key[key] = task
            heapq.heappush(self._heap, (task.priority, task.seq, task))
            self._lock.notify()
            return task.future

    def pending(self, key: Hashable) -> Future[Any] | None:
        with self._lock:
            task = self._by_key.get(key)
            return task.future if task is not None else None

    def cancel(self, keys: Iterable[Hashable]) -> int:
        """Drop queued tasks with these keys (running ones finish); how many were dropped."""
        dropped = 0
        with self._lock:
            for key in keys:
                task = self._by_key.get(key)
                if task is not None and not task.started:
                    del self._by_key[key]
                    task.future.cancel()
                    dropped += 1
        return dropped

    def stats(self) -> PoolStats:
        with self._lock:
            live = {task.seq for _, _, task in self._heap if not task.started}
            return PoolStats(
                self._stats.completed,
                self._stats.timeouts,
                self._stats.crashes,
                self._stats.replaced,
                len(live),
                [w.pid for w in self._workers.values()],
            )

    # the slot threads --------------------------------------------------------------------

    def _next_task(self) -> _Task | None:
        with self._lock:
            while True:
                if self._closed:
                    return None
                while self._heap:
                    priority, _, task = heapq.heappop(self._heap)
                    if task.started or priority != task.priority:
                        continue
                    first_run = task.attempts == 0
                    if first_run and not task.future.set_running_or_notify_cancel():
                        continue
                    task.started = True
                    return task
                self._lock.wait()

    def _finish(self, task: _Task) -> None:
        with self._lock:
            if task.key is not None and self._by_key.get(task.key) is task:
                del self._by_key[task.key]
            self._stats.completed += 1

    def _spawn(self, slot: int) -> _Worker:
        from book_renderer.worker_main import serve

        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=serve,
            args=(child, self._memory_limit),
            name=f"readingroom-render-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._workers[slot] = worker
        return worker

    def _retire(self, slot: int, worker: _Worker, reason: str) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5.0)
        worker.conn.close()
        with self._lock:
            if self._workers.get(slot) is worker:
                del self._workers[slot]
            if reason != "close":
                self._stats.replaced += 1
        if reason != "close":
            log.warning("render worker %s replaced (%s)", worker.pid, reason)

    def _try_spawn(self, slot: int) -> _Worker | None:
        try:
            return self._spawn(slot)
        except (OSError, EOFError, ValueError) as exc:
            log.error("could not start a render worker: %s", type(exc).__name__)
            return None

    def _run_slot(self, slot: int) -> None:
        worker = self._try_spawn(slot)
        try:
            while (task := self._next_task()) is not None:
                if worker is not None and not worker.process.is_alive():
                    self._retire(slot, worker, "died while idle")
                    worker = None
                if worker is None:
                    worker = self._try_spawn(slot)
                if worker is None:
                    _fail(task.future, RenderFailedError("no render worker could be started"))
                    self._finish(task)
                    time.sleep(_POLL_SECONDS)
                    continue
                worker = self._execute(slot, worker, task)
        except Exception:
            log.exception("render slot %d stopped", slot)
        finally:
            if worker is not None:
                self._retire(slot, worker, "close")

    def _execute(self, slot: int, worker: _Worker, task: _Task) -> _Worker | None:
        """Run one task on `worker`; the worker to use next (None: spawn a fresh one)."""
        task.attempts += 1
        try:
            worker.conn.send((task.fn, task.args))
        except (BrokenPipeError, ConnectionResetError, EOFError):
            self._crashed(slot, worker, task)
            return None
        except Exception as exc:
            _fail(task.future, exc)
            self._finish(task)
            return worker
        deadline = time.monotonic() + task.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._retire(slot, worker, "task timed out")
                with self._lock:
                    self._stats.timeouts += 1
                _fail(
                    task.future,
                    RenderTimeoutError(
                        f"rendering took longer than {task.timeout:g} s, the limit per task"
                    ),
                )
                self._finish(task)
                return None
            if self._closed:
                self._retire(slot, worker, "close")
                _fail(task.future, PoolClosedError("the render pool is shutting down"))
                return None
            if worker.conn.poll(min(remaining, _POLL_SECONDS)):
                try:
                    status, value = worker.conn.recv()
                except (EOFError, OSError):
                    self._crashed(slot, worker, task)
                    return None
                break
        if status == "ok":
            _succeed(task.future, value)
        else:
            _fail(task.future, value)
        self._finish(task)
        return worker

    def _crashed(self, slot: int, worker: _Worker, task: _Task) -> None:
        code = worker.process.exitcode
        self._retire(slot, worker, f"exited with {code}")
        with self._lock:
            self._stats.crashes += 1
            retry = task.attempts <= _CRASH_RETRIES and not self._closed
            if retry:
                task.started = False
                heapq.heappush(self._heap, (task.priority, task.seq, task))
                self._lock.notify()
        if not retry:
            _fail(
                task.future,
                WorkerCrashedError(
                    "the renderer stopped while reading this document (its worker was replaced)"
                ),
            )
            self._finish(task)


def default_workers(configured: int) -> int:
    """`configured`, or one worker per core when it is 0."""
    return configured if configured > 0 else max(1, os.cpu_count() or 1)


def _succeed(future: Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
