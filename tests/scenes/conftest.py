"""Fixtures for the scenes tests: built rooms and a preview worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scenes.compose import RoomBuild, build_room
from scenes.labels import SpineTypesetter
from scenes.preview.renderer import PreviewRenderer
from scenes.template import builtin_template_names, load_builtin_template
from tests.scenes.sample_books import sample_room_books
from tests.support.tools import missing


@pytest.fixture(scope="session")
def typesetter() -> SpineTypesetter:
    return SpineTypesetter()


@pytest.fixture(scope="session")
def built_rooms(typesetter: SpineTypesetter) -> dict[str, RoomBuild]:
    """Every shipped template, filled from a 1,000-book sample, in every profile."""
    out = {}
    for name in builtin_template_names():
        template = load_builtin_template(name)
        out[name] = build_room(template, sample_room_books(template, 1000), typesetter=typesetter)
    return out


@pytest.fixture(scope="session")
def preview_renderer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewRenderer]:
    renderer = PreviewRenderer(tmp_path_factory.mktemp("preview-scratch"))
    status = renderer.start()
    if not status.ok:
        renderer.close()
        missing(f"no offscreen OpenGL here: {status.detail}")
    yield renderer
    renderer.close()
