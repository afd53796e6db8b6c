"""One entry point for every token: the embedded issuer's and the campus provider's."""

from __future__ import annotations

import jwt

from experience_server.auth.embedded import ALGORITHM as EMBEDDED_ALGORITHM
from experience_server.auth.embedded import EmbeddedIssuer
from experience_server.auth.errors import AuthenticationError
from experience_server.auth.oidc import OidcVerifier
from experience_server.auth.roles import Principal

MAX_TOKEN_LENGTH = 8192


class TokenVerifier:
    """Routes a token by its header's algorithm to the verifier that may accept it."""

    def __init__(self, embedded: EmbeddedIssuer | None, oidc: OidcVerifier | None) -> None:
        self._embedded = embedded
        self._oidc = oidc

    async def verify(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationError("invalid token")
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        if alg == EMBEDDED_ALGORITHM and self._embedded is not None:
            return self._embedded.verify(token)
        if self._oidc is not None and alg != EMBEDDED_ALGORITHM:
            return await self._oidc.verify(token)
        raise AuthenticationError(f"token algorithm {alg!r} is not accepted")
