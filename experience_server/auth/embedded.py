"""The embedded token issuer: HS256 tokens signed with a secret generated on first run."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import jwt

from experience_server.auth.errors import AuthenticationError
from experience_server.auth.roles import Principal, Role

ALGORITHM = "HS256"


def load_or_create_secret(path: Path) -> bytes:
    """The signing secret, created with mode 0600 the first time.

    Written whole to a temporary file and then linked into place, so that server processes
    starting together never read a half-written secret, and the first one wins.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".token-secret-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(64))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp_name, path)
    finally:
        os.unlink(tmp_name)
    return path.read_bytes()


class EmbeddedIssuer:
    """Signs and verifies the server's own tokens."""

    def __init__(self, secret: bytes, issuer: str, audience: str, ttl_seconds: int) -> None:
        if len(secret) < 32:
            raise ValueError("token secret is too short")
        self._secret = secret
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds

    def issue(
        self, user: str, role: Role, *, name: str | None = None, ttl_seconds: int | None = None
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user,
            "name": name or user,
            "role": role.name,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + (ttl_seconds if ttl_seconds is not None else self.ttl_seconds),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            role = Role.parse(str(claims.get("role", "guest")))
        except (jwt.PyJWTError, ValueError) as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        user = str(claims["sub"])
        return Principal(
            user=user, name=str(claims.get("name") or user), role=role, issuer=self.issuer
        )
