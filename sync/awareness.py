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
    clock: int
    state: str
    owner: object


class AwarenessRegistry:
    """The live awareness states of one layer document, with who drives each client id.

    Two habits of y-websocket clients shape it. They echo every awareness change they
    apply, others' included, back to the server, so an entry may be a client's own state
    or an echo: a client id is driven by the connection that first announced it, and an
    id removed since a connection joined is an echo from it unless its clock moved past
    the removal. And a client that reconnects announces itself again at the clock the
    others already hold, which they ignore (y-protocols keeps the last clock of every
    client for good) until its next renewal, 15-30 s later: so a connection announcing a
    client id new to the room is sent that id's removal one clock ahead, which a
    y-protocols client answers by announcing its state again one clock above that
    ("never let a remote client remove this local state"), above anything the others hold.

    "Ahead" must be ahead of what the others remember, which the server may have forgotten
    (a restart, the document unloaded, another process). An app that replaces its provider
    on the same Y.Doc (to switch servers, say) starts a new awareness at clock 0 under the
    same client id, and the others, remembering its old clock, would ignore it for as many
    renewals as it had changes (minutes). So the removal goes to at least the server's wall
    clock in milliseconds: every client's clock then counts from the time it last joined,
    and a client joining again later always lands above its old clock (a client would need
    over a thousand state changes a second to outrun it).
    """

    def __init__(
        self,
        max_clients_per_owner: int,
        remember_seconds: float = 120.0,
        remember_clients: int = 4096,
        wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._known: dict[int, _Known] = {}
        self._wall_ms = wall_ms
        self._max_clients = max_clients_per_owner
        # client id -> (clock of its removal, when): to tell late echoes of a client gone.
        self._gone: dict[int, tuple[int, float]] = {}
        self._remember_seconds = remember_seconds
        self._remember_clients = remember_clients

    def __len__(self) -> int:
        return len(self._known)

    def apply(
        self, entries: list[AwarenessEntry], owner: object, joined_at: float
    ) -> tuple[list[AwarenessEntry], list[AwarenessEntry]]:
        """The entries that change something (y-protocols clock rules), to relay, and the
        removals to send back to `owner` for the client ids it newly announced."""
        accepted: list[AwarenessEntry] = []
        nudges: list[AwarenessEntry] = []
        for entry in entries:
            known = self._known.get(entry.client)
            if known is None:
                if entry.removed or self._echo_of_gone(entry, joined_at):
                    continue
                if self._owned_by(owner) >= self._max_clients:
                    continue
                self._known[entry.client] = _Known(entry.clock, entry.state, owner)
                accepted.append(entry)
                nudges.append(AwarenessEntry(entry.client, self._ahead(entry), NULL_STATE))
            elif known.owner is not owner:
                continue
            elif entry.clock > known.clock:
                if entry.removed:
                    self._forget(entry.client, entry.clock)
                else:
                    known.clock, known.state = entry.clock, entry.state
                accepted.append(entry)
            elif entry.clock == known.clock and entry.removed:
                self._forget(entry.client, entry.clock)
                accepted.append(entry)
        return accepted, nudges

    def _ahead(self, entry: AwarenessEntry) -> int:
        """A clock above any the others may remember of this client id."""
        gone = self._gone.get(entry.client)
        remembered = gone[0] if gone is not None else 0
        return max(entry.clock, remembered, self._wall_ms()) + 1

    def _echo_of_gone(self, entry: AwarenessEntry, joined_at: float) -> bool:
        gone = self._gone.get(entry.client)
        return gone is not None and joined_at <= gone[1] and entry.clock <= gone[0]

    def _forget(self, client: int, clock: int) -> None:
        del self._known[client]
        now = time.monotonic()
        self._gone.pop(client, None)
        self._gone[client] = (clock, now)
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
            self._forget(client, known.clock + 1)
            removals.append(AwarenessEntry(client, known.clock + 1, NULL_STATE))
        return removals

    def current(self) -> list[AwarenessEntry]:
        return [AwarenessEntry(c, k.clock, k.state) for c, k in self._known.items()]
