"""Tokens a live server accepts, signed in the test process with the key in the server's
data directory: no `experience_server token` subprocess per user, and a display name."""

from __future__ import annotations

from experience_server.auth.roles import Role
from experience_server.services import build_issuer
from experience_server.settings import Settings
from tests.support.live_server import LiveServer


def token(server: LiveServer, user: str, role: str = "reader", ttl: int | None = None) -> str:
    """A token for `user` (named as `user.title()`) with `role`, valid `ttl` seconds (the
    server's default when None)."""
    issuer = build_issuer(Settings(data_dir=server.data_dir))
    return issuer.issue(user, Role.parse(role), name=user.title(), ttl_seconds=ttl)
