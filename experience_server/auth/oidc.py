"""Tokens from the campus OIDC provider: RS256/ES256 checked against its JWKS document."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import jwt

from experience_server.auth.errors import AuthenticationError
from experience_server.auth.roles import Principal, Role

ALGORITHMS = ("RS256", "ES256")
_MIN_REFRESH_SECONDS = 10.0
LEEWAY_SECONDS = 60


class OidcVerifier:
    """Verifies provider tokens; keys are cached and refetched when an unknown `kid` shows up."""

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        role_claim: str,
        name_claim: str,
        default_role: Role,
        cache_seconds: float,
        http: httpx.AsyncClient,
    ) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._role_claim = role_claim
        self._name_claim = name_claim
        self._default_role = default_role
        self._cache_seconds = cache_seconds
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        """Fetch the keys; on failure keep the old ones (a provider hiccup must not sign
        everybody out) and let only tokens with an unknown key fail."""
        self._attempted_at = time.monotonic()
        try:
            response = await self._http.get(self._jwks_url, timeout=5.0)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, json.JSONDecodeError):
            return
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue
            if key.algorithm_name in ALGORITHMS:
                keys[str(entry.get("kid", ""))] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    def _stale(self, kid: str) -> bool:
        now = time.monotonic()
        if now - self._attempted_at < _MIN_REFRESH_SECONDS and self._keys:
            return False
        return now - self._fetched_at > self._cache_seconds or kid not in self._keys

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if self._stale(kid):
            async with self._lock:  # one fetch at a time; the others reuse its result
                if self._stale(kid):
                    await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError("token signed with an unknown key")
        return key

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthenticationError(f"token algorithm {alg!r} is not accepted")
        key = await self._key_for(str(header.get("kid", "")))
        if key.algorithm_name != alg:
            raise AuthenticationError("token algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        user = str(claims["sub"])
        name = str(claims.get(self._name_claim) or claims.get("preferred_username") or user)
        return Principal(
            user=user, name=name, role=self._role(claims), issuer=str(claims.get("iss", ""))
        )

    def _role(self, claims: dict[str, Any]) -> Role:
        """The highest known role named by the configured claim (a string or a list)."""
        value: Any = claims
        for part in self._role_claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        roles = []
        for item in names:
            try:
                roles.append(Role.parse(str(item)))
            except ValueError:
                continue
        return max(roles) if roles else self._default_role
