"""The wire format: round trips, and no byte string ever breaks the parser or a room."""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map

from sync.awareness import AwarenessEntry, encode_awareness, parse_awareness
from sync.channel import CloseCode
from sync.connection import Connection
from sync.errors import PeerViolation, ProtocolError
from sync.limits import Limits
from sync.members import Layer
from sync.peer import Peer
from sync.protocol import (
    AwarenessMessage,
    OtherMessage,
    SyncMessage,
    SyncStep,
    awareness_message,
    parse_frame,
    permission_denied,
    read_var_string,
    read_var_uint,
    sync_step1,
    update_message,
    write_var_uint,
)
from sync.service import SessionService
from tests.sync.conftest import ALICE, make_service
from tests.sync.memory import MemoryChannel


@given(st.integers(min_value=0, max_value=2**53 - 1))
def test_var_uint_round_trips(value: int) -> None:
    encoded = write_var_uint(value)
    assert read_var_uint(encoded, 0) == (value, len(encoded))


@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise_protocol_error(frame: bytes) -> None:
    try:
        message = parse_frame(frame)
    except ProtocolError:
        return
    assert isinstance(message, SyncMessage | AwarenessMessage | OtherMessage) or message


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2**32 - 1),
            st.integers(0, 2**31),
            st.dictionaries(st.text(max_size=8), st.integers(), max_size=4),
        ),
        max_size=5,
    )
)
def test_awareness_round_trips(raw: list[tuple[int, int, dict[str, int]]]) -> None:
    import json

    entries = [AwarenessEntry(c, k, json.dumps(s)) for c, k, s in raw]
    assert (
        parse_awareness(encode_awareness(entries), max_entries=8, max_state_bytes=4096) == entries
    )


def test_messages_are_what_y_protocols_writes() -> None:
    assert sync_step1(b"\x00") == b"\x00\x00\x01\x00"
    assert update_message(b"\x00\x00") == b"\x00\x02\x02\x00\x00"
    assert awareness_message(b"\x00") == b"\x01\x01\x00"
    denied = permission_denied("no")
    assert denied[:2] == b"\x02\x00" and read_var_string(denied, 2) == ("no", len(denied))
    parsed = parse_frame(update_message(b"\x00\x00") + b"junk")
    assert parsed == SyncMessage(SyncStep.UPDATE, b"\x00\x00", exact=False)


async def _connection(service: SessionService) -> tuple[Connection, Peer]:
    room = await service._room("fuzz")
    doc = await room.document(Layer.shared, ALICE.user)
    loop = asyncio.get_running_loop()
    peer = Peer(MemoryChannel(), ALICE, service.limits, loop.time())
    doc.join(peer)
    return Connection(MemoryChannel(), room, Layer.shared, doc, peer, service.limits), peer


def _close_code(connection: Connection, frame: bytes) -> int | None:
    try:
        connection.handle(frame)
    except PeerViolation as exc:
        return exc.code
    return None


def _valid_updates(count: int) -> list[bytes]:
    source: Doc[Any] = Doc()
    updates: list[bytes] = []
    source.observe(lambda event: updates.append(event.update))
    entries = source.get("annotations", type=Map)
    for i in range(count):
        entries[f"k{i}"] = {"page": i, "body": "x" * (i % 7)}
        if i % 4 == 3:
            del entries[f"k{i - 1}"]
    return updates


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(frames=st.lists(st.binary(max_size=200), max_size=20))
async def test_random_frames_never_break_a_room(
    service: SessionService, frames: list[bytes]
) -> None:
    connection, peer = await _connection(service)
    for frame in frames:
        assert _close_code(connection, frame) in (
            None,
            CloseCode.INVALID_DATA,
            CloseCode.RATE_LIMITED,
        )
    probe: Doc[Any] = Doc()
    key = uuid.uuid4().hex
    probe.get("annotations", type=Map)[key] = len(frames)
    connection.handle(update_message(probe.get_update()))
    doc = await (await service._room("fuzz")).document(Layer.shared, ALICE.user)
    assert doc.doc.get("annotations", type=Map)[key] == len(frames)
    doc.leave(peer)


@pytest.mark.parametrize("seed", range(3))
async def test_mutated_updates_never_corrupt_a_room(service: SessionService, seed: int) -> None:
    """Flipped, dropped and inserted bytes in real updates (the Rust core panics on some):
    each is refused or applied, and the room always equals its replayed history."""
    rng = random.Random(seed)
    good = _valid_updates(40)
    connection, peer = await _connection(service)
    doc = await (await service._room("fuzz")).document(Layer.shared, ALICE.user)
    refused = 0
    for _ in range(400):
        mutated = bytearray(rng.choice(good))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(mutated))
            op = rng.random()
            if op < 0.5:
                mutated[i] = rng.randrange(256)
            elif op < 0.75:
                del mutated[i]
            else:
                mutated.insert(i, rng.randrange(256))
        peer.bucket = type(peer.bucket)(10**6, 10**6, 0.0)
        code = _close_code(connection, update_message(bytes(mutated)))
        assert code in (None, CloseCode.INVALID_DATA)
        refused += code is not None
    for update in good:
        connection.handle(update_message(update))
    replayed: Doc[Any] = Doc()
    for update in doc.history():
        replayed.apply_update(update)
    assert (
        replayed.get("annotations", type=Map).to_py()
        == doc.doc.get("annotations", type=Map).to_py()
    )
    assert refused > 0


# Real updates of one client, and a mutation of the fifth that makes the Rust core panic
# while integrating it into a document holding the others (found by fuzzing, pycrdt 0.14).
HISTORY = [
    "0101070028010b616e6e6f746174696f6e73026b3001760204706167657c0000000004626f6479770000",
    "0101070128010b616e6e6f746174696f6e73026b3101760204706167657c3f80000004626f647977017800",
    "0101070228010b616e6e6f746174696f6e73026b3201760204706167657c4000000004626f64797702787800",
    "0101070328010b616e6e6f746174696f6e73026b3301760204626f6479770378787804706167657c4040000000",
    "000107010201",
]
PANICS = (
    "0101070428010b616e166f746174696f6e730c6b3401760204706167657c4080000004626f64799e047878787800"
)


@pytest.mark.parametrize("compact_after", [1000, 3])
async def test_an_update_that_panics_the_core_leaves_the_room_intact(
    db_path: Path, compact_after: int
) -> None:
    """With and without a compacted snapshot (then read back from the store) under it."""
    service = make_service(
        db_path, Limits(flush_interval=0.01, compact_after_updates=compact_after)
    )
    await service.start()
    try:
        await _panic_is_contained(service)
    finally:
        await service.stop()


async def _panic_is_contained(service: SessionService) -> None:
    connection, _ = await _connection(service)
    for update in HISTORY:
        connection.handle(update_message(bytes.fromhex(update)))
    await service._store.flush()
    with pytest.raises(PeerViolation) as refused:
        connection.handle(update_message(bytes.fromhex(PANICS)))
    assert refused.value.code == CloseCode.INVALID_DATA
    doc = await (await service._room("fuzz")).document(Layer.shared, ALICE.user)
    assert sorted(doc.doc.get("annotations", type=Map).keys()) == ["k0", "k1", "k3"]
    probe: Doc[Any] = Doc()
    probe.get("annotations", type=Map)["after"] = 1
    connection.handle(update_message(probe.get_update()))
    assert "after" in doc.doc.get("annotations", type=Map)
