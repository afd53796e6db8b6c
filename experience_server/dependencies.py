"""FastAPI dependencies: the app's services and the caller's identity and role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
