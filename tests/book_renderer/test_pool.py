"""The render pool against real worker processes that crash, hang and run out of memory."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from pathlib import Path

import pytest

from book_renderer.errors import (
    PoolClosedError,
    RenderFailedError,
    RenderMemoryError,
    RenderTimeoutError,
    WorkerCrashedError,
)
from book_renderer.pool import Priority, RenderPool
from tests.book_renderer.worker_tasks import HERE


@pytest.fixture
def pool() -> Iterator[RenderPool]:
    with RenderPool(2, task_timeout=10.0, memory_limit_bytes=1024**3) as running:
        yield running


@contextmanager
def busy(single: RenderPool, tmp_path: Path) -> Iterator[Future[str]]:
    """A one-worker pool's worker held on a task until the block ends: what is submitted
    inside surely queues (a fixed sleep is not enough on a loaded machine, where the worker
    may not have started yet, or may already be done)."""
    started, release = tmp_path / "started", tmp_path / "release"
    blocker: Future[str] = single.submit(f"{HERE}:hold", str(started), str(release))
    deadline = time.monotonic() + 60
    while not started.exists():
        assert time.monotonic() < deadline, "the worker never began the blocking task"
        time.sleep(0.01)
    try:
        yield blocker
    finally:
        release.touch()


def test_runs_tasks_in_worker_processes(pool: RenderPool) -> None:
    assert pool.submit(f"{HERE}:echo", {"a": 1}).result(timeout=30) == {"a": 1}
    worker = pool.submit(f"{HERE}:pid").result(timeout=30)
    assert worker != os.getpid()


@pytest.mark.parametrize("task", ["segfault", "exit_hard"])
def test_a_crashing_worker_is_replaced_and_the_task_fails(pool: RenderPool, task: str) -> None:
    with pytest.raises(WorkerCrashedError, match="replaced"):
        pool.submit(f"{HERE}:{task}").result(timeout=30)
    assert pool.stats().crashes == 2  # tried once more on a fresh worker, then failed
    assert pool.submit(f"{HERE}:echo", "still serving").result(timeout=30) == "still serving"


def test_a_task_that_crashed_once_succeeds_on_the_fresh_worker(
    pool: RenderPool, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    assert pool.submit(f"{HERE}:crash_once", str(marker)).result(timeout=30) == "second try"


def test_a_hung_worker_is_killed_at_the_time_limit_and_replaced(pool: RenderPool) -> None:
    before = set(pool.stats().pids)
    started = time.monotonic()
    with pytest.raises(RenderTimeoutError, match=r"longer than 0\.5 s"):
        pool.submit(f"{HERE}:hang", 60, timeout=0.5).result(timeout=30)
    assert time.monotonic() - started < 5
    assert pool.submit(f"{HERE}:echo", 1).result(timeout=30) == 1
    assert pool.stats().timeouts == 1
    assert set(pool.stats().pids) != before


def test_a_worker_killed_from_outside_is_replaced(pool: RenderPool) -> None:
    victim = pool.submit(f"{HERE}:pid").result(timeout=30)
    os.kill(victim, signal.SIGKILL)
    results = [pool.submit(f"{HERE}:pid") for _ in range(6)]
    pids = {future.result(timeout=30) for future in results}
    assert victim not in pids


def test_worker_memory_is_limited(pool: RenderPool) -> None:
    with pytest.raises(RenderMemoryError, match="more memory"):
        pool.submit(f"{HERE}:allocate", 3 * 1024**3).result(timeout=30)
    assert pool.submit(f"{HERE}:allocate", 1024).result(timeout=30) == 1024


@pytest.mark.parametrize("call", ["malloc", "realloc", "calloc"])
def test_a_failed_allocation_inside_mupdf_is_reported_as_memory(
    pool: RenderPool, call: str
) -> None:
    with pytest.raises(RenderMemoryError, match="more memory"):
        pool.submit(f"{HERE}:fail_allocation", call).result(timeout=30)


def test_unexpected_errors_keep_their_message_out(pool: RenderPool) -> None:
    with pytest.raises(RenderFailedError) as caught:
        pool.submit(f"{HERE}:raise_plain").result(timeout=30)
    assert "secret" not in str(caught.value)
    assert "KeyError" in str(caught.value)


def test_urgent_work_jumps_the_queue(tmp_path: Path) -> None:
    log = tmp_path / "order"
    with RenderPool(1, task_timeout=30.0) as single:
        with busy(single, tmp_path) as blocker:
            queued = [
                single.submit(f"{HERE}:record", str(log), f"ingest-{n}", priority=Priority.ingest)
                for n in range(3)
            ]
            urgent = single.submit(f"{HERE}:record", str(log), "reader", priority=Priority.urgent)
        wait([blocker, urgent, *queued], timeout=30)
    assert log.read_text().split() == ["reader", "ingest-0", "ingest-1", "ingest-2"]


def test_same_key_is_one_task_and_can_be_promoted(tmp_path: Path) -> None:
    log = tmp_path / "order"
    with RenderPool(1, task_timeout=30.0) as single:
        with busy(single, tmp_path) as blocker:
            first = single.submit(f"{HERE}:record", str(log), "a", priority=Priority.ingest)
            page = single.submit(
                f"{HERE}:record", str(log), "page", priority=Priority.warm, key=("page", 7)
            )
            again = single.submit(
                f"{HERE}:record", str(log), "page", priority=Priority.urgent, key=("page", 7)
            )
            assert again is page
        wait([blocker, first, page], timeout=30)
    assert log.read_text().split() == ["page", "a"]


def test_cancel_drops_queued_tasks(tmp_path: Path) -> None:
    log = tmp_path / "order"
    with RenderPool(1, task_timeout=30.0) as single:
        with busy(single, tmp_path) as blocker:
            dropped = single.submit(f"{HERE}:record", str(log), "x", key="x")
            kept = single.submit(f"{HERE}:record", str(log), "y", key="y")
            assert single.cancel(["x"]) == 1
        wait([blocker, kept], timeout=30)
    assert dropped.cancelled()
    assert log.read_text().split() == ["y"]


def test_closing_fails_what_is_queued(tmp_path: Path) -> None:
    single = RenderPool(1, task_timeout=30.0)
    single.start()
    with busy(single, tmp_path):
        queued = single.submit(f"{HERE}:echo", 1)
        single.close()
    with pytest.raises(PoolClosedError):
        queued.result(timeout=10)
    with pytest.raises(PoolClosedError):
        single.submit(f"{HERE}:echo", 1).result(timeout=1)
