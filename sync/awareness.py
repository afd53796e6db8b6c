"""Awareness (presence) as y-protocols encodes it: a list of (client id, clock, JSON state).

The server keeps the latest state of every client so a newcomer sees everyone at once, lets
each client id be driven by one connection only, checks that states are JSON objects (a
broken state would throw in every other browser), and announces removals when a connection
goes away, at the client's last clock, as the Node reference server does (y-protocols takes
a removal at an equal clock; one a clock higher would also hide the client's state when it
comes back, until it renews it twice).
"""

from __future__ import annotations

import json
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
    clock: int
    state: str
    owner: object


class AwarenessRegistry:
    """The live awareness states of one layer document, with who drives each client id."""

    def __init__(self, max_clients_per_owner: int) -> None:
        self._known: dict[int, _Known] = {}
        self._max_clients = max_clients_per_owner

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, client: int) -> bool:
        return client in self._known

    def apply(self, entries: list[AwarenessEntry], owner: object) -> list[AwarenessEntry]:
        """The entries that change something (y-protocols clock rules); others are dropped."""
        accepted = []
        for entry in entries:
            known = self._known.get(entry.client)
            if known is None:
                if entry.removed or self._owned_by(owner) >= self._max_clients:
                    continue
                self._known[entry.client] = _Known(entry.clock, entry.state, owner)
                accepted.append(entry)
            elif known.owner is not owner:
                continue
            elif entry.clock > known.clock:
                if entry.removed:
                    del self._known[entry.client]
                else:
                    known.clock, known.state = entry.clock, entry.state
                accepted.append(entry)
            elif entry.clock == known.clock and entry.removed:
                del self._known[entry.client]
                accepted.append(entry)
        return accepted

    def _owned_by(self, owner: object) -> int:
        return sum(1 for known in self._known.values() if known.owner is owner)

    def drop_owner(self, owner: object) -> list[AwarenessEntry]:
        """Removal entries for every client `owner` drove (it disconnected)."""
        gone = [(client, known) for client, known in self._known.items() if known.owner is owner]
        for client, _ in gone:
            del self._known[client]
        return [AwarenessEntry(client, known.clock, NULL_STATE) for client, known in gone]

    def current(self) -> list[AwarenessEntry]:
        return [AwarenessEntry(c, k.clock, k.state) for c, k in self._known.items()]
