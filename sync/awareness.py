"""Awareness (presence) as y-protocols encodes it: a list of (client id, clock, JSON state).

The server keeps the latest state of every client so a newcomer sees everyone at once, lets
each client id be driven by one connection only, checks that states are JSON objects (a
broken state would throw in every other browser), and announces removals when a connection
goes away, as the Node reference server does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sync.errors import ProtocolError
from sync.protocol import read_var_string, read_var_uint, write_var_string, write_var_uint

NULL_STATE = "null"


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client: int
    clock: int
    state: str  # JSON text of an object, or "null" when the client left

    @property
    def removed(self) -> bool:
        return self.state == NULL_STATE


def parse_awareness(
    payload: bytes, *, max_entries: int, max_state_bytes: int
) -> list[AwarenessEntry]:
    count, pos = read_var_uint(payload, 0)
    if count > max_entries:
        raise ProtocolError("too many awareness entries in one message")
    entries = []
    for _ in range(count):
        client, pos = read_var_uint(payload, pos)
        clock, pos = read_var_uint(payload, pos)
        state, pos = read_var_string(payload, pos)
        if len(state) > max_state_bytes:
            raise ProtocolError("awareness state is too large")
        if state != NULL_STATE:
            try:
                value = json.loads(state)
            except ValueError:
                raise ProtocolError("awareness state is not JSON") from None
            if not isinstance(value, dict):
                raise ProtocolError("awareness state is not a JSON object")
        entries.append(AwarenessEntry(client, clock, state))
    return entries


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    parts = [write_var_uint(len(entries))]
    for entry in entries:
        parts.append(write_var_uint(entry.client))
        parts.append(write_var_uint(entry.clock))
        parts.append(write_var_string(entry.state))
    return b"".join(parts)


@dataclass(slots=True)
class _Known:
    clock: int  # the client's own clock
    shift: int  # added to `clock` in everything relayed (see AwarenessRegistry)
    state: str
    owner: object
    user: str


class AwarenessRegistry:
    """The live awareness states of one layer document, with who drives each client id.

    Relayed clocks run `shift` ahead of the client's own. y-protocols peers keep the last
    clock of every client they ever saw and ignore a state whose clock is not above it;
    a y-websocket client that reconnects announces its state again *at the same clock*, so
    without the shift the others would ignore it until the client renews its state (15-30 s
    of a missing participant after every network blip). The clock of each removal is
    remembered for a while, and a client announced again is relayed above it.
    """

    def __init__(
        self,
        max_clients_per_owner: int,
        remember_seconds: float = 120.0,
        remember_clients: int = 4096,
    ) -> None:
        self._known: dict[int, _Known] = {}
        self._max_clients = max_clients_per_owner
        # client id -> (relayed clock of its removal, when): for clients announced again.
        self._gone: dict[int, tuple[int, float]] = {}
        self._remember_seconds = remember_seconds
        self._remember_clients = remember_clients

    def __len__(self) -> int:
        return len(self._known)

    def apply(
        self, entries: list[AwarenessEntry], owner: object, user: str
    ) -> list[AwarenessEntry]:
        """The entries that change something (y-protocols clock rules), as relayed; others
        are dropped. A client id stays with the connection that announced it, unless the
        same user announces it from a new connection (a reconnect before the old one was
        found dead): that one takes it over."""
        accepted = []
        for entry in entries:
            known = self._known.get(entry.client)
            if known is None:
                if entry.removed or self._owned_by(owner) >= self._max_clients:
                    continue
                known = _Known(entry.clock, self._shift_for(entry), entry.state, owner, user)
                self._known[entry.client] = known
                accepted.append(self._relayed(entry.client, known))
                continue
            if known.owner is not owner:
                if known.user != user or entry.clock < known.clock:
                    continue
                known.owner = owner
            if entry.clock > known.clock or (entry.clock == known.clock and entry.removed):
                known.clock, known.state = entry.clock, entry.state
                accepted.append(self._relayed(entry.client, known))
                if entry.removed:
                    self._forget(entry.client, known.clock + known.shift)
        return accepted

    def _shift_for(self, entry: AwarenessEntry) -> int:
        """At least 1: after a server restart the others still hold the client's last
        clock, which this process never saw."""
        gone = self._gone.pop(entry.client, None)
        if gone is None:
            return 1
        return max(1, gone[0] + 1 - entry.clock)

    def _relayed(self, client: int, known: _Known) -> AwarenessEntry:
        return AwarenessEntry(client, known.clock + known.shift, known.state)

    def _forget(self, client: int, relayed_clock: int) -> None:
        del self._known[client]
        now = time.monotonic()
        self._gone.pop(client, None)
        self._gone[client] = (relayed_clock, now)
        for old, (_, at) in list(self._gone.items()):
            if len(self._gone) <= self._remember_clients and now - at < self._remember_seconds:
                break
            del self._gone[old]

    def _owned_by(self, owner: object) -> int:
        return sum(1 for known in self._known.values() if known.owner is owner)

    def drop_owner(self, owner: object) -> list[AwarenessEntry]:
        """Removal entries for every client `owner` drove (it disconnected)."""
        gone = [(client, known) for client, known in self._known.items() if known.owner is owner]
        removals = []
        for client, known in gone:
            clock = known.clock + known.shift + 1
            self._forget(client, clock)
            removals.append(AwarenessEntry(client, clock, NULL_STATE))
        return removals

    def current(self) -> list[AwarenessEntry]:
        return [self._relayed(client, known) for client, known in self._known.items()]
