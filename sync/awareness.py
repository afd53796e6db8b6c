"""Awareness (presence) as y-protocols encodes it: a list of (client id, clock, JSON state).

The server keeps the latest state of every client so a newcomer sees everyone at once, lets
each client id be driven by one connection only, checks that states are JSON objects (a
broken state would throw in every other browser), and announces removals when a connection
goes away, as the Node reference server does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
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
    relayed: int  # the clock of the last entry relayed for it (see AwarenessRegistry)
    state: str
    owner: object
    user: str


class AwarenessRegistry:
    """The live awareness states of one layer document, with who drives each client id.

    Entries are relayed with clocks of the server's own: wall-clock milliseconds, strictly
    increasing per client. y-protocols peers keep the last clock of every client they
    ever saw and ignore a state whose clock is not above it, while a y-websocket client
    that reconnects announces its state again *at the clock it had*; relayed as is, the
    others would ignore it until the client renewed it, 15-30 s of a missing participant
    after every network blip or server restart. Relayed clocks are above anything relayed
    for the client before, by this process, by a restarted one or by another one.
    """

    def __init__(self, max_clients_per_owner: int, clock: Callable[[], float] = time.time) -> None:
        self._known: dict[int, _Known] = {}
        self._max_clients = max_clients_per_owner
        self._clock = clock

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
                known = _Known(entry.clock, 0, entry.state, owner, user)
                self._known[entry.client] = known
                accepted.append(self._relay(entry.client, known))
                continue
            if known.owner is not owner:
                if known.user != user or entry.clock < known.clock:
                    continue
                known.owner = owner
            if entry.clock > known.clock or (entry.clock == known.clock and entry.removed):
                known.clock, known.state = entry.clock, entry.state
                accepted.append(self._relay(entry.client, known))
                if entry.removed:
                    del self._known[entry.client]
        return accepted

    def _relay(self, client: int, known: _Known) -> AwarenessEntry:
        known.relayed = max(known.relayed + 1, int(self._clock() * 1000))
        return AwarenessEntry(client, known.relayed, known.state)

    def _owned_by(self, owner: object) -> int:
        return sum(1 for known in self._known.values() if known.owner is owner)

    def drop_owner(self, owner: object) -> list[AwarenessEntry]:
        """Removal entries for every client `owner` drove (it disconnected)."""
        gone = [(client, known) for client, known in self._known.items() if known.owner is owner]
        removals = []
        for client, known in gone:
            del self._known[client]
            known.state = NULL_STATE
            removals.append(self._relay(client, known))
        return removals

    def current(self) -> list[AwarenessEntry]:
        return [AwarenessEntry(c, k.relayed, k.state) for c, k in self._known.items()]
