"""The viewer's HTTP client: one httpx client with the token, timeouts on every request and a
size cap on every body, and the server's error shape turned into one-line `ViewerError`s
(an unreachable server, a refused token, a missing room or book)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from clients.xr.errors import (
    NotFoundError,
    ServerUnreachableError,
    SignInError,
    UsageError,
    ViewerError,
)
from clients.xr.manifests import (
    BookManifest,
    ManifestError,
    Me,
    Model,
    RoomManifest,
    RoomSummary,
    parse,
    parse_room_list,
)

MAX_JSON_BYTES = 32 * 1024 * 1024
MAX_GLB_BYTES = 512 * 1024 * 1024
MAX_IMAGE_BYTES = 64 * 1024 * 1024


def server_base(url: str) -> str:
    """`http(s)://host[:port][/prefix]` without a trailing slash; UsageError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not a server URL; give one like http://127.0.0.1:8000")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def websocket_base(base: str) -> str:
    return "ws" + base[len("http") :]


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
        message = body["error"]["message"]
        if isinstance(message, str) and message:
            return message
    except (ValueError, KeyError, TypeError):
        pass
    return response.reason_phrase or f"HTTP {response.status_code}"


class ServerApi:
    """Blocking calls; safe to share between threads (page images load in workers)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base = server_base(base_url)
        self.ws_base = websocket_base(self.base)
        self.token = token
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "readingroom-xr"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            # Retries only connecting, which is always safe to repeat.
            transport=transport or httpx.HTTPTransport(retries=2),
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def _get(self, url: str, what: str, limit: int, params: dict[str, str] | None = None) -> bytes:
        try:
            with self._client.stream("GET", url, params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._refusal(response, what)
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise ViewerError(f"{what} is larger than {limit // (1024 * 1024)} MB")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ViewerError(f"{what} is larger than {limit // (1024 * 1024)} MB")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.ConnectError as exc:
            raise ServerUnreachableError(
                f"cannot reach the readingroom server at {self.base} ({_reason(exc)})"
            ) from None
        except httpx.TimeoutException:
            raise ServerUnreachableError(
                f"the server at {self.base} did not answer within {self.timeout:g} s ({what})"
            ) from None
        except httpx.HTTPError as exc:
            raise ServerUnreachableError(
                f"the connection to {self.base} failed while fetching {what} ({_reason(exc)})"
            ) from None

    def _refusal(self, response: httpx.Response, what: str) -> ViewerError:
        message = _error_message(response)
        status = response.status_code
        if status == 401:
            return SignInError(f"the server refused the token: {message}")
        if status == 403:
            return SignInError(f"not allowed to see {what}: {message}")
        if status == 404:
            return NotFoundError(f"{what} does not exist on this server ({message})")
        return ViewerError(f"the server answered {status} for {what}: {message}")

    def _json(self, url: str, what: str, params: dict[str, str] | None = None) -> Any:
        body = self._get(url, what, MAX_JSON_BYTES, params)
        try:
            return json.loads(body)
        except ValueError:
            raise ViewerError(f"the server sent {what} that is not JSON") from None

    def me(self) -> Me:
        return self._parse(Me, self._json("/api/v1/me", "your identity"), "the identity")

    def rooms(self) -> list[RoomSummary]:
        data = self._json("/api/v1/rooms", "the list of rooms")
        try:
            return parse_room_list(data)
        except ManifestError as exc:
            raise ViewerError(str(exc)) from None

    def room_manifest(self, room_id: str, profile: str) -> RoomManifest:
        what = f"room {room_id!r}"
        data = self._json(f"/api/v1/rooms/{room_id}/manifest", what, {"profile": profile})
        return self._parse(RoomManifest, data, f"the manifest of {what}")

    def room_scene(self, room_id: str, profile: str, url: str | None = None) -> bytes:
        what = f"the scene of room {room_id!r}"
        if url is not None:
            return self._get(url, what, MAX_GLB_BYTES)
        return self._get(
            f"/api/v1/rooms/{room_id}/scene.glb", what, MAX_GLB_BYTES, {"profile": profile}
        )

    def book_ids(self) -> list[str]:
        """The ids of the books the server lists (its first page of them)."""
        data = self._json("/api/v1/books", "the list of books")
        items = data.get("items", data.get("books")) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ViewerError("the list of books is not a list")
        return [str(item["id"]) for item in items if isinstance(item, dict) and "id" in item]

    def book(self, book_id: str) -> BookManifest:
        what = f"book {book_id!r}"
        return self._parse(BookManifest, self._json(f"/api/v1/books/{book_id}", what), what)

    def book_model(self, book: BookManifest) -> bytes:
        url = book.model or f"/api/v1/books/{book.id}/model.glb"
        return self._get(url, f"the 3D model of book {book.id!r}", MAX_GLB_BYTES)

    def page_image(self, url: str, what: str) -> bytes:
        return self._get(url, what, MAX_IMAGE_BYTES)

    @staticmethod
    def _parse(model: type[Model], data: Any, what: str) -> Model:
        try:
            return parse(model, data, what)
        except ManifestError as exc:
            raise ViewerError(str(exc)) from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None and "Errno" not in text:
        if "Errno" in str(cause) or "refused" in str(cause).lower():
            text = str(cause)
            break
        cause = cause.__cause__ or cause.__context__
    return text.splitlines()[0]
