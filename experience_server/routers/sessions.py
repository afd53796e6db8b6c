"""Live sessions: the y-websocket endpoints (a websocket adapted to a `sync.Channel`), and the
REST views of a session: participants, annotations (W3C), presenter and session state."""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, WebSocket
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import Send
from starlette.websockets import WebSocketDisconnect

from experience_server.auth.errors import AuthenticationError
from experience_server.auth.roles import Principal
from experience_server.dependencies import PrincipalDep, ServicesDep, bearer_token, require
from experience_server.errors import ApiError, register_domain_error
from experience_server.policy import Action
from experience_server.websocket_send import RAW_SEND
from sync.channel import ChannelClosed, CloseCode
from sync.errors import (
    DocumentFull,
    InvalidAnnotation,
    InvalidInput,
    InvalidRoom,
    NotAllowed,
    UnknownLayer,
)
from sync.members import Layer, Member, Rank, SessionState
from sync.w3c import export_annotation, export_collection

router = APIRouter(tags=["sessions"])

JSON_LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
MAX_IMPORT_BYTES = 8 * 1024 * 1024


def register_errors(app: FastAPI) -> None:
    register_domain_error(app, InvalidRoom, 404, "no_such_room")
    register_domain_error(app, UnknownLayer, 404, "unknown_layer")
    register_domain_error(app, NotAllowed, 403, "forbidden")
    register_domain_error(app, InvalidAnnotation, 422, "invalid_annotation")
    register_domain_error(app, InvalidInput, 422, "invalid_input")
    register_domain_error(app, DocumentFull, 413, "document_full")


def member_of(principal: Principal) -> Member:
    return Member(user=principal.user, name=principal.name, rank=Rank(int(principal.role)))


async def current_member(principal: PrincipalDep) -> Member:
    return member_of(principal)


MemberDep = Annotated[Member, Depends(current_member)]
STEER = [Depends(require(Action.session_steer))]


# The websocket


class WebSocketChannel:
    """A Starlette websocket as a `sync.Channel`."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        # Data frames go straight to the server (see experience_server.websocket_send).
        self._send: Send = websocket.scope.get(RAW_SEND) or websocket.send

    @property
    def path(self) -> str:
        return self._websocket.url.path

    async def send(self, message: bytes) -> None:
        try:
            await self._send({"type": "websocket.send", "bytes": message})
        except (WebSocketDisconnect, RuntimeError, OSError):
            raise ChannelClosed from None

    async def recv(self) -> bytes | str:
        try:
            message = await self._websocket.receive()
        except (RuntimeError, OSError):
            raise ChannelClosed from None
        if message["type"] == "websocket.disconnect":
            raise ChannelClosed
        data = message.get("bytes")
        if data is not None:
            return bytes(data)
        return str(message.get("text") or "")

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            await self._websocket.close(code, reason.encode()[:123].decode(errors="ignore"))


async def _serve(websocket: WebSocket, room: str, layer: Layer) -> None:
    services = websocket.app.state.services
    await websocket.accept()
    token: str | None = None
    try:
        token = bearer_token(websocket)
        if token is None:
            raise AuthenticationError("sign in required: pass ?token=")
        principal = await services.verifier.verify(token)
    except AuthenticationError as exc:
        await services.sessions.refuse(
            WebSocketChannel(websocket),
            CloseCode.UNAUTHENTICATED,
            str(exc)[:120],
            (CloseCode.UNAUTHENTICATED, _who(websocket, token)),
        )
        return
    await services.sessions.serve(
        WebSocketChannel(websocket), room, layer.value, member_of(principal)
    )


def _who(websocket: WebSocket, token: str | None) -> str:
    """Who knocks, for refusals: the token's digest (an expired one is sent again and
    again), else the client's address."""
    if token:
        return hashlib.sha256(token.encode()).hexdigest()
    return websocket.client.host if websocket.client else ""


def _endpoint(layer: Layer) -> Any:
    async def endpoint(websocket: WebSocket, room: str) -> None:
        await _serve(websocket, room, layer)

    endpoint.__name__ = f"session_{layer.value}"
    endpoint.__doc__ = f"The y-websocket protocol on the room's {layer.value} layer."
    return endpoint


for _layer in Layer:
    router.add_api_websocket_route(f"/ws/rooms/{{room}}/{_layer.value}", _endpoint(_layer))


# REST


class ParticipantOut(BaseModel):
    name: str
    role: str


class Participants(BaseModel):
    room: str
    participants: list[ParticipantOut]


class AccessIn(BaseModel):
    min_role: Literal["guest", "reader", "teacher", "librarian", "admin"] = "guest"
    users: list[str] = Field(default_factory=list, max_length=2000)


class SessionIn(BaseModel):
    lecture: bool | None = None
    access: AccessIn | None = None


class SessionOut(BaseModel):
    room: str
    lecture: bool
    presenter: str | None
    access: AccessIn


class PresenterIn(BaseModel):
    user: str = Field(min_length=1, max_length=200)


class Imported(BaseModel):
    room: str
    layer: str
    imported: int
    ids: list[str]


def _session_out(room: str, state: SessionState) -> SessionOut:
    return SessionOut(
        room=room,
        lecture=state.lecture,
        presenter=state.presenter,
        access=AccessIn(
            min_role=state.access.min_rank.name,  # type: ignore[arg-type]
            users=sorted(state.access.users),
        ),
    )


def _base_url(request: Request, services: Any) -> str:
    public: str | None = services.settings.public_url
    return (public or str(request.base_url)).rstrip("/")


@router.get("/api/v1/rooms/{room_id}/participants")
async def participants(room_id: str, services: ServicesDep, member: MemberDep) -> Participants:
    """Who is connected to the room's session right now: display names and roles only."""
    people = await services.sessions.participants(room_id, member)
    return Participants(
        room=room_id, participants=[ParticipantOut(name=p.name, role=p.role) for p in people]
    )


LayerQuery = Annotated[
    Literal["shared", "presenter", "private"] | None,
    Query(description="One layer; by default shared and presenter."),
]


@router.get("/api/v1/rooms/{room_id}/annotations", response_class=JSONResponse)
async def list_annotations(
    room_id: str,
    request: Request,
    services: ServicesDep,
    member: MemberDep,
    layer: LayerQuery = None,
) -> JSONResponse:
    """The room's annotations as a W3C Web Annotation `AnnotationCollection` (JSON-LD)."""
    layers = [Layer(layer)] if layer else [Layer.shared, Layer.presenter]
    found = await services.sessions.annotations(room_id, member, layers)
    body = export_collection(
        (a for _, a in found),
        base_url=_base_url(request, services),
        room=room_id,
        label=f"Annotations of room {room_id} ({', '.join(x.value for x in layers)})",
    )
    return JSONResponse(body, media_type=JSON_LD)


@router.get("/api/v1/rooms/{room_id}/annotations/{annotation_id}", response_class=JSONResponse)
async def get_annotation(
    room_id: str, annotation_id: str, request: Request, services: ServicesDep, member: MemberDep
) -> JSONResponse:
    """One annotation of the shared, presenter or (your own) private layer."""
    found = await services.sessions.annotations(room_id, member, list(Layer))
    for _, item in found:
        if item.id == annotation_id:
            body = export_annotation(item, base_url=_base_url(request, services), room=room_id)
            return JSONResponse(body, media_type=JSON_LD)
    raise ApiError(404, "no_such_annotation", "no annotation with this id in the room")


@router.post("/api/v1/rooms/{room_id}/annotations", status_code=201)
async def import_annotations(
    room_id: str,
    request: Request,
    services: ServicesDep,
    member: MemberDep,
    layer: Literal["shared", "presenter", "private"] = "shared",
) -> Imported:
    """Import W3C annotations (one, a list, a page or a collection) into a layer."""
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise ApiError(413, "too_large", f"at most {MAX_IMPORT_BYTES} bytes per import")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise ApiError(422, "invalid_json", "the body is not JSON") from None
    ids = await services.sessions.import_annotations(room_id, member, Layer(layer), payload)
    return Imported(room=room_id, layer=layer, imported=len(ids), ids=ids)


@router.get("/api/v1/rooms/{room_id}/session")
async def session(room_id: str, services: ServicesDep, member: MemberDep) -> SessionOut:
    """The session state: lecture mode, the handed-over presenter, who may join."""
    return _session_out(room_id, await services.sessions.session(room_id, member))


@router.patch("/api/v1/rooms/{room_id}/session", dependencies=STEER)
async def update_session(
    room_id: str, change: SessionIn, services: ServicesDep, member: MemberDep
) -> SessionOut:
    """Teachers and above: lecture mode on or off, and who may join."""
    state = await services.sessions.session(room_id, member)
    if change.lecture is not None:
        state = await services.sessions.set_lecture(room_id, member, change.lecture)
    if change.access is not None:
        state = await services.sessions.set_access(
            room_id, member, Rank[change.access.min_role], change.access.users
        )
    return _session_out(room_id, state)


@router.post("/api/v1/rooms/{room_id}/presenter", dependencies=STEER)
async def hand_over(
    room_id: str, presenter: PresenterIn, services: ServicesDep, member: MemberDep
) -> SessionOut:
    """Teachers and above: hand presenting to a participant (by user id)."""
    state = await services.sessions.hand_over(room_id, member, presenter.user)
    return _session_out(room_id, state)


@router.delete("/api/v1/rooms/{room_id}/presenter", dependencies=STEER)
async def take_back(room_id: str, services: ServicesDep, member: MemberDep) -> SessionOut:
    """Teachers and above: take presenting back."""
    return _session_out(room_id, await services.sessions.hand_over(room_id, member, None))
