"""A closed book as a small GLB, made from a placement alone: front cover with its
title, lettered spine, page block. Used for the 3D view of a book on catalog pages and
kiosks when the book_renderer's own model of it is not available."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from scenes.atlas import encode_jpeg
from scenes.geometry import (
    FACE_BACK,
    FACE_BOTTOM,
    FACE_FRONT,
    FACE_LEFT,
    FACE_RIGHT,
    FACE_TOP,
    oriented_boxes,
)
from scenes.glb import write_glb
from scenes.labels import SpineTypesetter
from scenes.placement import BookPlacement
from scenes.scenegraph import Material, Node, Texture
from scenes.spines import binding_color, book_sizes_mm, ink_for

PX_PER_MM = 3.0
TEXTURE = (2048, 1024)
_PAPER = (238, 230, 208)


def _cover(
    placement: BookPlacement,
    size: tuple[int, int],
    background: tuple[int, int, int],
    typesetter: SpineTypesetter,
) -> Image.Image:
    """A plain cloth cover: a ruled frame, the title, the author."""
    w, h = size
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    ink = ink_for(background)
    inset = round(w * 0.07)
    draw.rectangle((inset, inset, w - inset, h - inset), outline=ink, width=max(2, w // 150))
    title = " ".join(placement.title.split())[:120]
    latin = all(ord(c) < 0x2E80 for c in title)
    size_px = w * 0.1
    words: list[str] = list(title) if not latin else title.split(" ")
    lines: list[str] = []
    while size_px > 10:
        font = typesetter.font(latin and typesetter.latin_ok(title), size_px)
        lines, line = [], ""
        for word in words:
            candidate = f"{line} {word}".strip() if latin else line + word
            if font.getlength(candidate) <= w - 4 * inset:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
        if len(lines) * size_px * 1.25 <= h * 0.45:
            break
        size_px *= 0.85
    font = typesetter.font(latin and typesetter.latin_ok(title), size_px)
    y = h * 0.22
    for line in lines:
        draw.text((w / 2, y), line, font=font, fill=ink, anchor="mt")
        y += size_px * 1.25
    if placement.authors:
        surname, _, given = placement.authors[0].partition(",")
        author = f"{given.strip()} {surname.strip()}".strip()[:60]
        small = typesetter.font(typesetter.latin_ok(author), size_px * 0.6)
        draw.text((w / 2, h * 0.8), author, font=small, fill=ink, anchor="mt")
    return image


def closed_book_glb(placement: BookPlacement, typesetter: SpineTypesetter | None = None) -> bytes:
    """A standing closed book (front cover towards +z, spine on the left), feet at y=0."""
    typesetter = typesetter or SpineTypesetter()
    thickness, height, depth = (float(v) for v in book_sizes_mm([placement])[0])
    background = binding_color(placement)
    tw, th = TEXTURE
    scale = min((tw / 2 - 8) / (depth * PX_PER_MM), (th - 8) / (height * PX_PER_MM), 1.0)
    ppm = PX_PER_MM * scale
    cover_w, cover_h = round(depth * ppm), round(height * ppm)
    page = Image.new("RGB", TEXTURE, _PAPER)
    page.paste(_cover(placement, (cover_w, cover_h), background, typesetter), (0, 0))
    strip = (tw // 2, 0, round(height * ppm), max(4, round(thickness * ppm)))
    typesetter.letter(ImageDraw.Draw(page), strip, placement, background, ink_for(background), ppm)
    cover_patch = (tw // 2 + 8, th - 40)
    ImageDraw.Draw(page).rectangle(
        (cover_patch[0], cover_patch[1], cover_patch[0] + 31, cover_patch[1] + 31), fill=background
    )
    data = encode_jpeg(page, 90)
    texture = Texture("book", data, "image/jpeg", tw, th)

    faces = (FACE_FRONT, FACE_TOP, FACE_LEFT, FACE_RIGHT, FACE_BACK, FACE_BOTTOM)
    size = np.array([[depth, height, thickness]]) / 1000
    center = np.array([[0.0, size[0, 1] / 2, 0.0]])
    geometry, _ = oriented_boxes(
        center, size, np.array([[1.0, 0, 0]]), np.array([[0, 0, 1.0]]), faces
    )
    uv = np.empty((len(faces), 4, 2))
    paper = (tw - 16) / tw, (th - 16) / th
    uv[:] = paper
    cu1, cv1 = cover_w / tw, cover_h / th
    uv[0] = [(0, cv1), (cu1, cv1), (cu1, 0), (0, 0)]  # front cover, BL BR TR TL
    u0, v0 = strip[0] / tw, 0.0
    u1, v1 = (strip[0] + strip[2]) / tw, strip[3] / th
    uv[2] = [(u1, v1), (u1, v0), (u0, v0), (u0, v1)]  # spine on the left face
    uv[4] = [((cover_patch[0] + 16) / tw, (cover_patch[1] + 16) / th)] * 4  # back cover
    geometry.uvs = uv.reshape(-1, 2).astype(np.float32)
    material = Material("book", (1.0, 1.0, 1.0, 1.0), roughness=0.75, texture=texture)
    node = Node(
        "book",
        [(geometry, material)],
        extras={
            "kind": "book",
            "record_id": placement.record_id,
            "book_id": placement.book_id,
            "title": placement.title,
            "call_number": placement.call_number,
            "size_mm": [round(thickness, 1), round(height, 1), round(depth, 1)],
            "model": "closed-book placeholder (no book_renderer model)",
        },
    )
    return write_glb([node], {"kind": "book_model", "record_id": placement.record_id})
