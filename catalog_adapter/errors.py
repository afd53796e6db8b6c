"""What can go wrong in the catalog, as our own exceptions: the server maps each to an HTTP
status, so no web framework leaks in here."""


class CatalogError(Exception):
    """Base of every catalog_adapter error."""


class RecordNotFoundError(CatalogError, LookupError):
    """No catalog record (or book link) with that id."""


class InvalidQueryError(CatalogError, ValueError):
    """A search, filter or setting value the catalog cannot use."""


class UnreadableMarcError(CatalogError, ValueError):
    """The file as a whole cannot be read as MARC (not one record could be framed)."""


class UpstreamUnavailableError(CatalogError):
    """A remote catalog (SRU, OAI-PMH) is down, slow or answered something unusable."""
