"""Catalog search and records, MARC import, e-book links, related books and loans: validate,
call the library service in a worker thread, present."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, UploadFile
from pydantic import BaseModel, Field

from catalog_adapter.circulation import Loan
from catalog_adapter.errors import (
    InvalidQueryError,
    RecordNotFoundError,
    UnreadableMarcError,
    UpstreamUnavailableError,
)
from catalog_adapter.records import SearchField
from experience_server.auth.roles import Principal
from experience_server.dependencies import PrincipalDep, ServicesDep, audited
from experience_server.errors import ApiError, register_domain_error
from experience_server.policy import Action

router = APIRouter(prefix="/api/v1", tags=["catalog"])

BOOK_ID = r"^[A-Za-z0-9._-]{1,128}$"
RecordId = Annotated[str, Path(min_length=1, max_length=200)]
BookId = Annotated[str, Path(pattern=BOOK_ID)]
CatalogEditor = Annotated[Principal, Depends(audited(Action.catalog_edit), scope="function")]
LicenceEditor = Annotated[Principal, Depends(audited(Action.licence_edit), scope="function")]
Importer = Annotated[Principal, Depends(audited(Action.catalog_import), scope="function")]
CirculationEditor = Annotated[
    Principal, Depends(audited(Action.circulation_edit), scope="function")
]
MAX_LOANS_PER_REQUEST = 10_000


def register_errors(app: FastAPI) -> None:
    """Map catalog_adapter's exceptions onto the one error shape."""
    register_domain_error(app, RecordNotFoundError, 404, "not_found")
    register_domain_error(app, InvalidQueryError, 422, "invalid_query")
    register_domain_error(app, UnreadableMarcError, 422, "unreadable_marc")
    register_domain_error(app, UpstreamUnavailableError, 502, "catalog_unavailable")


class BookLink(BaseModel):
    book_id: str | None = Field(pattern=BOOK_ID)


class LicenceBody(BaseModel):
    licence: str = Field(
        min_length=1,
        max_length=40,
        description="open, campus, onsite or role:<guest|reader|teacher|librarian|admin>",
    )


class LoanIn(BaseModel):
    patron: str = Field(min_length=1, max_length=200)
    item: str | None = Field(default=None, min_length=1, max_length=200)
    record: str | None = Field(default=None, min_length=1, max_length=200)
    loaned_at: dt.datetime


@router.get("/catalog/search")
async def search(
    services: ServicesDep,
    _: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words to find.")],
    field: Annotated[SearchField, Query(description="Where to look.")] = "any",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """Search titles, authors, subjects and identifiers (Chinese and Japanese included)."""
    page = await asyncio.to_thread(services.library.search, q, field, limit, offset)
    return asdict(page)


@router.get("/catalog/records/{record_id}")
async def record(
    services: ServicesDep,
    _: PrincipalDep,
    record_id: RecordId,
    marc: Annotated[
        bool, Query(description="Include the full MARC record (MARC-in-JSON).")
    ] = False,
) -> dict[str, Any]:
    """A record with its identifiers, its print items and its e-book link."""
    found = await asyncio.to_thread(services.library.record, record_id)
    body = asdict(found)
    if not marc:
        body.pop("marc")
    return body


@router.put("/catalog/records/{record_id}/book")
async def link_book(
    services: ServicesDep, _: CatalogEditor, record_id: RecordId, body: BookLink
) -> dict[str, Any]:
    """Link a record to its e-book (or unlink with `null`)."""
    await asyncio.to_thread(services.library.link_book, record_id, body.book_id)
    return {"record_id": record_id, "book_id": body.book_id}


@router.put("/catalog/records/{record_id}/licence")
async def set_licence(
    services: ServicesDep, _: LicenceEditor, record_id: RecordId, body: LicenceBody
) -> dict[str, Any]:
    """Who may read the record's e-book."""
    licence = await asyncio.to_thread(services.library.set_licence, record_id, body.licence)
    return {"record_id": record_id, "licence": licence}


@router.post("/catalog/import")
async def import_marc(
    services: ServicesDep,
    _: Importer,
    file: UploadFile,
    format: Annotated[
        Literal["marc", "marcxml", "json"] | None,
        Query(description="Default: detected from the content."),
    ] = None,
) -> dict[str, Any]:
    """Import binary MARC21, MARCXML or MARC-in-JSON; every rejected record is listed with
    its position in the file."""
    limit = services.settings.max_upload_bytes
    if file.size is not None and file.size > limit:
        raise ApiError(413, "too_large", f"the file is larger than {limit} bytes")
    report = await asyncio.to_thread(services.library.import_marc, file.file, format)
    return report.as_dict()


@router.get("/books/{book_id}/related")
async def related(
    services: ServicesDep,
    _: PrincipalDep,
    book_id: BookId,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Books related by content, and what readers of this book also borrowed (each pair
    made by at least k distinct patrons)."""
    view = await asyncio.to_thread(services.library.related, book_id, limit)
    return asdict(view)


@router.post("/circulation/loans")
async def add_loans(
    services: ServicesDep,
    _: CirculationEditor,
    loans: Annotated[list[LoanIn], Field(max_length=MAX_LOANS_PER_REQUEST)],
) -> dict[str, Any]:
    """Loans from the ILS. Patron ids are stored only as keyed hashes."""
    for n, loan in enumerate(loans, start=1):
        if (loan.item is None) == (loan.record is None):
            raise ApiError(422, "invalid_request", f"loan {n}: give exactly one of item, record")
    domain = [
        Loan(patron=x.patron, loaned_at=x.loaned_at, item=x.item, record=x.record) for x in loans
    ]
    report = await asyncio.to_thread(services.library.add_loans, domain)
    return asdict(report)


@router.post("/circulation/also-borrowed/build")
async def build_also_borrowed(services: ServicesDep, _: CirculationEditor) -> dict[str, Any]:
    """Recount 'also borrowed' pairs from the loans kept (pairs below k are dropped)."""
    report = await asyncio.to_thread(services.library.build_also_borrowed)
    return asdict(report)
