"""FastAPI dependencies: the app's services and the caller's identity and role."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from experience_server.auth.errors import AuthenticationError, PermissionDenied
from experience_server.auth.roles import Principal, Role
from experience_server.policy import MIN_ROLE, Action, allows
from experience_server.services import Services


def get_services(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(connection: HTTPConnection) -> str | None:
    """`Authorization: Bearer ...`, or `?token=` (a browser cannot set websocket headers)."""
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationError("Authorization header must be 'Bearer <token>'")
        return value.strip()
    return connection.query_params.get("token") or None


async def current_principal(request: Request, services: ServicesDep) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthenticationError("sign in required: send a Bearer token")
    return await services.verifier.verify(token)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets in `role` and every role above it."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role < role:
            raise PermissionDenied(f"this needs the role {role.name} or higher")
        return principal

    return check


def require(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency letting in the signed-in users the policy table allows `action`."""

    async def check(principal: PrincipalDep) -> Principal:
        if not allows(principal.role, action):
            minimum = MIN_ROLE[action]
            name = minimum.name if minimum is not None else "guest"
            raise PermissionDenied(f"to {action.value} you need the role {name} or higher")
        return principal

    return check


AUDIT_TARGET = "audit_target"
"""`request.state` attribute a route sets when its target is made by the action (a new book's
id, a new room's id); otherwise the path parameters name the target."""


def audited(action: Action) -> Callable[..., AsyncIterator[Principal]]:
    """`require(action)`, and an audit log entry once the route has run: who, which action,
    which target id, and `ok` or the failure (never request or response bodies). Use it with
    `Depends(..., scope="function")` so the entry is written before the answer is sent."""

    allowed = Depends(require(action))

    # A default, not `Annotated`: the annotations are strings, and `allowed` is a local.
    async def check(
        request: Request, services: ServicesDep, principal: Principal = allowed
    ) -> AsyncIterator[Principal]:
        outcome = "ok"
        try:
            yield principal
        except BaseException as exc:
            status = getattr(exc, "status_code", None)
            outcome = f"failed: {status or type(exc).__name__}"
            raise
        finally:
            target = getattr(request.state, AUDIT_TARGET, None) or ",".join(
                str(value) for value in request.path_params.values()
            )
            await asyncio.to_thread(
                services.audit.record, principal, action.value, target or "-", outcome
            )

    return check
