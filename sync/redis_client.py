"""Redis clients for the relays: short timeouts, no retries inside redis-py (the relays'
own backoff and resync decide what happens next), and a connection that reports a lost
connection as one.

Under uvloop (uvicorn's loop), writing to a connection Redis or the network already reset
raises `RuntimeError: unable to perform operation on <TCPTransport closed=True>; the handler
is closed` (MagicStack/uvloop#506) where the standard loop gives an OSError, which redis-py
turns into a ConnectionError. The relays took it for a bug (a traceback in the log) and a
client loading a room was closed with 1011; now it is a ConnectionError like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis.asyncio as aioredis
from redis.asyncio.connection import Connection
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry


class LostAwareConnection(Connection):
    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        try:
            await super().send_packed_command(command, check_health)
        except RuntimeError as exc:  # redis-py has already dropped the connection
            if "handler is closed" not in str(exc):
                raise
            raise RedisConnectionError("the connection to Redis was lost") from exc


def relay_client(url: str, connect_timeout: float, timeout: float) -> aioredis.Redis:
    """The caller closes it (`await client.aclose()`) after the relay using it stopped."""
    return aioredis.Redis.from_url(
        url,
        socket_connect_timeout=connect_timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        connection_class=LostAwareConnection,
    )
