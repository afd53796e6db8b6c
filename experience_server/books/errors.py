"""Book errors -> HTTP statuses. Every type answers in the one error shape with its code."""

from __future__ import annotations

from fastapi import FastAPI

from book_renderer import errors as e
from book_renderer.iiif_image import IiifBadRequestError, IiifNotImplementedError
from experience_server.errors import register_domain_error

STATUS: dict[type[e.BookError], int] = {
    e.BookError: 422,
    e.InvalidFileNameError: 400,
    e.EmptyUploadError: 400,
    e.UploadTooLargeError: 413,
    e.UnsupportedFormatError: 415,
    e.FormatMismatchError: 415,
    e.CorruptDocumentError: 422,
    e.EncryptedDocumentError: 422,
    e.EmptyDocumentError: 422,
    e.TooManyPagesError: 422,
    e.PageTooLargeError: 422,
    e.PixelLimitError: 422,
    e.RenderTimeoutError: 422,
    e.WorkerCrashedError: 422,
    e.RenderMemoryError: 422,
    e.RenderFailedError: 422,
    e.PoolClosedError: 503,
    e.BookNotFoundError: 404,
    e.PageNotFoundError: 404,
    e.BookFailedError: 409,
    e.InvalidQueryError: 400,
    IiifBadRequestError: 400,
    IiifNotImplementedError: 501,
}


def register_book_errors(app: FastAPI) -> None:
    for kind, status in STATUS.items():
        register_domain_error(app, kind, status, kind.code)
