"""IIIF: a Presentation 3 manifest per book and an Image API 3 service per page, so Mirador,
Universal Viewer and BookReader open our books unchanged.

Viewers cannot add an Authorization header to the image requests they make, so besides
`Authorization: Bearer` and `?token=` the token is also read from the `readingroom_token`
cookie: a viewer served from the same site works as it is.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse

from assets.delivery import plan
from experience_server.asset_response import bytes_response, file_response
from experience_server.auth.errors import AuthenticationError
from experience_server.auth.roles import Principal
from experience_server.books.access import Reader
from experience_server.dependencies import ServicesDep, bearer_token
from experience_server.routers.books import BOOK_ID, BaseUrl, BooksDep, cache_by_licence

router = APIRouter(prefix="/iiif", tags=["iiif"])

TOKEN_COOKIE = "readingroom_token"  # noqa: S105 (a cookie name, not a secret)
BookId = Annotated[str, Path(pattern=BOOK_ID)]
PageNumber = Annotated[int, Path(ge=1, le=1_000_000)]
_CORS = {"Access-Control-Allow-Origin": "*"}
_PRESENTATION = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
_IMAGE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
_LEVEL1 = '<http://iiif.io/api/image/3/level1.json>;rel="profile"'


async def iiif_principal(request: Request, services: ServicesDep) -> Principal:
    token = bearer_token(request) or request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise AuthenticationError("sign in required: send a Bearer token")
    return await services.verifier.verify(token)


async def iiif_reader(
    request: Request, principal: Annotated[Principal, Depends(iiif_principal)]
) -> Reader:
    return Reader(principal, request.client.host if request.client else None)


IiifReader = Annotated[Reader, Depends(iiif_reader)]


def _json(request: Request, document: dict[str, Any], ld_type: str) -> Response:
    """JSON-LD media type when the client asks for it, plain JSON otherwise."""
    accept = request.headers.get("accept", "")
    media = ld_type if "application/ld+json" in accept else "application/json"
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, media_type=media, headers=_CORS)


@router.get("/{book_id}/manifest.json", response_class=Response)
async def manifest(
    request: Request, book_id: BookId, reader: IiifReader, books: BooksDep, base: BaseUrl
) -> Response:
    """IIIF Presentation 3 manifest: paged, one canvas per page, outline as ranges."""
    return _json(request, await books.iiif_manifest(reader, book_id, base), _PRESENTATION)


@router.get("/{book_id}/{number}", response_class=RedirectResponse, status_code=303)
async def service_base(request: Request, book_id: BookId, number: PageNumber) -> Response:
    """The image service's base URI redirects to its info.json."""
    return RedirectResponse(f"{request.url.path}/info.json", status_code=303, headers=_CORS)


@router.get("/{book_id}/{number}/info.json", response_class=Response)
async def image_info(
    request: Request,
    book_id: BookId,
    number: PageNumber,
    reader: IiifReader,
    books: BooksDep,
    base: BaseUrl,
) -> Response:
    """Image API 3 info.json of one page (level 1, plus pct: sizes and regions)."""
    document = await books.iiif_info(reader, book_id, number, base)
    response = _json(request, document, _IMAGE)
    response.headers["Link"] = _LEVEL1
    return response


@router.get(
    "/{book_id}/{number}/{region}/{size}/{rotation}/{quality_format}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
async def image(
    request: Request,
    book_id: BookId,
    number: PageNumber,
    region: str,
    size: str,
    rotation: str,
    quality_format: str,
    reader: IiifReader,
    books: BooksDep,
) -> Response:
    """An Image API 3 image request: region/size/rotation/quality.format."""
    if_none_match = request.headers.get("if-none-match")
    answer = await books.iiif_image(
        reader, book_id, number, region, size, rotation, quality_format, if_none_match
    )
    range_header, if_range = request.headers.get("range"), request.headers.get("if-range")
    if answer.stored is not None:
        delivery = plan(
            digest=answer.stored.ref.digest,
            size=answer.stored.ref.bytes,
            media_type=answer.media_type,
            method=request.method,
            if_none_match=if_none_match,
            range_header=range_header,
            if_range=if_range,
        )
        response = await file_response(delivery, answer.stored.path)
    else:
        data = answer.data or b""
        delivery = plan(
            digest="",
            size=len(data),
            media_type=answer.media_type,
            method=request.method,
            if_none_match=if_none_match,
            etag=answer.etag,
            range_header=range_header,
            if_range=if_range,
        )
        response = bytes_response(delivery, data)
    response.headers.update({**_CORS, "Link": _LEVEL1})
    return await cache_by_licence(response, books, book_id)
