"""Rooms: list, create and edit (librarians), and the built room per device profile:
manifest, GLB, its parts, and previews."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel

from assets.store import AssetRef
from experience_server.auth.roles import Principal
from experience_server.dependencies import AUDIT_TARGET, PrincipalDep, ServicesDep, audited, require
from experience_server.errors import ApiError
from experience_server.policy import Action
from experience_server.rooms.service import RoomService
from experience_server.rooms.store import RoomRecord
from scenes.profiles import PROFILE_NAMES
from scenes.template import RoomTemplate, builtin_template_names, load_builtin_template

router = APIRouter(prefix="/api/v1", tags=["rooms"])

GLB = "model/gltf-binary"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"

RoomId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="Room id.")]
Profile = Annotated[
    Literal["headset", "touch", "blackboard", "desktop"],
    Query(description="Device profile: geometry detail, texture sizes and budgets."),
]
RoomHistory = Annotated[Principal, Depends(require(Action.room_edit))]
RoomEditor = Annotated[Principal, Depends(audited(Action.room_edit), scope="function")]
TemplateBody = Annotated[
    dict[str, Any],
    Body(description="A room template (see GET /api/v1/room-templates/schema)."),
]
IfMatch = Annotated[
    str | None,
    Header(description='The version the edit starts from ("3" or the ETag "v3").'),
]


def get_rooms(services: ServicesDep) -> RoomService:
    return services.rooms


RoomsDep = Annotated[RoomService, Depends(get_rooms)]


class RoomLinks(BaseModel):
    self: str
    manifest: dict[str, str]
    scene: dict[str, str]
    preview: str
    versions: str


class RoomSummary(BaseModel):
    id: str
    title: str
    kind: str
    version: int
    updated_at: float
    links: RoomLinks


class PreviewState(BaseModel):
    available: bool
    state: str
    detail: str


class RoomDetail(RoomSummary):
    description: str
    created_at: float
    profiles: list[str]
    previews: PreviewState
    template: dict[str, Any]


class RoomVersion(BaseModel):
    version: int
    created_at: float
    created_by: str
    template: dict[str, Any]


class BuiltinTemplate(BaseModel):
    name: str
    title: str
    kind: str
    template: dict[str, Any]


def _links(room_id: str) -> RoomLinks:
    base = f"/api/v1/rooms/{room_id}"
    return RoomLinks(
        self=base,
        manifest={p: f"{base}/manifest?profile={p}" for p in PROFILE_NAMES},
        scene={p: f"{base}/scene.glb?profile={p}" for p in PROFILE_NAMES},
        preview=f"{base}/preview.png",
        versions=f"{base}/versions",
    )


def _summary(record: RoomRecord) -> RoomSummary:
    t = record.template
    return RoomSummary(
        id=record.id,
        title=t.get("title", record.id),
        kind=t.get("kind", ""),
        version=record.version,
        updated_at=record.updated_at,
        links=_links(record.id),
    )


def _detail(record: RoomRecord, rooms: RoomService, response: Response) -> RoomDetail:
    status = rooms.preview_status
    response.headers["ETag"] = f'"v{record.version}"'
    return RoomDetail(
        **_summary(record).model_dump(),
        description=record.template.get("description", ""),
        created_at=record.created_at,
        profiles=list(PROFILE_NAMES),
        previews=PreviewState(available=status.ok, state=status.state, detail=status.detail),
        template=record.template,
    )


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?v?(\d{1,9})"?\s*', if_match)
    if match is None:
        raise ApiError(422, "invalid_request", 'If-Match must name a room version ("3" or "v3")')
    return int(match.group(1))


def _asset_response(request: Request, ref: AssetRef, media_type: str, cache: str) -> Response:
    """ETag = the content hash; 304 when the client has it; Range is served by Starlette."""
    etag = f'"{ref.digest}"'
    headers = {"ETag": etag, "Cache-Control": cache}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return FileResponse(ref.path, media_type=media_type, headers=headers)


@router.get("/rooms", summary="List rooms")
async def list_rooms(rooms: RoomsDep, _: PrincipalDep) -> list[RoomSummary]:
    """Every room, with links to its manifest, scene and preview per device profile."""
    return [_summary(record) for record in await rooms.list_rooms()]


@router.post("/rooms", status_code=201, summary="Create a room (librarian)")
async def create_room(
    body: TemplateBody,
    rooms: RoomsDep,
    principal: RoomEditor,
    request: Request,
    response: Response,
) -> RoomDetail:
    """Store a new room from a template; 422 names every field to fix."""
    record = await rooms.create(body, principal.user)
    setattr(request.state, AUDIT_TARGET, record.id)
    response.headers["Location"] = f"/api/v1/rooms/{record.id}"
    return _detail(record, rooms, response)


@router.get("/rooms/{room_id}", summary="A room and its template")
async def get_room(
    room_id: RoomId, rooms: RoomsDep, _: PrincipalDep, response: Response
) -> RoomDetail:
    return _detail(await rooms.get(room_id), rooms, response)


@router.put("/rooms/{room_id}", summary="Replace a room's template (librarian)")
async def replace_room(
    room_id: RoomId,
    body: TemplateBody,
    rooms: RoomsDep,
    principal: RoomEditor,
    response: Response,
    if_match: IfMatch = None,
) -> RoomDetail:
    """Store the template as the room's next version."""
    record = await rooms.replace(room_id, body, principal.user, _expected_version(if_match))
    return _detail(record, rooms, response)


@router.patch("/rooms/{room_id}", summary="Edit part of a room's template (librarian)")
async def patch_room(
    room_id: RoomId,
    body: TemplateBody,
    rooms: RoomsDep,
    principal: RoomEditor,
    response: Response,
    if_match: IfMatch = None,
) -> RoomDetail:
    """A JSON merge patch (RFC 7396) on the template: objects merge, `null` removes a
    field, lists are replaced whole. The result is validated like a whole template."""
    record = await rooms.patch(room_id, body, principal.user, _expected_version(if_match))
    return _detail(record, rooms, response)


@router.get("/rooms/{room_id}/versions", summary="Every version of a room (librarian)")
async def room_versions(room_id: RoomId, rooms: RoomsDep, _: RoomHistory) -> list[RoomVersion]:
    return [
        RoomVersion(
            version=v.version, created_at=v.created_at, created_by=v.created_by, template=v.template
        )
        for v in await rooms.versions(room_id)
    ]


@router.get("/rooms/{room_id}/manifest", summary="What to load for a device, in order")
async def room_manifest(
    room_id: RoomId, rooms: RoomsDep, _: PrincipalDep, profile: Profile = "desktop"
) -> dict[str, Any]:
    """The room manifest: assets in loading order (shell, near shelves, the rest), their
    sizes and draw calls, spawn points, shelf reports and notices (capped queries, books
    that did not fit). Building happens here if the room or its books changed."""
    build = await rooms.build(room_id, profile)
    return build.manifest


@router.get(
    "/rooms/{room_id}/scene.glb",
    summary="The whole room as one GLB",
    response_class=Response,
    responses={200: {"content": {GLB: {}}, "description": "glTF 2.0 binary"}},
)
async def room_scene(
    room_id: RoomId,
    rooms: RoomsDep,
    _: PrincipalDep,
    request: Request,
    profile: Profile = "desktop",
) -> Response:
    ref = (await rooms.scene(room_id, profile))[1]
    return _asset_response(request, ref, GLB, REVALIDATE)


@router.get(
    "/rooms/{room_id}/assets/{digest}.glb",
    summary="A part of a built room",
    response_class=Response,
    responses={200: {"content": {GLB: {}}, "description": "glTF 2.0 binary"}},
)
async def room_asset(
    room_id: RoomId,
    digest: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    rooms: RoomsDep,
    _: PrincipalDep,
    request: Request,
) -> Response:
    """Content-addressed: cached forever."""
    return _asset_response(request, await rooms.asset(room_id, digest), GLB, IMMUTABLE)


@router.get(
    "/rooms/{room_id}/preview.png",
    summary="A picture of the room",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 503: {"description": "no GL"}},
)
async def room_preview(
    room_id: RoomId, rooms: RoomsDep, _: PrincipalDep, request: Request
) -> Response:
    """Rendered off screen by Panda3D from the kiosk GLB; 503 when this server cannot
    render (the reason is in the error and in /readyz)."""
    return _asset_response(request, await rooms.preview(room_id), "image/png", REVALIDATE)


@router.get(
    "/rooms/{room_id}/books/{record_id}/preview.png",
    summary="A 3D view of one book on the room's shelves",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 503: {"description": "no GL"}},
)
async def book_preview(
    room_id: RoomId,
    record_id: Annotated[str, Path(min_length=1, max_length=200)],
    rooms: RoomsDep,
    _: PrincipalDep,
    request: Request,
) -> Response:
    return _asset_response(
        request, await rooms.book_preview(room_id, record_id), "image/png", REVALIDATE
    )


@router.get("/room-templates", summary="The room templates readingroom ships")
async def builtin_templates(_: PrincipalDep) -> list[BuiltinTemplate]:
    out = []
    for name in builtin_template_names():
        template = load_builtin_template(name)
        out.append(
            BuiltinTemplate(
                name=name, title=template.title, kind=template.kind, template=template.to_json()
            )
        )
    return out


@router.get("/room-templates/schema", summary="JSON Schema of a room template")
async def template_schema() -> dict[str, Any]:
    schema: dict[str, Any] = RoomTemplate.model_json_schema(by_alias=True)
    return schema
