"""Awareness clocks as y-protocols peers judge them: each keeps the last clock it saw of
every client, for good, and ignores a state whose clock is not above it."""

from __future__ import annotations

import itertools

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


def ticking(start: float = 1_700_000_000.0) -> AwarenessRegistry:
    """A registry whose wall clock moves a millisecond each time it is read."""
    ticks = itertools.count()
    return AwarenessRegistry(8, clock=lambda: start + next(ticks) / 1000)


def test_a_client_announced_again_after_a_drop_is_shown_at_once() -> None:
    """y-websocket re-announces its state at the same clock after a reconnect; relayed as
    is, everyone else would ignore it until the client renewed it (15-30 s)."""
    registry, other = ticking(), Peer()
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
    registry, other = ticking(), Peer()
    conn, again = object(), object()
    other.apply(registry.apply([AwarenessEntry(9, 2, '{"u":1}')], conn, "bob"))
    other.apply(registry.apply([AwarenessEntry(9, 2, NULL_STATE)], conn, "bob"))
    assert other.states == {}
    other.apply(registry.drop_owner(conn))
    other.apply(registry.apply([AwarenessEntry(9, 2, '{"u":1}')], again, "bob"))
    assert other.states == {9: '{"u":1}'}


def test_after_a_server_restart_the_client_is_shown_at_once() -> None:
    """The restarted server never saw the client; the others hold the clock the old one
    relayed. Wall-clock milliseconds have moved on since."""
    other, before, after = Peer(), ticking(), ticking(start=1_700_000_060.0)
    old_connection, new_connection = object(), object()
    other.apply(before.apply([AwarenessEntry(5, 10, '{"u":1}')], old_connection, "carol"))
    other.apply(before.drop_owner(old_connection))  # the old server's last words
    other.apply(after.apply([AwarenessEntry(5, 10, '{"u":1}')], new_connection, "carol"))
    assert other.states == {5: '{"u":1}'}


def test_relayed_clocks_rise_even_when_the_wall_clock_stands_still() -> None:
    registry, other = AwarenessRegistry(8, clock=lambda: 1_700_000_000.0), Peer()
    owner = object()
    for clock in range(1, 20):
        other.apply(registry.apply([AwarenessEntry(1, clock, f'{{"n":{clock}}}')], owner, "u"))
    assert other.states == {1: '{"n":19}'}


def test_only_the_same_user_takes_a_client_id_over() -> None:
    registry = ticking()
    old, mallory, new = object(), object(), object()
    registry.apply([AwarenessEntry(3, 1, '{"who":"alice"}')], old, "alice")
    assert registry.apply([AwarenessEntry(3, 5, '{"who":"mallory"}')], mallory, "mallory") == []
    relayed = registry.apply([AwarenessEntry(3, 2, '{"who":"alice, again"}')], new, "alice")
    assert [e.state for e in relayed] == ['{"who":"alice, again"}']
    assert registry.drop_owner(old) == [], "the old connection no longer drives it"
    assert [e.client for e in registry.drop_owner(new)] == [3]
