"""A room's live session through in-memory channels: sync, fan-out, layers, permissions."""

from __future__ import annotations

import asyncio

from sync.channel import CloseCode
from sync.members import Layer, Rank
from sync.peer import Peer
from sync.service import SessionService
from tests.sync.conftest import ALICE, BOB, GUEST, TEACHER, ClientFactory, until


async def test_two_writers_converge(clients: ClientFactory) -> None:
    a, b = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(a.synced.wait(), b.synced.wait()), 5)
    for i in range(20):
        a.set(f"a{i}", {"n": i})
        b.set(f"b{i}", {"n": i})
    await until(lambda: len(a.get()) == 40 and len(b.get()) == 40)
    assert a.get() == b.get()


async def test_late_joiner_gets_everything_at_once(clients: ClientFactory) -> None:
    a = clients(ALICE)
    await a.synced.wait()
    a.set("k", {"page": 3})
    late = clients(BOB)
    await asyncio.wait_for(late.synced.wait(), 5)
    await until(lambda: late.get() == {"k": {"page": 3.0}})


async def test_fan_out_hands_every_peer_the_same_bytes(
    clients: ClientFactory, service: SessionService
) -> None:
    writer = clients(ALICE)
    readers = [clients(GUEST) for _ in range(5)]
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in [writer, *readers])), 5)
    writer.set("k", 1)
    await until(lambda: all(r.get() == {"k": 1.0} for r in readers))
    last = [r.received[-1] for r in readers]
    assert all(item is last[0] for item in last), "each reader got its own encoding"


async def test_guest_writes_are_dropped_and_the_guest_is_told(clients: ClientFactory) -> None:
    guest, reader = clients(GUEST), clients(ALICE)
    await asyncio.wait_for(asyncio.gather(guest.synced.wait(), reader.synced.wait()), 5)
    guest.set("sneaky", 1)
    await until(lambda: guest.denials != [])
    assert "guests" in guest.denials[0]
    reader.set("fine", 1)
    await until(lambda: "fine" in guest.get())
    assert "sneaky" not in reader.get()


async def test_lecture_mode_leaves_only_the_presenter_writing(
    clients: ClientFactory, service: SessionService
) -> None:
    await service.set_lecture("r", TEACHER, True)
    reader, teacher = clients(ALICE), clients(TEACHER)
    await asyncio.wait_for(asyncio.gather(reader.synced.wait(), teacher.synced.wait()), 5)
    reader.set("question", 1)
    teacher.set("slide", 2)
    await until(lambda: "slide" in reader.get() and reader.denials != [])
    assert "lecture mode" in reader.denials[0]
    assert "question" not in teacher.get()


async def test_presenter_layer_is_written_by_the_presenter_only_until_handed_over(
    clients: ClientFactory, service: SessionService
) -> None:
    teacher = clients(TEACHER, layer="presenter")
    reader = clients(ALICE, layer="presenter")
    await asyncio.wait_for(asyncio.gather(teacher.synced.wait(), reader.synced.wait()), 5)
    reader.set("page", 9, root="session")
    await until(lambda: reader.denials != [])
    await service.hand_over("r", TEACHER, ALICE.user)
    await until(lambda: reader.get("session").get("leader") == "alice")
    reader.set("page", 12, root="session")
    await until(lambda: teacher.get("session").get("page") == 12)
    await service.hand_over("r", TEACHER, None)
    await until(lambda: teacher.get("session").get("leader") == "tess")
    reader.denials.clear()
    await asyncio.sleep(1.05)  # denials are told at most once a second
    reader.set("page", 13, root="session")
    await until(lambda: reader.denials != [])
    assert teacher.get("session")["page"] == 12


async def test_private_layer_is_per_user(clients: ClientFactory) -> None:
    alice, bob = clients(ALICE, layer="private"), clients(BOB, layer="private")
    alice2 = clients(ALICE, layer="private")
    await asyncio.wait_for(
        asyncio.gather(alice.synced.wait(), bob.synced.wait(), alice2.synced.wait()), 5
    )
    alice.set("mine", {"body": "secret"})
    await until(lambda: "mine" in alice2.get())
    await asyncio.sleep(0.1)
    assert bob.get() == {}
    assert not any(b"secret" in frame for frame in bob.received)


async def test_participants_are_names_and_roles(
    clients: ClientFactory, service: SessionService
) -> None:
    a, t, a2 = clients(ALICE), clients(TEACHER, layer="presenter"), clients(ALICE, layer="private")
    await asyncio.wait_for(asyncio.gather(a.synced.wait(), t.synced.wait(), a2.synced.wait()), 5)
    people = await service.participants("r", GUEST)
    assert [(p.name, p.role) for p in people] == [("Alice", "reader"), ("Tess", "teacher")]


async def test_restricting_a_room_closes_members_not_on_the_list(
    clients: ClientFactory, service: SessionService
) -> None:
    alice, bob = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(alice.synced.wait(), bob.synced.wait()), 5)
    await service.set_access("r", TEACHER, Rank.teacher, ["alice"])
    assert await bob.closed() == (CloseCode.FORBIDDEN, "this room is now restricted")
    assert alice.channel.closed is None
    again = clients(BOB)
    assert await again.closed() == (CloseCode.FORBIDDEN, "this room is restricted")


async def test_awareness_reaches_others_and_is_removed_when_a_peer_leaves(
    clients: ClientFactory,
) -> None:
    a, b = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(a.synced.wait(), b.synced.wait()), 5)
    a.send_awareness(101, 1, '{"user":"alice","page":3}')
    await until(lambda: b.awareness.get(101) == '{"user":"alice","page":3}')
    late = clients(GUEST)
    await until(lambda: late.awareness.get(101) == '{"user":"alice","page":3}')
    await a.stop()
    await until(lambda: b.awareness.get(101) == "null")


async def test_awareness_is_throttled_per_client(clients: ClientFactory) -> None:
    a, b = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(a.synced.wait(), b.synced.wait()), 5)
    before = len(b.received)
    for clock in range(1, 61):
        a.send_awareness(7, clock, f'{{"x":{clock}}}')
        await asyncio.sleep(0.005)
    await until(lambda: b.awareness.get(7) == '{"x":60}')
    relayed = len(b.received) - before
    assert relayed <= 8, f"{relayed} awareness messages relayed for 0.3 s at 15 Hz"


async def test_a_client_cannot_drive_another_clients_awareness(clients: ClientFactory) -> None:
    a, b = clients(ALICE), clients(BOB)
    await asyncio.wait_for(asyncio.gather(a.synced.wait(), b.synced.wait()), 5)
    a.send_awareness(5, 1, '{"who":"alice"}')
    await until(lambda: 5 in b.awareness)
    b.send_awareness(5, 9, '{"who":"mallory"}')
    await asyncio.sleep(0.2)
    # Alice got her own state back once, a clock higher (a first state on a connection).
    assert a.awareness == {5: '{"who":"alice"}'} and b.awareness[5] == '{"who":"alice"}'


async def test_a_slow_reader_is_dropped_not_waited_for(service: SessionService) -> None:
    room = await service._room("slow")
    doc = await room.document(Layer.shared, "x")
    stuck = asyncio.Event()

    class StuckChannel:
        path = ""

        async def send(self, message: bytes) -> None:
            await stuck.wait()

        async def recv(self) -> bytes | str:
            await stuck.wait()
            return b""

        async def close(self, code: int, reason: str) -> None:
            self.closed = (code, reason)

    channel = StuckChannel()
    peer = Peer(channel, GUEST, service.limits, 0.0)
    peer.start()
    peer.on_close = lambda: doc.leave(peer)
    doc.join(peer)
    for _ in range(5000):
        doc.broadcast(b"x" * 1000, None)
    assert peer.closing
    assert peer not in doc.peers, "a dropped reader leaves at once, not when its socket closes"
    await until(lambda: getattr(channel, "closed", None) is not None)
    assert channel.closed[0] == CloseCode.TRY_AGAIN_LATER


async def test_simultaneous_joins_and_requests_share_one_document(
    clients: ClientFactory, service: SessionService
) -> None:
    joined = []
    for _ in range(10):
        joined.append(clients(ALICE, room="rush"))
        await service.session("rush", GUEST)
        await service.participants("rush", GUEST)
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in joined)), 5)
    joined[0].set("one", 1)
    joined[-1].set("two", 2)
    await until(lambda: all(c.get() == {"one": 1.0, "two": 2.0} for c in joined))
    room = await service._room("rush")
    assert len(room.docs) == 1
