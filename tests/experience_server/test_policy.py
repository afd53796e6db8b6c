"""Every route of the app against every role: the answer follows the one policy table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount
from starlette.websockets import WebSocketDisconnect

from experience_server.auth.roles import Role
from experience_server.policy import MIN_ROLE, ROUTES, WS, Action, allows
from experience_server.services import Services

PLACEHOLDER = re.compile(r"\{(\w+)\}")
SAMPLE = {"number": "1", "region": "full", "size": "max", "rotation": "0"}
SAMPLE_DEFAULT = "no-such-thing"
UNAUTHENTICATED = 4401


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app serves, websockets as `WS`; static mounts are
    the web client's files and are public by design."""
    for route in app.router.routes:
        contexts = getattr(route, "effective_candidates", None)
        candidates = list(contexts()) if contexts else [route]
        for candidate in candidates:
            if isinstance(candidate, Mount):
                continue
            path = getattr(getattr(candidate, "starlette_route", None), "path", None)
            path = path or str(getattr(candidate, "path", ""))
            methods = getattr(candidate, "methods", None)
            if not methods:
                yield WS, path
                continue
            for method in sorted(set(methods) - {"HEAD"}):
                yield method, path


def concrete(path: str) -> str:
    return PLACEHOLDER.sub(lambda m: SAMPLE.get(m.group(1), SAMPLE_DEFAULT), path)


def token(client: TestClient, role: Role) -> str:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    assert services.issuer is not None
    return services.issuer.issue(f"policy-{role.name}", role)


def test_every_route_has_a_policy_entry(client: TestClient) -> None:
    served = set(app_routes(client.app))  # type: ignore[arg-type]
    assert served - ROUTES.keys() == set(), "routes without a policy entry"
    assert ROUTES.keys() - served == set(), "policy entries for routes that do not exist"
    assert set(MIN_ROLE) == set(Action)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: "anonymous" if r is None else r.name)
def test_every_route_answers_as_the_policy_says(client: TestClient, role: Role | None) -> None:
    headers = {"Authorization": f"Bearer {token(client, role)}"} if role is not None else {}
    wrong: list[str] = []
    for (method, path), action in sorted(ROUTES.items()):
        if method == WS:
            continue
        answer = client.request(method, concrete(path), headers=headers, follow_redirects=False)
        public = MIN_ROLE[action] is None
        if role is None and not public:
            expected_ok = answer.status_code == 401
        elif role is not None and not allows(role, action):
            expected_ok = answer.status_code == 403
        else:
            expected_ok = answer.status_code not in (401, 403)
        if expected_ok and answer.status_code in (401, 403):
            expected_ok = answer.json()["error"]["code"] in ("unauthenticated", "forbidden")
        if not expected_ok:
            wrong.append(f"{method} {path} ({action}): {answer.status_code}")
    assert wrong == []


@pytest.mark.parametrize("path", [p for (m, p) in ROUTES if m == WS])
def test_websockets_close_for_anonymous(client: TestClient, path: str) -> None:
    assert MIN_ROLE[ROUTES[WS, path]] is not None
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(concrete(path)) as socket,
    ):
        socket.receive_bytes()
    assert closed.value.code == UNAUTHENTICATED


def test_the_permissions_table_in_the_docs_names_every_route() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [f"{m} {p}" for (m, p) in ROUTES if f"`{m} {p}`" not in docs]
    assert missing == []
