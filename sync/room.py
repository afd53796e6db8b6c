"""A room's live session: its session state and the layer documents loaded right now.

Shared and presenter are one document each; the private layer is one document per user
(`room/private/<user>`), so another user's connection can never be attached to it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sync.document import LayerDocument
from sync.limits import Limits
from sync.members import Access, Layer, Rank, SessionState
from sync.peer import Peer
from sync.store import SessionStore

if TYPE_CHECKING:  # redis-py is imported only when Redis is configured
    from sync.relay import RedisRelay


def document_key(room: str, layer: Layer, user: str) -> str:
    if layer is Layer.private:
        return f"{room}/private/{user}"
    return f"{room}/{layer.value}"


class Room:
    def __init__(
        self,
        room_id: str,
        store: SessionStore,
        limits: Limits,
        relay: RedisRelay | None = None,
    ) -> None:
        self.id = room_id
        self._relay = relay
        self._store = store
        self._limits = limits
        self.state = SessionState()
        self.docs: dict[str, LayerDocument] = {}
        self._loading: dict[str, asyncio.Future[LayerDocument]] = {}

    async def load_state(self) -> None:
        raw = await self._store.load_session(self.id)
        if raw is not None:
            self.state = _state_from_json(raw)

    def save_state(self) -> None:
        self._store.save_session(self.id, _state_to_json(self.state))

    async def document(self, layer: Layer, user: str) -> LayerDocument:
        """The loaded document of `layer` (the private one of `user`), loading it once."""
        key = document_key(self.id, layer, user)
        while (pending := self._loading.get(key)) is not None:
            await asyncio.shield(pending)
        doc = self.docs.get(key)
        if doc is not None:
            return doc
        future: asyncio.Future[LayerDocument] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            doc = LayerDocument(key, layer, self._store, self._limits)
            await doc.load()
            if self._relay is not None:
                doc.relay = self._relay
                await self._relay.attach(doc)
            self.docs[key] = doc
            future.set_result(doc)
            return doc
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it twice
            raise
        finally:
            del self._loading[key]

    @property
    def busy(self) -> bool:
        return bool(self._loading) or any(doc.peers for doc in self.docs.values())

    def resync_writers(self) -> None:
        """After a change of who may write: ask every peer that may write now for what the
        server lacks. Writes dropped while it could not write then arrive (as they would on
        its next reconnect), and its later updates, which build on them, can integrate."""
        for doc in self.docs.values():
            layer = doc.layer
            for peer in doc.peers:
                if self.state.write_denial(layer, peer.member) is None:
                    doc.request_state(peer)

    def peers(self) -> Iterator[tuple[LayerDocument, Peer]]:
        for doc in self.docs.values():
            for peer in doc.peers:
                yield doc, peer


def _state_to_json(state: SessionState) -> str:
    return json.dumps(
        {
            "lecture": state.lecture,
            "presenter": state.presenter,
            "access": {
                "min_role": state.access.min_rank.name,
                "users": sorted(state.access.users),
            },
        }
    )


def _state_from_json(raw: str) -> SessionState:
    data: Any = json.loads(raw)
    access = data.get("access") or {}
    return SessionState(
        lecture=bool(data.get("lecture", False)),
        presenter=data.get("presenter"),
        access=Access(
            min_rank=Rank[access.get("min_role", "guest")],
            users=frozenset(access.get("users", ())),
        ),
    )
