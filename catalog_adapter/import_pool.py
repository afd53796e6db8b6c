"""Binary MARC import across processes: decoding and mapping a record costs about four
times what storing it does, so worker processes decode and map batches of records while
the importing thread writes the previous batches to SQLite.

Workers are spawned (not forked): the server that asks for an import runs threads, and a
fork would copy their locks mid-use.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from catalog_adapter.importer import Step, prepare
from catalog_adapter.marc_reader import Frame, decode_frame

FRAMES_PER_TASK = 500


def _prepare_frames(frames: list[Frame], default_licence: str) -> list[Step]:
    return [prepare(decode_frame(frame), default_licence) for frame in frames]


def parallel_steps(frames: Iterable[Frame], default_licence: str, workers: int) -> Iterator[Step]:
    """Steps for every frame, in file order, computed `workers` tasks at a time."""
    source = iter(frames)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[list[Step]]] = deque()

        def submit() -> bool:
            chunk = list(islice(source, FRAMES_PER_TASK))
            if chunk:
                pending.append(pool.submit(_prepare_frames, chunk, default_licence))
            return bool(chunk)

        for _ in range(workers * 2):
            if not submit():
                break
        while pending:
            steps = pending.popleft().result()
            submit()
            yield from steps
