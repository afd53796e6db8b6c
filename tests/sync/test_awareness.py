"""Awareness as y-protocols peers judge it: each keeps the last clock it saw of every
client, for good, ignores a state whose clock is not above it, and (y-websocket) echoes
every change it applies back to the server."""

from __future__ import annotations

import time

from sync.awareness import NULL_STATE, AwarenessEntry, AwarenessRegistry


class Client:
    """What a y-protocols `Awareness` does with entries (applyAwarenessUpdate); `echo` is
    what y-websocket sends back for them."""

    def __init__(self, client_id: int, state: str | None = None) -> None:
        self.id = client_id
        self.clock = 1
        self.local = state
        self.clocks: dict[int, int] = {}
        self.states: dict[int, str] = {}

    def announce(self) -> AwarenessEntry:
        return AwarenessEntry(self.id, self.clock, self.local or NULL_STATE)

    def apply(self, entries: list[AwarenessEntry]) -> list[AwarenessEntry]:
        echo = []
        for e in entries:
            current = self.clock if e.client == self.id else self.clocks.get(e.client, 0)
            if current < e.clock or (current == e.clock and e.removed and e.client in self.states):
                if e.client == self.id and e.removed and self.local is not None:
                    self.clock = e.clock + 1  # "never let a remote client remove this state"
                    echo.append(self.announce())
                    continue
                self.clocks[e.client] = e.clock
                if e.removed:
                    self.states.pop(e.client, None)
                else:
                    self.states[e.client] = e.state
                echo.append(e)
        return echo


def connect(registry: AwarenessRegistry, client: Client, others: list[Client]) -> object:
    """A new connection: the client announces itself, the server relays and nudges."""
    connection = object()
    relay(registry, connection, time.monotonic(), [client.announce()], client, others)
    return connection


def relay(
    registry: AwarenessRegistry,
    connection: object,
    joined: float,
    entries: list[AwarenessEntry],
    sender: Client,
    others: list[Client],
) -> None:
    accepted, nudges = registry.apply(entries, connection, joined)
    for other in others:
        other.apply(accepted)
    if nudges:
        answer = sender.apply(nudges)
        if answer:
            relay(registry, connection, joined, answer, sender, others)


def test_a_client_back_after_a_blip_is_shown_at_once() -> None:
    """y-websocket announces itself again at the clock the others hold; they would ignore
    it until its next renewal (15-30 s) without the nudge."""
    registry, alice, bob = AwarenessRegistry(8), Client(7, '{"page":2}'), Client(8)
    first = connect(registry, alice, [bob])
    assert bob.states == {7: '{"page":2}'}
    bob.apply(registry.drop_owner(first))
    assert bob.states == {}
    connect(registry, alice, [bob])
    assert bob.states == {7: '{"page":2}'}
    late = Client(9)
    late.apply(registry.current())
    assert late.states == {7: '{"page":2}'}


def test_after_a_server_restart_the_client_is_shown_at_once() -> None:
    """The restarted server never saw the client; the others hold the clock the old one
    relayed, and its removal one above."""
    alice, bob = Client(5, '{"u":1}'), Client(6)
    before = AwarenessRegistry(8)
    bob.apply(before.drop_owner(connect(before, alice, [bob])))  # the old server's last words
    connect(AwarenessRegistry(8), alice, [bob])
    assert bob.states == {5: '{"u":1}'}


def test_a_client_whose_awareness_started_again_is_shown_at_once() -> None:
    """An app replaces its provider on the same Y.Doc: a new awareness at clock 1 under the
    old client id, after many changes under the old one, and a server (restarted, or the
    document reloaded) that never saw it. Bob remembers the old clock; the nudge must land
    above it, not one above the client's own clock."""
    now = [1_800_000_000_000]
    alice, bob = Client(5, '{"page":1}'), Client(6)
    first = AwarenessRegistry(8, wall_ms=lambda: now[0])
    connection = connect(first, alice, [bob])
    for page in range(2, 40):  # turning pages: one clock each
        alice.clock += 1
        alice.local = f'{{"page":{page}}}'
        relay(first, connection, 0.0, [alice.announce()], alice, [bob])
    bob.apply(first.drop_owner(connection))
    assert bob.states == {}
    now[0] += 5_000  # five seconds later, through a server that forgot everything
    fresh = Client(5, '{"page":39}')
    connect(AwarenessRegistry(8, wall_ms=lambda: now[0]), fresh, [bob])
    assert bob.states == {5: '{"page":39}'}


def test_echoes_never_take_a_client_id_nor_bring_a_gone_one_back() -> None:
    registry, alice, bob = AwarenessRegistry(8), Client(1, '{"who":"alice"}'), Client(2)
    joined = time.monotonic()
    bobs = object()
    alices = connect(registry, alice, [])
    echo = bob.apply(registry.current())  # what bob got on joining, sent straight back
    assert echo
    assert registry.apply(echo, bobs, joined) == ([], [])
    bob.apply(registry.drop_owner(alices))
    late_echo = [AwarenessEntry(1, 1, '{"who":"alice"}')]  # sent before bob saw the removal
    assert registry.apply(late_echo, bobs, joined) == ([], [])
    assert registry.current() == []


def test_a_client_cannot_drive_another_clients_state() -> None:
    registry = AwarenessRegistry(8)
    alices, mallorys = object(), object()
    registry.apply([AwarenessEntry(3, 1, '{"who":"alice"}')], alices, 0.0)
    forged = [AwarenessEntry(3, 9, '{"who":"mallory"}')]
    assert registry.apply(forged, mallorys, 0.0) == ([], [])
    assert [e.client for e in registry.drop_owner(mallorys)] == []
    assert [e.client for e in registry.drop_owner(alices)] == [3]


def test_removed_clients_are_remembered_for_a_while_only() -> None:
    registry = AwarenessRegistry(8, remember_clients=3)
    owner = object()
    for client in range(10):
        registry.apply([AwarenessEntry(client, 1, "{}")], owner, 0.0)
    registry.drop_owner(owner)
    assert len(registry._gone) == 3
