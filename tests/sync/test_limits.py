"""Limits close the offending peer with a code and a reason; the room carries on."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from sync.channel import CloseCode
from sync.limits import Limits
from sync.protocol import sync_step1, update_message
from sync.service import KEEPALIVE
from tests.sync.conftest import ALICE, BOB, ClientFactory, make_service, until
from tests.sync.memory import YClient


def update_with(key: str, value: object) -> bytes:
    doc: Doc[Any] = Doc()
    doc.get("annotations", type=Map)[key] = value
    return update_message(doc.get_update())


async def test_a_writer_at_100_updates_per_second_is_never_cut_off(
    clients: ClientFactory,
) -> None:
    writer, reader = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(writer.synced.wait(), reader.synced.wait()), 5)
    for i in range(300):
        writer.set(f"k{i}", i)
        await asyncio.sleep(0.01)
    await until(lambda: len(reader.get()) == 300)
    assert writer.channel.closed is None


async def test_a_flood_of_updates_is_closed_with_4529(clients: ClientFactory) -> None:
    flooder, other = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(flooder.synced.wait(), other.synced.wait()), 5)
    for i in range(2000):
        flooder.channel.push(update_with(f"f{i}", i))
    code, reason = await flooder.closed() or (0, "")
    assert code == CloseCode.RATE_LIMITED and "per second" in reason
    other.set("still", "works")
    late = clients(BOB)
    await until(lambda: "still" in late.get())


async def test_oversized_text_and_malformed_frames_close_only_their_peer(
    clients: ClientFactory,
) -> None:
    big, text, bad, fine = clients(ALICE), clients(ALICE), clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in (big, text, bad, fine))), 5)
    big.channel.push(update_with("huge", "x" * 2_000_000))
    text.channel.push("hello")
    bad.channel.push(b"\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff")
    assert (await big.closed() or (0,))[0] == CloseCode.MESSAGE_TOO_BIG
    assert (await text.closed() or (0,))[0] == CloseCode.UNSUPPORTED_DATA
    assert (await bad.closed() or (0,))[0] == CloseCode.INVALID_DATA
    fine.set("after", 1)
    late = clients(BOB)
    await until(lambda: late.get() == {"after": 1.0})


async def test_a_full_document_refuses_more_with_4413(tmp_path: Path) -> None:
    service = make_service(
        tmp_path / "db.sqlite3", Limits(flush_interval=0.01, max_document_bytes=64 * 1024)
    )
    await service.start()
    client = YClient()
    client.connect(lambda channel: service.serve(channel, "r", "shared", ALICE))
    try:
        await asyncio.wait_for(client.synced.wait(), 5)
        for i in range(100):
            client.set(f"k{i}", "x" * 1000)
        code, reason = await client.closed() or (0, "")
        assert code == CloseCode.DOCUMENT_FULL and "size limit" in reason
    finally:
        await client.stop()
        await service.stop()


async def test_a_flood_of_sync_requests_is_closed(clients: ClientFactory) -> None:
    asker = clients(ALICE)
    await asker.synced.wait()
    for _ in range(100):
        asker.channel.push(sync_step1(b"\x00"))
    code, _ = await asker.closed() or (0, "")
    assert code == CloseCode.RATE_LIMITED


async def test_a_peer_sent_nothing_for_a_while_gets_a_keepalive_and_a_busy_one_does_not(
    tmp_path: Path,
) -> None:
    """y-websocket clients reconnect after 30 s without a message: a lone writer would drop
    its connection twice a minute. The server sends idle peers an empty awareness message
    (a no-op for the client) and leaves peers that receive updates alone."""
    limits = Limits(flush_interval=0.01, idle_unload_seconds=60.0, keepalive_seconds=0.3)
    service = make_service(tmp_path / "k.sqlite3", limits)
    await service.start()
    try:
        writer, reader = YClient(), YClient()
        for client, member in ((writer, ALICE), (reader, BOB)):
            client.connect(lambda ch, m=member: service.serve(ch, "k", "shared", m))
            await asyncio.wait_for(client.synced.wait(), 5)
        writer.set("first", 0)
        await until(lambda: "first" in reader.get())
        heard = len(reader.received)
        for i in range(40):  # the reader hears an update every 30 ms, the writer nothing
            writer.set(f"k{i}", i)
            await asyncio.sleep(0.03)
        await until(lambda: len(reader.get()) == 41)
        assert KEEPALIVE in writer.received
        assert KEEPALIVE not in reader.received[heard:]
        assert writer.awareness == {}  # nothing for the client to show
        await writer.stop()
        await reader.stop()
    finally:
        await service.stop()
