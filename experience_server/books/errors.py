"""Book errors -> HTTP statuses. Every type answers in the one error shape with its code."""

from __future__ import annotations

from fastapi import FastAPI

from book_renderer import errors as e
from book_renderer.iiif_image import IiifBadRequest, IiifNotImplemented
from experience_server.errors import register_domain_error

STATUS: dict[type[e.BookError], int] = {
    e.BookError: 422,
    e.InvalidFileName: 400,
    e.EmptyUpload: 400,
    e.UploadTooLarge: 413,
    e.UnsupportedFormat: 415,
    e.FormatMismatch: 415,
    e.CorruptDocument: 422,
    e.EncryptedDocument: 422,
    e.EmptyDocument: 422,
    e.TooManyPages: 422,
    e.PageTooLarge: 422,
    e.PixelLimitExceeded: 422,
    e.RenderTimeout: 422,
    e.WorkerCrashed: 422,
    e.RenderMemoryExceeded: 422,
    e.RenderFailed: 422,
    e.PoolClosed: 503,
    e.BookNotFound: 404,
    e.PageNotFound: 404,
    e.BookFailed: 409,
    e.InvalidQuery: 400,
    IiifBadRequest: 400,
    IiifNotImplemented: 501,
}


def register_book_errors(app: FastAPI) -> None:
    for kind, status in STATUS.items():
        register_domain_error(app, kind, status, kind.code)
