"""Spine lettering. Each spine is typeset as a horizontal strip (the book's head at the
left), so Latin titles are drawn without rotating pixels and the GLB's UVs turn the strip
upright; CJK titles stand upright, one character under the other, as on CJK bindings.

Fonts come from PyMuPDF's own builtins, so every install can letter every title: Nimbus
Roman Bold for Latin scripts, Droid Sans Fallback for CJK and everything else. They are
read in a short-lived child process: importing PyMuPDF would add about 100 MB to the
server's resident memory for good, for two font files."""

from __future__ import annotations

import io
import multiprocessing
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor

from PIL import Image, ImageDraw, ImageFont

from scenes.placement import BookPlacement

Color = tuple[int, int, int]

_SIZES = (5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 23, 26, 30, 34, 40, 48)
"""Font sizes are snapped to these so a few font objects serve every spine."""
_MAX_STAMPS = 20_000
STICKER_PAPER: Color = (246, 244, 236)
STICKER_INK: Color = (20, 20, 20)


def _snap(size: float) -> int:
    best = _SIZES[0]
    for candidate in _SIZES:
        if candidate <= size:
            best = candidate
    return best


def call_number_lines(call_number: str, max_lines: int = 4) -> list[str]:
    """Split an LC call number the way spine stickers print it: class, number, cutters,
    date ("PQ4315.5 .A1 1990" -> PQ / 4315.5 / .A1 / 1990)."""
    text = " ".join(call_number.split())
    if not text:
        return []
    text = re.sub(r"^([A-Za-z]{1,3})\s*(\d)", r"\1 \2", text)
    text = re.sub(r"\s*(\.[A-Za-z])", r" \1", text)
    parts = text.split(" ")
    if len(parts) > max_lines:
        parts = [*parts[: max_lines - 1], " ".join(parts[max_lines - 1 :])]
    return parts


def _read_builtin_fonts(names: tuple[str, ...]) -> list[tuple[bytes, list[int]]]:
    """Runs in the child: each font's file bytes and code points."""
    import pymupdf  # the child's alone: see the module docstring

    fonts = [pymupdf.Font(name) for name in names]
    return [(bytes(f.buffer), [int(c) for c in f.valid_codepoints()]) for f in fonts]


def builtin_fonts(*names: str) -> list[tuple[bytes, frozenset[int]]]:
    """Fonts PyMuPDF carries inside its wheel, read by a fresh child process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        fonts = pool.submit(_read_builtin_fonts, names).result(timeout=120)
    return [(buffer, frozenset(codepoints)) for buffer, codepoints in fonts]


def _clean(text: str, limit: int = 160) -> str:
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text[:limit]


def _is_upright_script(text: str) -> bool:
    """CJK titles are set upright; a title that is mostly CJK counts as one."""
    cjk = sum(1 for c in text if unicodedata.east_asian_width(c) in ("W", "F"))
    return cjk > 0 and cjk >= len(text.replace(" ", "")) / 2


class SpineTypesetter:
    """Owns the fonts (loaded once per build) and letters spine strips onto atlas pages."""

    def __init__(self) -> None:
        (self._latin_buffer, codepoints), (self._fallback_buffer, _) = builtin_fonts("tibo", "cjk")
        self._latin_chars = frozenset(chr(c) for c in codepoints)
        self._fonts: dict[tuple[bool, int], ImageFont.FreeTypeFont] = {}
        self._turned: dict[tuple[bool, int], ImageFont.TransposedFont] = {}
        self._stamps: dict[tuple[str, int], Image.Image] = {}

    def font(self, latin: bool, size: float) -> ImageFont.FreeTypeFont:
        key = (latin, _snap(size))
        font = self._fonts.get(key)
        if font is None:
            buffer = self._latin_buffer if latin else self._fallback_buffer
            font = ImageFont.truetype(io.BytesIO(buffer), key[1])
            self._fonts[key] = font
        return font

    def turned(self, latin: bool, size: float) -> ImageFont.TransposedFont:
        """The font turned a quarter counter-clockwise: upright on the spine once the
        strip is mapped onto it."""
        key = (latin, _snap(size))
        font = self._turned.get(key)
        if font is None:
            font = ImageFont.TransposedFont(self.font(latin, size), Image.Transpose.ROTATE_90)
            self._turned[key] = font
        return font

    def latin_ok(self, text: str) -> bool:
        """Whether the Latin face has every character of `text`."""
        return self._latin_chars.issuperset(text)

    def letter(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[int, int, int, int],
        placement: BookPlacement,
        background: Color,
        ink: Color,
        px_per_mm: float,
    ) -> None:
        """Letter one spine into `box` = (left, top, length, thickness) of the page `draw`
        draws on."""
        left, top, length, thick = box
        draw.rectangle((left, top, left + length - 1, top + thick - 1), fill=background)
        rule = max(1, round(0.4 * px_per_mm))
        for at in (0.03, 0.045):
            u = left + round(at * length)
            draw.rectangle(
                (u, top + round(thick * 0.12), u + rule - 1, top + thick - 1 - round(thick * 0.12)),
                fill=ink,
            )
        thickness_mm = thick / px_per_mm
        zone_end = length - round(4 * px_per_mm)
        if thickness_mm >= 9.0 and placement.call_number.strip():
            zone_end = self._sticker(draw, box, placement.call_number, px_per_mm)
        zone_start = round(0.07 * length)
        title = _clean(placement.title) or placement.record_id
        if _is_upright_script(title):
            self._upright(draw, (left + zone_start, top, zone_end - zone_start, thick), title, ink)
        else:
            author = placement.authors[0].split(",")[0].strip() if placement.authors else ""
            self._along(
                draw,
                (left + zone_start, top, zone_end - zone_start, thick),
                title,
                _clean(author, 40),
                ink,
            )

    def _along(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[int, int, int, int],
        title: str,
        author: str,
        ink: Color,
    ) -> None:
        """Latin lettering running head to tail, reading with the head tilted right."""
        left, top, length, thick = box
        latin = self.latin_ok(title + author)
        size = min(thick * 0.55, length * 0.2)
        font = self.font(latin, size)
        author_len = 0.0
        if author:
            small = self.font(latin, size * 0.75)
            author_len = small.getlength(author) + thick * 0.8
            if author_len > length * 0.35:
                author_len = 0.0
        room = length - author_len
        needed = font.getlength(title)
        if needed > room:
            font = self.font(latin, max(font.size * room / needed, size * 0.6))
            if font.getlength(title) > room:
                title = _fit(font, title, room)
        middle = top + thick / 2
        draw.text((left, middle), title, font=font, fill=ink, anchor="lm")
        if author_len:
            draw.text((left + length, middle), author, font=small, fill=ink, anchor="rm")

    def _upright(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[int, int, int, int],
        title: str,
        ink: Color,
    ) -> None:
        """CJK lettering: upright characters stacked from head to tail."""
        left, top, length, thick = box
        size = min(thick * 0.7, length / 4)
        font = self.turned(False, size)
        step = self.font(False, size).size * 1.08
        chars = [c for c in title if not c.isspace()][: max(1, int(length // step))]
        for i, char in enumerate(chars):
            self._turned_text(draw, font, char, left + step * (i + 0.5), top + thick / 2, ink)

    def _sticker(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[int, int, int, int],
        call_number: str,
        px_per_mm: float,
    ) -> int:
        """A white call-number label near the tail, printed upright; returns where the
        title zone has to end."""
        left, top, length, thick = box
        sticker_len = round(min(32 * px_per_mm, length * 0.2))
        start = length - round(10 * px_per_mm) - sticker_len
        across = max(2, round(thick * 0.8))
        inset = (thick - across) // 2
        draw.rectangle(
            (left + start, top + inset, left + start + sticker_len - 1, top + inset + across - 1),
            fill=STICKER_PAPER,
        )
        lines = call_number_lines(call_number)
        if lines:
            widest = max(len(line) for line in lines)
            size = min(across * 0.92 / max(widest * 0.6, 1), sticker_len / (len(lines) * 1.25))
            font = self.turned(self.latin_ok("".join(lines)), size)
            step = sticker_len / len(lines)
            for i, line in enumerate(lines):
                self._turned_text(
                    draw, font, line, left + start + step * (i + 0.5), top + thick / 2, STICKER_INK
                )
        return start - round(3 * px_per_mm)

    def _turned_text(
        self,
        draw: ImageDraw.ImageDraw,
        font: ImageFont.TransposedFont,
        text: str,
        u: float,
        v: float,
        ink: Color,
    ) -> None:
        """Text that stands upright on the spine, centred on strip point (u, v). Turned
        runs are rendered once per text and size and stamped from then on: call-number
        classes, years and CJK characters repeat from book to book."""
        upright = font.font
        assert isinstance(upright, ImageFont.FreeTypeFont)
        key = (text, id(font))  # turned fonts live as long as the typesetter
        mask = self._stamps.get(key)
        if mask is None:
            ascent, descent = upright.getmetrics()
            across = max(1, round(upright.getlength(text)))
            mask = Image.new("L", (ascent + descent, across))
            ImageDraw.Draw(mask).text((0, 0), text, font=font, fill=255)
            if len(self._stamps) > _MAX_STAMPS:
                self._stamps.clear()
            self._stamps[key] = mask
        draw.bitmap((round(u - mask.width / 2), round(v - mask.height / 2)), mask, fill=ink)


def _fit(font: ImageFont.FreeTypeFont, text: str, room: float) -> str:
    """The longest prefix of `text` (with an ellipsis) that fits in `room` pixels."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(text[:mid] + "…") <= room:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…" if lo else ""
