"""Every adapter of catalog_adapter, registered in one place and chosen by a setting value
(READINGROOM_CATALOG=embedded|sru). Add an adapter by adding a factory here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.errors import InvalidQueryError
from catalog_adapter.ports import CatalogPort
from catalog_adapter.sru import SruCatalog, SruClient


@dataclass(frozen=True, slots=True)
class CatalogConfig:
    """What the factories need, built by the server from its settings."""

    database: Path
    default_licence: str = "campus"
    sru_url: str | None = None
    timeout_seconds: float = 10.0


def _embedded(config: CatalogConfig, embedded: EmbeddedCatalog) -> CatalogPort:
    return embedded


def _sru(config: CatalogConfig, embedded: EmbeddedCatalog) -> CatalogPort:
    if not config.sru_url:
        raise InvalidQueryError("READINGROOM_CATALOG=sru needs READINGROOM_SRU_URL")
    client = SruClient(config.sru_url, timeout=config.timeout_seconds)
    return SruCatalog(client, default_licence=config.default_licence)


CatalogFactory = Callable[[CatalogConfig, EmbeddedCatalog], CatalogPort]

CATALOG_ADAPTERS: Mapping[str, CatalogFactory] = MappingProxyType(
    {
        "embedded": _embedded,
        "sru": _sru,
    }
)


def open_catalog(name: str, config: CatalogConfig, embedded: EmbeddedCatalog) -> CatalogPort:
    """The catalog adapter named by the setting. The embedded store always exists: it holds
    imports, harvests, e-book links and circulation even when searches go elsewhere."""
    factory = CATALOG_ADAPTERS.get(name)
    if factory is None:
        raise InvalidQueryError(f"unknown catalog {name!r}; one of: {', '.join(CATALOG_ADAPTERS)}")
    return factory(config, embedded)
