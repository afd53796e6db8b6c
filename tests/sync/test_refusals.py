"""Repeated refusals wait before their close, so pre-3.0 y-websocket clients (which
reconnect after any close, 100 ms later) knock every few seconds instead of ten times a
second."""

from __future__ import annotations

import asyncio

from sync.channel import CloseCode
from sync.members import Rank
from sync.refusals import RefusalBackoff
from sync.service import SessionService
from tests.sync.conftest import ALICE, TEACHER
from tests.sync.memory import YClient


def test_the_first_refusal_is_immediate_and_repeats_back_off() -> None:
    backoff = RefusalBackoff(first=0.5, cap=4.0, window=60.0)
    delays = [backoff.delay("token", float(t)) for t in range(7)]
    assert delays == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.delay("another token", 7.0) == 0.0
    assert backoff.delay("token", 100.0) == 0.0, "forgotten after a quiet window"


def test_it_remembers_a_bounded_number_of_clients() -> None:
    backoff = RefusalBackoff(max_keys=10)
    for key in range(100):
        backoff.delay(key, 0.0)
    assert backoff.delay(0, 1.0) == 0.0
    assert backoff.delay(99, 1.0) > 0.0


async def test_a_client_refused_again_waits_and_a_disconnect_ends_the_wait(
    service: SessionService,
) -> None:
    await service.set_access("locked", TEACHER, Rank.teacher, [])
    loop = asyncio.get_running_loop()
    first = YClient()
    first.connect(lambda channel: service.serve(channel, "locked", "shared", ALICE))
    assert await first.closed() == (CloseCode.FORBIDDEN, "this room is restricted")
    again = YClient()
    started = loop.time()
    again.connect(lambda channel: service.serve(channel, "locked", "shared", ALICE))
    assert await again.closed() == (CloseCode.FORBIDDEN, "this room is restricted")
    assert loop.time() - started >= 0.4
    gone = YClient()
    gone.connect(lambda channel: service.serve(channel, "locked", "shared", ALICE))
    gone.channel.disconnect()
    await gone.closed(within=0.5)
