"""Books: upload (librarians and above), list, the book manifest, page images, text, search
and the 3D model (any signed-in user)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from assets.delivery import plan
from book_renderer.records import BookStatus
from book_renderer.sizes import PageSize
from experience_server.asset_response import file_response, keep_private
from experience_server.auth.roles import Principal
from experience_server.books import models
from experience_server.books.access import OPEN, Reader
from experience_server.books.service import BooksService, StoredFile
from experience_server.dependencies import AUDIT_TARGET, PrincipalDep, ServicesDep, audited
from experience_server.policy import Action
from experience_server.uploads import FIELD, receive_upload

router = APIRouter(prefix="/api/v1/books", tags=["books"])

BOOK_ID = r"^[0-9a-f]{24}$"
BookId = Annotated[
    str,
    Path(
        pattern=BOOK_ID,
        description="24 hex digits: the start of the SHA-256 of the book's source file.",
    ),
]
PageNumber = Annotated[int, Path(ge=1, le=1_000_000, description="Page number, from 1.")]
Uploader = Annotated[Principal, Depends(audited(Action.book_upload), scope="function")]
Deleter = Annotated[Principal, Depends(audited(Action.book_delete), scope="function")]


def get_books(services: ServicesDep) -> BooksService:
    return services.books


BooksDep = Annotated[BooksService, Depends(get_books)]


def public_base(request: Request, services: ServicesDep) -> str:
    """The server's public base URL: the setting when behind a proxy, else as requested."""
    return (services.settings.public_url or str(request.base_url)).rstrip("/")


BaseUrl = Annotated[str, Depends(public_base)]

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, EPUB, XPS, CBZ, FB2, MOBI or an image.",
                        }
                    },
                }
            }
        },
    }
}


async def cache_by_licence(response: Response, books: BooksService, book_id: str) -> Response:
    """Only `open` books keep a `public` Cache-Control; licensed pages stay private."""
    if await books.licence(book_id) != OPEN:
        keep_private(response)
    return response


def reader_of(request: Request, principal: PrincipalDep) -> Reader:
    """The caller and the client address an `onsite` licence is checked against."""
    return Reader(principal, request.client.host if request.client else None)


ReaderDep = Annotated[Reader, Depends(reader_of)]


async def _asset(
    request: Request, books: BooksService, book_id: str, stored: StoredFile, media_type: str
) -> Response:
    delivery = plan(
        digest=stored.ref.digest,
        size=stored.ref.bytes,
        media_type=media_type,
        method=request.method,
        if_none_match=request.headers.get("if-none-match"),
        range_header=request.headers.get("range"),
        if_range=request.headers.get("if-range"),
    )
    response = await file_response(delivery, stored.path)
    return await cache_by_licence(response, books, book_id)


@router.post(
    "",
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"description": "This exact file was ingested before: the same book."},
        202: {"description": "Accepted: pages render in the background (see `status`)."},
    },
)
async def upload_book(
    request: Request,
    services: ServicesDep,
    books: BooksDep,
    principal: Uploader,
    base: BaseUrl,
    wait: Annotated[
        bool,
        Query(
            description="Answer once every page and the model are made (or the book is refused)."
        ),
    ] = False,
) -> JSONResponse:
    """Add a document as a book (role librarian or higher). The id comes from the file's
    SHA-256, so sending the same file again answers at once with the same book."""
    upload = await receive_upload(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        services.assets.staging,
        services.settings.max_upload_bytes,
    )
    out, book = await books.upload(principal, upload, wait=wait, base=base)
    setattr(request.state, AUDIT_TARGET, book.id)
    status = 200 if not out.created else 201 if book.status is BookStatus.ready else 202
    return JSONResponse(
        out.model_dump(mode="json"), status_code=status, headers={"Location": out.url}
    )


@router.get("")
async def list_books(
    reader: ReaderDep,
    books: BooksDep,
    base: BaseUrl,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> models.BookList:
    """Books ready or rendering, newest first."""
    return await books.list(reader, limit, offset, base)


@router.get("/{book_id}")
async def get_book(
    book_id: BookId, reader: ReaderDep, books: BooksDep, base: BaseUrl
) -> models.BookManifest:
    """The book manifest: metadata, page count, page sizes in mm, outline, and the URL of
    every page image, text layer and the 3D model."""
    return await books.manifest(reader, book_id, base)


@router.delete("/{book_id}", status_code=204)
async def delete_book(book_id: BookId, principal: Deleter, books: BooksDep) -> Response:
    """Remove a book and every asset only it used (role librarian or higher)."""
    await books.delete(principal, book_id)
    return Response(status_code=204)


@router.get(
    "/{book_id}/model.glb",
    response_class=Response,
    responses={200: {"content": {"model/gltf-binary": {}}}},
)
@router.head("/{book_id}/model.glb", response_class=Response, include_in_schema=False)
async def get_model(
    request: Request, book_id: BookId, reader: ReaderDep, books: BooksDep
) -> Response:
    """The 3D book (glTF binary): cover, spine, left_stack, right_stack and page nodes."""
    stored = await books.model(reader, book_id)
    return await _asset(request, books, book_id, stored, "model/gltf-binary")


@router.get(
    "/{book_id}/pages/{number}.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
@router.head("/{book_id}/pages/{number}.jpg", response_class=Response, include_in_schema=False)
async def get_page_image(
    request: Request,
    book_id: BookId,
    number: PageNumber,
    reader: ReaderDep,
    books: BooksDep,
    size: PageSize = PageSize.medium,
) -> Response:
    """A page image: thumb (256 px), medium (1024 px) or full (2048 px) on the long side.
    Pages not made yet are made at once, ahead of everything queued."""
    stored = await books.page_image(reader, book_id, number, size)
    return await _asset(request, books, book_id, stored, "image/jpeg")


@router.get("/{book_id}/pages/{number}/text")
async def get_page_text(
    book_id: BookId, number: PageNumber, reader: ReaderDep, books: BooksDep
) -> models.PageText:
    """The page's words with boxes in 0..1 page units, in reading order."""
    return await books.page_text(reader, book_id, number)


@router.get("/{book_id}/search")
async def search_book(
    book_id: BookId,
    reader: ReaderDep,
    books: BooksDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> models.SearchOut:
    """Pages where `q` occurs (Chinese and Japanese substrings too), each with a snippet
    and the boxes of every match."""
    return await books.search(reader, book_id, q, limit)
