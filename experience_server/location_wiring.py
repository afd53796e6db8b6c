"""Builds the location services (RFID intake, SIP2 client, location answers) from settings,
for the lifespan; a bad reader map or SIP2 setting stops startup with a clear message."""

from __future__ import annotations

import codecs
from contextlib import AsyncExitStack
from dataclasses import dataclass

from catalog_adapter.location import LocationService
from catalog_adapter.rfid import Rules
from catalog_adapter.rfid_intake import RfidIntake
from catalog_adapter.rfid_store import RfidLedger
from catalog_adapter.shelf_map import ShelfMapSource
from catalog_adapter.sip2 import Sip2Client, Sip2Config, parse_address
from experience_server.settings import Settings


@dataclass(frozen=True, slots=True)
class LocationParts:
    ledger: RfidLedger
    rfid: RfidIntake
    location: LocationService


def sip2_config(settings: Settings) -> Sip2Config | None:
    if not settings.sip2_address:
        return None
    host, port = parse_address(settings.sip2_address)
    codecs.lookup(settings.sip2_encoding)  # LookupError names an unknown encoding now
    password = settings.sip2_password
    terminal = settings.sip2_terminal_password
    return Sip2Config(
        host=host,
        port=port,
        institution=settings.sip2_institution,
        timeout_seconds=settings.sip2_timeout_seconds,
        encoding=settings.sip2_encoding,
        user=settings.sip2_user,
        password=password.get_secret_value() if password is not None else None,
        location_code=settings.sip2_location_code,
        terminal_password=terminal.get_secret_value() if terminal is not None else None,
        checksums=settings.sip2_checksums,
        cache_seconds=settings.sip2_cache_seconds,
        retry_seconds=settings.sip2_retry_seconds,
    )


async def open_location(settings: Settings, stack: AsyncExitStack) -> LocationParts:
    if settings.rfid_stale_seconds < settings.rfid_departure_seconds:
        raise ValueError("READINGROOM_RFID_STALE_SECONDS must be at least the departure window")
    rules = Rules(settings.rfid_debounce_seconds, settings.rfid_departure_seconds)
    maps = ShelfMapSource(settings.rfid_readers)
    config = sip2_config(settings)
    ledger = RfidLedger(settings.database_path, rules)
    ledger.open()
    stack.callback(ledger.close)
    sip2 = Sip2Client(config) if config is not None else None
    if sip2 is not None:
        stack.push_async_callback(sip2.aclose)
    return LocationParts(
        ledger=ledger,
        rfid=RfidIntake(ledger, maps),
        location=LocationService(ledger, maps, sip2, settings.rfid_stale_seconds),
    )
