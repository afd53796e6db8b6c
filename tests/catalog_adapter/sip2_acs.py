"""A real SIP2 ACS for tests: pysip2's AnyIO server on 127.0.0.1 (a free port it binds
itself), run in a background thread with item data the test gives, stopped on exit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

import anyio
from anyio.abc import SocketAttribute
from anyio.from_thread import start_blocking_portal
from pysip2 import (
    ITEM_INFORMATION,
    LOGIN,
    ItemInformationRequest,
    ItemInformationResponse,
    LoginRequest,
    LoginResponse,
    RequestContext,
    SIP2Server,
)


@dataclass
class AcsItem:
    status: str
    title: str
    permanent: str | None = None
    current: str | None = None
    due: str | None = None


@dataclass
class Acs:
    """The running server: its port, its items (edit them live) and what it was asked."""

    port: int
    items: dict[str, AcsItem]
    asked: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@asynccontextmanager
async def _serving(server: SIP2Server) -> AsyncIterator[int]:
    """Like `SIP2Server.start`, which leaves its listening socket open after it stops
    (pysip2 0.1.0): this one closes it."""
    listener = await server.listen("127.0.0.1", 0)
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, server._handle_connection)
        yield listener.extra(SocketAttribute.local_port)  # noqa: S610 - anyio, not Django
        tasks.cancel_scope.cancel()


@contextmanager
def running_acs(
    items: dict[str, AcsItem],
    *,
    delay: float = 0.0,
    login: tuple[str, str] | None = None,
    encoding: str = "utf-8",
    idle_timeout: float | None = None,
) -> Iterator[Acs]:
    server = SIP2Server(
        encoding=encoding,
        login_required=login is not None,
        institution_id="MAIN",
        idle_timeout=idle_timeout,
    )
    acs = Acs(port=0, items=items)

    @server.route(ITEM_INFORMATION)
    async def item_information(
        request: ItemInformationRequest,
        ctx: RequestContext[ItemInformationRequest, ItemInformationResponse],
    ) -> ItemInformationResponse:
        acs.asked.append(request.item_identifier)
        if delay:
            await anyio.sleep(delay)
        item = acs.items.get(request.item_identifier)
        if item is None or request.institution_id != "MAIN":
            return ctx.decline("item not found")
        return ItemInformationResponse(
            circulation_status=item.status,
            security_marker="02",
            fee_type="01",
            transaction_date=ctx.now_18(),
            item_identifier=request.item_identifier,
            title_identifier=item.title,
            permanent_location=item.permanent,
            current_location=item.current,
            due_date=item.due,
        )

    @server.route(LOGIN)
    async def log_in(
        request: LoginRequest, ctx: RequestContext[LoginRequest, LoginResponse]
    ) -> LoginResponse:
        acs.logins.append(request.login_user_id)
        ok = login is not None and (request.login_user_id, request.login_password) == login
        return LoginResponse(ok="1" if ok else "0")

    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(_serving(server)) as port,
    ):
        acs.port = port
        yield acs
