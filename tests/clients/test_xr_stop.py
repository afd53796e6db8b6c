"""`kill` stops the viewer's frame loop whenever it comes, with Panda3D's own task manager:
also a kill that lands after the loop is set up but before it runs (Panda's `run()` starts
by setting its running flag, which used to forget the stop, and the viewer ran on)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from direct.task.Task import TaskManager

from clients.xr.cli import _Stopper

#: A loop that ignored the kill is stopped by the test after this many frames.
RUNAWAY_FRAMES = 200


@pytest.fixture
def sigterm_restored() -> Iterator[None]:
    """`_Stopper` installs a SIGTERM handler in this (pytest's) process: put it back."""
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def loop() -> Iterator[tuple[TaskManager, list[int]]]:
    """A task manager counting its frames (Panda's one global manager underneath: only the
    tasks added here are removed afterwards, the viewer tests use it too)."""
    manager = TaskManager()
    frames: list[int] = []

    def count(task: Any) -> int:
        frames.append(len(frames))
        if len(frames) >= RUNAWAY_FRAMES:
            manager.stop()
        return int(task.cont)

    manager.add(count, "count")
    yield manager, frames
    for name in ("count", "kill", "readingroom-stop"):
        manager.remove(name)


Loop = tuple[TaskManager, list[int]]


@pytest.mark.usefixtures("sigterm_restored")
def test_a_kill_between_setting_up_the_loop_and_running_it_still_stops_it(loop: Loop) -> None:
    manager, frames = loop
    stopper = _Stopper()
    stopper.stop_loop(manager)
    os.kill(os.getpid(), signal.SIGTERM)  # handled here, before the loop runs
    assert stopper.requested
    manager.run()
    assert len(frames) == 1, f"the loop ran {len(frames)} frames after the kill"


@pytest.mark.usefixtures("sigterm_restored")
def test_a_kill_while_the_loop_runs_stops_it_at_that_frame(loop: Loop) -> None:
    manager, frames = loop
    stopper = _Stopper()
    stopper.stop_loop(manager)

    def kill_at_frame_5(task: Any) -> int:
        if len(frames) == 5:
            os.kill(os.getpid(), signal.SIGTERM)
        return int(task.cont)

    manager.add(kill_at_frame_5, "kill", sort=10)
    manager.run()
    assert len(frames) == 5


@pytest.mark.usefixtures("sigterm_restored")
def test_a_kill_before_the_loop_is_set_up_interrupts_what_waits() -> None:
    _Stopper()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
