"""Spine lettering: titles in Latin and CJK scripts render as real glyphs (not missing-
glyph boxes), call numbers print on a sticker, and the fonts ship with PyMuPDF."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from scenes.labels import SpineTypesetter, call_number_lines
from scenes.placement import BookPlacement

INK = (222, 190, 112)
BACK = (30, 30, 40)


def _strip(typesetter: SpineTypesetter, title: str, call_number: str = "") -> np.ndarray:
    page = Image.new("RGB", (480, 48), (0, 0, 0))
    book = BookPlacement("r", None, title, ("Author",), call_number)
    typesetter.letter(ImageDraw.Draw(page), (0, 0, 480, 48), book, BACK, INK, 2.0)
    return np.asarray(page).astype(int)


def _inked(strip: np.ndarray, zone: slice = slice(40, 300)) -> int:
    region = strip[:, zone]
    return int((np.abs(region - np.array(BACK)).sum(axis=2) > 60).sum())


def test_cjk_titles_render_distinct_glyphs(typesetter: SpineTypesetter) -> None:
    faust = _strip(typesetter, "浮士德")
    misérables = _strip(typesetter, "悲惨世界")
    assert _inked(faust) > 100
    assert _inked(misérables) > 100
    # Missing glyphs would all be the same box: different titles must differ.
    assert np.abs(faust[:, 40:300] - misérables[:, 40:300]).sum() > 10_000


def test_cjk_characters_stand_upright_one_under_another(typesetter: SpineTypesetter) -> None:
    strip = _strip(typesetter, "神曲神曲")
    inked = np.abs(strip - np.array(BACK)).sum(axis=2) > 60
    columns = inked[:, 40:300].any(axis=0)
    # stacked characters leave gaps between them along the spine
    runs = int(columns[0]) + int((np.diff(columns.astype(int)) == 1).sum())
    assert runs == 4


def test_latin_titles_letter_along_the_spine(typesetter: SpineTypesetter) -> None:
    strip = _strip(typesetter, "Die Leiden des jungen Werthers")
    assert _inked(strip) > 300
    assert _inked(_strip(typesetter, "Anna Karenina")) != _inked(strip)


def test_very_long_titles_are_shortened_not_overprinted(typesetter: SpineTypesetter) -> None:
    strip = _strip(typesetter, "A " * 300, "PQ2603 .E362 1999")
    sticker = strip[:, 390:460]
    assert (sticker > 200).all(axis=2).sum() > 500  # the white sticker is still there


def test_call_numbers_split_like_spine_labels() -> None:
    assert call_number_lines("PQ2603 .E362 L4 1999") == ["PQ", "2603", ".E362", "L4 1999"]
    assert call_number_lines("PN56.A1") == ["PN", "56", ".A1"]
    assert call_number_lines("") == []
