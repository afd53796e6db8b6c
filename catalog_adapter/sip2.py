"""SIP2 client: asks the library system (ILS) where a copy is and whether it circulates,
with message 17 Item Information -> 18 (circulation status, AQ permanent location, AP
current location), logging in first with 93 -> 94 when the ILS wants it.

Frames go through pysip2's maintained codec. One persistent connection is kept (SIP2 is
one request at a time per connection, and logins are per connection) and a whole batch of
copies shares one deadline, so a slow or dead ILS costs a location answer at most
`timeout_seconds`; after a failure the ILS is left alone for `retry_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pysip2 import (
    ItemInformationRequest,
    ItemInformationResponse,
    LoginRequest,
    LoginResponse,
    RequestACSResend,
    RequestSCResend,
    SIP2ChecksumError,
    SIP2CodecError,
    SIP2Error,
    SIPMessage,
    decode_message,
    encode_message,
    verify_checksum,
)

log = logging.getLogger("readingroom.sip2")

UNAVAILABLE = "ILS unavailable"
CACHE_LIMIT = 10_000
MAX_FRAME_BYTES = 64 * 1024

CIRCULATION_STATUS = {
    "01": "other",
    "02": "on order",
    "03": "available",
    "04": "charged",
    "05": "charged; not to be recalled until the earliest recall date",
    "06": "in process",
    "07": "recalled",
    "08": "waiting on hold shelf",
    "09": "waiting to be re-shelved",
    "10": "in transit between library locations",
    "11": "claimed returned",
    "12": "lost",
    "13": "missing",
}

M = TypeVar("M", bound=SIPMessage)


class IlsUnavailableError(Exception):
    """The ILS could not be reached, refused us, or answered something we cannot use."""


@dataclass(frozen=True, slots=True)
class Sip2Config:
    host: str
    port: int
    institution: str
    timeout_seconds: float
    encoding: str = "utf-8"
    user: str | None = None
    password: str | None = None
    location_code: str | None = None
    terminal_password: str | None = None
    checksums: bool = True
    cache_seconds: float = 30.0
    retry_seconds: float = 15.0


def parse_address(text: str) -> tuple[str, int]:
    """`host:port` or `[v6addr]:port`."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"SIP2 address {text!r} is not host:port")
    return host, int(port)


@dataclass(frozen=True, slots=True)
class IlsItem:
    """What the ILS said about one copy, and when (`checked_at`, epoch seconds)."""

    barcode: str
    known: bool
    circulation_status: str
    title: str | None
    permanent_location: str | None
    current_location: str | None
    due_date: str | None
    checked_at: float

    @property
    def circulation(self) -> str:
        return CIRCULATION_STATUS.get(self.circulation_status, "unknown status")


@dataclass(frozen=True, slots=True)
class IlsAnswers:
    """The copies the ILS answered for; `failure` says why the rest were not."""

    items: dict[str, IlsItem]
    failure: str | None


def _now_18() -> str:
    return datetime.now().strftime("%Y%m%d    %H%M%S")


_TRAILER = re.compile(rb"(?:AY\d)?AZ[0-9A-Fa-f]{4}$")


def _lenient_18(frame: bytes, encoding: str) -> ItemInformationResponse:
    """Some ILSes send an 18 that bends the standard (a missing AJ, an odd date); read the
    fields we use instead of calling the ILS down for it."""
    body = frame.rstrip(b"\r\n")
    if _TRAILER.search(body):
        if not verify_checksum(body):
            raise SIP2ChecksumError("checksum mismatch")
        body = _TRAILER.sub(b"", body)
    text = body.decode(encoding)
    if len(text) < 26 or not text.startswith("18") or not text[2:4].isdigit():
        raise SIP2CodecError("not an Item Information Response")
    fields: dict[str, str] = {}
    for part in text[26:].split("|"):
        if len(part) >= 2:
            fields.setdefault(part[:2], part[2:])
    return ItemInformationResponse(
        circulation_status=text[2:4],
        security_marker="00",
        fee_type="01",
        transaction_date=_now_18(),
        item_identifier=fields.get("AB", ""),
        title_identifier=fields.get("AJ", ""),
        permanent_location=fields.get("AQ"),
        current_location=fields.get("AP"),
        due_date=fields.get("AH"),
    )


class _Connection:
    """One TCP connection to the ACS: framing, sequence numbers, checksums, resends."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, config: Sip2Config
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._config = config
        self._sequence = 0
        self.used = False

    def abort(self) -> None:
        self._writer.transport.abort()

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    def _encode(self, message: SIPMessage) -> bytes:
        if not self._config.checksums:
            return encode_message(message, encoding=self._config.encoding)
        self._sequence = (self._sequence + 1) % 10
        return encode_message(
            message, sequence_number=self._sequence, checksum=True,
            encoding=self._config.encoding,
        )  # fmt: skip

    async def _frame(self) -> bytes:
        while True:
            try:
                frame = await self._reader.readuntil(b"\r")
            except asyncio.LimitOverrunError:
                raise IlsUnavailableError("the ILS sent an over-long frame") from None
            frame = frame.lstrip(b"\n")
            if frame.strip():
                return frame

    async def _send(self, frame: bytes) -> None:
        self._writer.write(frame)
        await self._writer.drain()

    def _decode(self, raw: bytes, expected: type[SIPMessage]) -> SIPMessage:
        try:
            return decode_message(raw, encoding=self._config.encoding).message
        except SIP2ChecksumError:
            raise
        except (SIP2CodecError, UnicodeDecodeError) as exc:
            if expected is ItemInformationResponse and raw.startswith(b"18"):
                try:
                    return _lenient_18(raw, self._config.encoding)
                except (SIP2CodecError, UnicodeDecodeError):
                    pass
            raise IlsUnavailableError(f"undecodable answer from the ILS: {exc}") from None

    async def exchange(self, message: SIPMessage, expected: type[M]) -> M:
        """Send one request and read its answer, honouring resend requests both ways."""
        frame = self._encode(message)
        await self._send(frame)
        for _ in range(3):
            raw = await self._frame()
            try:
                decoded = self._decode(raw, expected)
            except SIP2ChecksumError:
                resend = RequestACSResend()
                await self._send(
                    encode_message(resend, checksum=True, encoding=self._config.encoding)
                )
                continue
            if isinstance(decoded, RequestSCResend):
                await self._send(frame)
                continue
            if not isinstance(decoded, expected):
                raise IlsUnavailableError(
                    f"the ILS answered {type(decoded).__name__}, expected {expected.__name__}"
                )
            self.used = True
            return decoded
        raise IlsUnavailableError("the ILS and we keep asking each other to resend")


class Sip2Client:
    """Item status from the ILS, cached for `cache_seconds`; never raises on ILS trouble,
    it reports it in the answer instead."""

    def __init__(
        self,
        config: Sip2Config,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._clock = clock
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._conn: _Connection | None = None
        self._down_until = 0.0
        self._cache: OrderedDict[str, IlsItem] = OrderedDict()

    async def aclose(self) -> None:
        await self._drop()

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.abort()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(
            self.config.host, self.config.port, limit=MAX_FRAME_BYTES
        )
        conn = _Connection(reader, writer, self.config)
        if self.config.user is not None:
            login = LoginRequest(
                uid_algorithm="0",
                pwd_algorithm="0",  # noqa: S106 - "0" means the password is sent as is
                login_user_id=self.config.user,
                login_password=self.config.password or "",
                location_code=self.config.location_code,
            )
            try:
                answer = await conn.exchange(login, LoginResponse)
            except BaseException:
                await conn.close()
                raise
            if answer.ok != "1":
                await conn.close()
                raise IlsUnavailableError("the ILS refused the SIP2 login")
        return conn

    async def _ask(self, barcode: str) -> IlsItem:
        request = ItemInformationRequest(
            transaction_date=_now_18(),
            institution_id=self.config.institution,
            item_identifier=barcode,
            terminal_password=self.config.terminal_password,
        )
        answer = await self._exchange_once_more_if_stale(request)
        if answer.item_identifier.strip().casefold() != barcode.strip().casefold():
            raise IlsUnavailableError("the ILS answered about another item")
        known = bool(
            answer.title_identifier or answer.permanent_location or answer.current_location
        )
        return IlsItem(
            barcode=barcode,
            known=known,
            circulation_status=answer.circulation_status,
            title=answer.title_identifier or None,
            permanent_location=answer.permanent_location or None,
            current_location=answer.current_location or None,
            due_date=answer.due_date or None,
            checked_at=self._clock(),
        )

    async def _exchange_once_more_if_stale(
        self, request: ItemInformationRequest
    ) -> ItemInformationResponse:
        """An idle connection the ILS has closed shows up as EOF on its next use: reconnect
        once, but never retry on a fresh connection."""
        if self._conn is None:
            self._conn = await self._connect()
        reused = self._conn.used
        try:
            return await self._conn.exchange(request, ItemInformationResponse)
        except (ConnectionError, asyncio.IncompleteReadError):
            await self._drop()
            if not reused:
                raise
        self._conn = await self._connect()
        return await self._conn.exchange(request, ItemInformationResponse)

    def _askable(self, barcode: str) -> bool:
        """A barcode SIP2 cannot carry (a delimiter, a control character, too long for a
        field) is not asked about rather than failing the whole batch."""
        try:
            encoded = barcode.encode(self.config.encoding)
        except UnicodeEncodeError:
            return False
        return 0 < len(encoded) <= 255 and not any(c in barcode for c in "|\r\n\x00")

    def _cached(self, barcode: str) -> IlsItem | None:
        item = self._cache.get(barcode)
        if item is None or self._clock() - item.checked_at > self.config.cache_seconds:
            return None
        return item

    def _remember(self, item: IlsItem) -> None:
        self._cache[item.barcode] = item
        self._cache.move_to_end(item.barcode)
        while len(self._cache) > CACHE_LIMIT:
            self._cache.popitem(last=False)

    async def lookup(self, barcodes: Sequence[str]) -> IlsAnswers:
        """Ask about each copy; the whole batch shares one deadline."""
        answers: dict[str, IlsItem] = {}
        for barcode in barcodes:
            cached = self._cached(barcode)
            if cached is not None:
                answers[barcode] = cached
        missing = [
            barcode
            for barcode in dict.fromkeys(barcodes)
            if barcode not in answers and self._askable(barcode)
        ]
        if not missing:
            return IlsAnswers(answers, None)
        if self._monotonic() < self._down_until:
            return IlsAnswers(answers, UNAVAILABLE)
        holding = False
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                async with self._lock:
                    holding = True
                    for barcode in missing:
                        item = await self._ask(barcode)
                        self._remember(item)
                        answers[barcode] = item
        except asyncio.CancelledError:
            if holding:  # a question may be in flight: its answer must not reach the next one
                self._discard()
            raise
        except (TimeoutError, OSError, asyncio.IncompleteReadError, IlsUnavailableError,
                SIP2Error) as exc:  # fmt: skip
            if holding:
                await self._drop()
                self._down_until = self._monotonic() + self.config.retry_seconds
            reason = (
                "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            )
            log.warning(
                "SIP2: %s at %s:%s: %s", UNAVAILABLE, self.config.host, self.config.port, reason
            )
            return IlsAnswers(answers, UNAVAILABLE)
        return IlsAnswers(answers, None)
