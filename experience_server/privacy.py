"""The hook for a reader's own data: each package that stores personal data registers a
provider, and `/api/v1/me/data` exports or deletes across all of them at once."""

from __future__ import annotations

from typing import Any, Protocol


class PersonalData(Protocol):
    """Export and delete everything one user id owns in one package."""

    def export_personal_data(self, user: str) -> dict[str, Any]: ...

    def delete_personal_data(self, user: str) -> dict[str, int]: ...


class PersonalDataRegistry:
    """Providers by name (`catalog`, `sync`, ...); built in the lifespan."""

    def __init__(self) -> None:
        self._providers: dict[str, PersonalData] = {}

    def register(self, name: str, provider: PersonalData) -> None:
        if name in self._providers:
            raise ValueError(f"a personal-data provider named {name!r} is already registered")
        self._providers[name] = provider

    def names(self) -> list[str]:
        return sorted(self._providers)

    def export(self, user: str) -> dict[str, dict[str, Any]]:
        return {name: p.export_personal_data(user) for name, p in sorted(self._providers.items())}

    def delete(self, user: str) -> dict[str, dict[str, int]]:
        return {name: p.delete_personal_data(user) for name, p in sorted(self._providers.items())}
