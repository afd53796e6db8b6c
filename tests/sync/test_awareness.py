"""Awareness clocks as y-protocols peers judge them: each keeps the last clock it saw of
every client, for good, and ignores a state whose clock is not above it."""

from __future__ import annotations

from sync.awareness import NULL_STATE, AwarenessEntry, AwarenessRegistry


class Peer:
    """What a y-protocols `Awareness` does with relayed entries (applyAwarenessUpdate)."""

    def __init__(self) -> None:
        self.clocks: dict[int, int] = {}
        self.states: dict[int, str] = {}

    def apply(self, entries: list[AwarenessEntry]) -> None:
        for e in entries:
            current = self.clocks.get(e.client, 0)
            if current < e.clock or (current == e.clock and e.removed and e.client in self.states):
                self.clocks[e.client] = e.clock
                if e.removed:
                    self.states.pop(e.client, None)
                else:
                    self.states[e.client] = e.state


def test_a_client_announced_again_after_a_drop_is_shown_at_once() -> None:
    """y-websocket re-announces its state at the same clock after a reconnect; relayed as
    is, everyone else would ignore it until the client renewed it (15-30 s)."""
    registry, other = AwarenessRegistry(8), Peer()
    first, second = object(), object()
    other.apply(registry.apply([AwarenessEntry(7, 3, '{"page":1}')], first, "alice"))
    other.apply(registry.apply([AwarenessEntry(7, 4, '{"page":2}')], first, "alice"))
    assert other.states == {7: '{"page":2}'}
    other.apply(registry.drop_owner(first))
    assert other.states == {}
    other.apply(registry.apply([AwarenessEntry(7, 4, '{"page":2}')], second, "alice"))
    assert other.states == {7: '{"page":2}'}
    other.apply(registry.apply([AwarenessEntry(7, 5, '{"page":3}')], second, "alice"))
    assert other.states == {7: '{"page":3}'}
    late = Peer()
    late.apply(registry.current())
    assert late.states == {7: '{"page":3}'}


def test_a_goodbye_then_the_same_state_again_is_shown() -> None:
    """provider.disconnect() sends a removal at the current clock; connect() then sends
    the state at that same clock."""
    registry, other = AwarenessRegistry(8), Peer()
    conn, again = object(), object()
    other.apply(registry.apply([AwarenessEntry(9, 2, '{"u":1}')], conn, "bob"))
    other.apply(registry.apply([AwarenessEntry(9, 2, NULL_STATE)], conn, "bob"))
    assert other.states == {}
    other.apply(registry.drop_owner(conn))
    other.apply(registry.apply([AwarenessEntry(9, 2, '{"u":1}')], again, "bob"))
    assert other.states == {9: '{"u":1}'}


def test_after_a_server_restart_the_client_is_shown_at_once() -> None:
    """A fresh registry never saw the client; the others hold its last clock."""
    other = Peer()
    other.apply([AwarenessEntry(5, 10, '{"u":1}')])
    other.apply([AwarenessEntry(5, 10, NULL_STATE)])  # the old server's removal
    fresh = AwarenessRegistry(8)
    other.apply(fresh.apply([AwarenessEntry(5, 10, '{"u":1}')], object(), "carol"))
    assert other.states == {5: '{"u":1}'}


def test_only_the_same_user_takes_a_client_id_over() -> None:
    registry = AwarenessRegistry(8)
    old, mallory, new = object(), object(), object()
    registry.apply([AwarenessEntry(3, 1, '{"who":"alice"}')], old, "alice")
    assert registry.apply([AwarenessEntry(3, 5, '{"who":"mallory"}')], mallory, "mallory") == []
    relayed = registry.apply([AwarenessEntry(3, 2, '{"who":"alice, again"}')], new, "alice")
    assert [e.state for e in relayed] == ['{"who":"alice, again"}']
    assert registry.drop_owner(old) == [], "the old connection no longer drives it"
    assert [e.client for e in registry.drop_owner(new)] == [3]


def test_removed_clients_are_remembered_for_a_while_only() -> None:
    registry = AwarenessRegistry(8, remember_clients=3)
    owner = object()
    for client in range(10):
        registry.apply([AwarenessEntry(client, 1, "{}")], owner, "u")
    registry.drop_owner(owner)
    assert len(registry._gone) == 3
