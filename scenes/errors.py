"""What can go wrong in building a room, as plain exceptions: the server maps each type to
its HTTP status, so nothing in `scenes` knows about HTTP."""

from __future__ import annotations

from dataclasses import dataclass


class SceneError(Exception):
    """Base of every error `scenes` raises on purpose."""


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    """One problem in a room template, located by the path of the field it concerns."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class InvalidTemplateError(SceneError):
    """A room template that cannot be built; `issues` names every offending field."""

    def __init__(self, issues: list[TemplateIssue]) -> None:
        self.issues = issues
        first = issues[0] if issues else None
        where = ".".join(str(part) for part in first.loc) if first else "template"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"invalid room template: {where}: {first.msg if first else ''}{more}")

    @property
    def detail(self) -> list[dict[str, object]]:
        """Every issue as `{"loc", "msg", "type"}`, the shape request validation uses."""
        return [issue.as_dict() for issue in self.issues]


class PreviewUnavailableError(SceneError):
    """Previews cannot be rendered here (no OpenGL display, or previews are switched off)."""


class PreviewFailedError(SceneError):
    """One preview did not render (the GLB did not load, or the worker timed out)."""
