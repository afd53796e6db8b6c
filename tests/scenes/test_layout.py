"""Books stand on the shelves in their real proportions, in library order, inside the
room, never in each other, and what does not fit is reported."""

from __future__ import annotations

import numpy as np

from scenes.compose import build_room
from scenes.layout import lay_out
from scenes.placement import BookPlacement, RoomBooks, ShelfSelection
from scenes.spines import BOARD_MM, MM_PER_PAGE, OVERHANG_MM, book_sizes_mm
from scenes.template import RoomTemplate, load_builtin_template
from tests.scenes.sample_books import sample_books, sample_room_books


def _book(i: int, pages: int | None = 300, height: float | None = 229.0) -> BookPlacement:
    return BookPlacement(
        f"r{i}",
        f"b{i}",
        f"Title {i}",
        ("Author",),
        f"PN{i + 1}",
        page_count=pages,
        page_width_mm=152.0,
        page_height_mm=height,
    )


def _one_range(
    books: list[BookPlacement], matched: int | None = None
) -> tuple[RoomTemplate, RoomBooks]:
    template = load_builtin_template("quiet-carrels")
    shelf = template.shelf_ranges[0].id
    selection = ShelfSelection(tuple(books), matched or len(books), 5000)
    return template, RoomBooks({shelf: selection}, 5000)


def test_thickness_follows_page_count_and_height_page_size() -> None:
    sizes = book_sizes_mm([_book(0, 100), _book(1, 800), _book(2, None, None)])
    assert sizes[0, 0] == 100 * MM_PER_PAGE + 2 * BOARD_MM
    assert sizes[1, 0] == 800 * MM_PER_PAGE + 2 * BOARD_MM
    assert sizes[0, 1] == 229.0 + 2 * OVERHANG_MM
    assert sizes[2, 1] == 229.0 + 2 * OVERHANG_MM  # an octavo when the catalog is silent
    assert sizes[1, 0] > 3 * sizes[0, 0]


def test_books_stand_in_library_order() -> None:
    template, books = _one_range([_book(i) for i in range(200)])
    layout = lay_out(template, books)
    assert [p.record_id for p in layout.placements] == [f"r{i}" for i in range(200)]
    # top shelf of the first bay first, left to right as a reader facing the shelf sees it
    assert layout.bay[0] == 0
    assert layout.level[0] == 1
    assert layout.position[0] == 0
    key = layout.face * 10_000 + layout.bay * 100 + layout.level
    assert np.all(np.diff(key) >= 0)
    same_line = np.diff(key) == 0
    step = np.einsum("ij,ij->i", np.diff(layout.centers, axis=0), layout.along[1:])
    assert np.all(step[same_line] > 0)


def test_books_sit_on_boards_inside_their_range_and_never_intersect() -> None:
    template = load_builtin_template("european-literature")
    layout = lay_out(template, sample_room_books(template, 1000))
    size = template.size
    half = (
        np.abs(layout.along) * layout.sizes_m[:, :1]
        + np.array([0, 1.0, 0]) * layout.sizes_m[:, 1:2]
        + np.abs(layout.out) * layout.sizes_m[:, 2:]
    ) / 2
    low, high = layout.centers - half, layout.centers + half
    assert np.all(low >= -1e-9)
    assert np.all(high[:, 0] <= size.width)
    assert np.all(high[:, 2] <= size.depth)
    assert np.all(high[:, 1] <= 2.1)
    order = np.lexsort((layout.position, layout.level, layout.bay, layout.face, layout.range_index))
    a, b = order[:-1], order[1:]
    same = (
        (layout.range_index[a] == layout.range_index[b])
        & (layout.bay[a] == layout.bay[b])
        & (layout.level[a] == layout.level[b])
        & (layout.face[a] == layout.face[b])
    )
    overlap = np.all((np.minimum(high[a], high[b]) - np.maximum(low[a], low[b])) > 1e-6, axis=1)
    assert not np.any(overlap & same)


def test_books_that_do_not_fit_are_reported() -> None:
    template, books = _one_range([_book(i, pages=900) for i in range(400)])
    build = build_room(template, books, profiles=["headset"])
    report = build.reports[0]
    assert 0 < report.placed < 400
    assert report.overflow == 400 - report.placed
    assert any("do not fit" in n and "'library-science'" in n for n in build.notices)


def test_a_capped_selection_says_how_many_matched() -> None:
    template, books = _one_range([_book(i) for i in range(10)], matched=100_000)
    build = build_room(template, books, profiles=["headset"])
    assert build.reports[0].matched == 100_000
    assert any("100,000" in n and "5,000" in n for n in build.notices)


def test_empty_shelves_still_make_a_room() -> None:
    template = load_builtin_template("classroom")
    build = build_room(template, RoomBooks({}), profiles=["headset", "desktop"])
    for result in build.profiles.values():
        assert [p.name for p in result.parts] == ["shell"]
        assert result.books == 0


def test_sample_is_deterministic() -> None:
    assert sample_books(50) == sample_books(50)


def test_big_rooms_letter_spines_smaller_to_fit_the_texture_budget() -> None:
    """A 5,000-book room needs about forty 4096-pixel master pages: a headset keeps 256 MB
    of textures by halving the spine density again, and the manifest says so."""
    from types import SimpleNamespace
    from typing import Any, cast

    from scenes.atlas import Atlas
    from scenes.compose import _fitting
    from scenes.profiles import PROFILES

    pages = cast(Any, [SimpleNamespace(width=4096, height=4096)] * 40)
    atlases = {"rest": Atlas(pages, np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros((0, 2)))}
    fitted, notice = _fitting(PROFILES["headset"], atlases)
    assert fitted.atlas_scale == 0.25
    assert 40 * (4096 * fitted.atlas_scale) ** 2 * 4 * 4 / 3 <= 256 * 2**20
    assert "0.5 px per mm" in notice
    unchanged, none = _fitting(
        PROFILES["headset"],
        {"rest": Atlas(pages[:3], np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros((0, 2)))},
    )
    assert unchanged == PROFILES["headset"]
    assert none == ""
