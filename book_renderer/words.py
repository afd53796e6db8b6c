"""Extracting a page's words in a render worker, while the page is loaded anyway."""

from __future__ import annotations

import pymupdf

from book_renderer.text import Word, normalise_words


def page_words(page: pymupdf.Page) -> list[Word]:
    rect = page.rect
    try:
        raw = page.get_text("words", sort=False)
    except (RuntimeError, ValueError):
        return []
    return normalise_words(raw, rect.x0, rect.y0, rect.width, rect.height)
