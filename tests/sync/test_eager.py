"""Eager starts: a send that needs no wait finishes inline; one that waits finishes in a task."""

from __future__ import annotations

import asyncio

import pytest

from sync import eager


async def test_a_coroutine_that_never_waits_finishes_inline() -> None:
    done: list[int] = []

    async def quick() -> None:
        done.append(1)

    assert eager.start(quick()) is None
    assert done == [1]


async def test_a_coroutine_that_waits_is_finished_by_whoever_awaits_it() -> None:
    gate = asyncio.Event()
    steps: list[str] = []

    async def slow() -> None:
        steps.append("before")
        await gate.wait()
        await asyncio.sleep(0)
        steps.append("after")

    suspended = eager.start(slow())
    assert suspended is not None
    assert steps == ["before"]
    task = asyncio.ensure_future(_await(suspended))
    await asyncio.sleep(0.01)
    assert steps == ["before"]
    gate.set()
    await asyncio.wait_for(task, 1)
    assert steps == ["before", "after"]


async def test_cancelling_the_awaiting_task_cancels_the_coroutine() -> None:
    cleaned: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(True)

    suspended = eager.start(forever())
    assert suspended is not None
    task = asyncio.ensure_future(_await(suspended))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True]


async def test_abandoning_runs_the_coroutines_cleanups() -> None:
    cleaned: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(True)

    suspended = eager.start(forever())
    assert suspended is not None
    suspended.close()
    assert cleaned == [True]


async def test_errors_before_the_first_wait_reach_the_caller() -> None:
    async def broken() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        eager.start(broken())


async def _await(suspended: eager.Suspended) -> None:
    await suspended
