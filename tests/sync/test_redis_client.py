"""The relays' Redis client under uvloop (what uvicorn runs): a connection the network
reset is reported as a ConnectionError, which the relays treat as Redis going away, not as
a bug (found by benchmarks/sync_chaos.py cutting a process off from Redis)."""

from __future__ import annotations

import asyncio
import time

import pytest
import uvloop
from redis.exceptions import ConnectionError as RedisConnectionError

from sync.redis_client import relay_client
from tests.support.redis_server import RedisServer
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.redis]


async def lost_connection_is_reported(port: int, proxy: TcpProxy) -> None:
    client = relay_client(f"redis://127.0.0.1:{port}/0", connect_timeout=2.0, timeout=5.0)
    try:
        assert await client.ping()
        writer = client.connection_pool._available_connections[0]._writer
        assert writer is not None
        proxy.cut()
        deadline = time.monotonic() + 10
        while not writer.transport.is_closing():  # the reset reached the event loop
            assert time.monotonic() < deadline, "the proxy never reset the connection"
            await asyncio.sleep(0.01)
        proxy.heal()
        with pytest.raises(RedisConnectionError):
            await client.ping()
        assert await client.ping()  # a new connection
    finally:
        await client.aclose()


def test_a_connection_reset_under_uvloop_is_a_connection_error(
    redis_server: RedisServer,
) -> None:
    proxy = TcpProxy(redis_server.port)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(lost_connection_is_reported(proxy.port, proxy))
    finally:
        proxy.close()
