"""The one error shape: `{"error": {"code", "message", "detail"}}` for every 4xx/5xx.

Domain packages raise their own exceptions; `register_domain_error` maps each type to a
status and code here, so HTTP never leaks into them.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from experience_server.auth.errors import AuthenticationError, PermissionDenied


class ApiError(Exception):
    """An error the API answers with directly."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail}}


def error_response(
    status: int,
    code: str,
    message: str,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, detail), status_code=status, headers=dict(headers or {})
    )


def _code_for_status(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors without the offending input (it may be large or personal)."""
    out = []
    for item in errors:
        out.append(
            {
                "loc": list(item.get("loc", ())),
                "msg": str(item.get("msg", "")),
                "type": str(item.get("type", "")),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, exc.detail)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = "no such resource"
        return error_response(
            exc.status_code, _code_for_status(exc.status_code), message, headers=exc.headers
        )

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(
            422, "invalid_request", "the request is not valid", _jsonable_errors(exc.errors())
        )

    async def unauthenticated(_: Request, exc: Exception) -> JSONResponse:
        return error_response(
            401,
            "unauthenticated",
            str(exc) or "sign in required",
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def forbidden(_: Request, exc: Exception) -> JSONResponse:
        return error_response(403, "forbidden", str(exc) or "not allowed")

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return error_response(500, "internal_error", "something went wrong on our side")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(AuthenticationError, unauthenticated)
    app.add_exception_handler(PermissionDenied, forbidden)
    app.add_exception_handler(Exception, unexpected)


def register_domain_error(app: FastAPI, kind: type[Exception], status: int, code: str) -> None:
    """Answer a domain exception type with `status` and `code`, its message as the message
    and its `detail` attribute (if it has one) as the detail."""

    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return error_response(status, code, str(exc), getattr(exc, "detail", None))

    app.add_exception_handler(kind, handler)
