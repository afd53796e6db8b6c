"""IIIF: Image API request parsing and info.json, the Presentation 3 manifest and ranges."""

from __future__ import annotations

from typing import Any

import pytest

from book_renderer.formats import Format
from book_renderer.iiif import IiifUrls, manifest, ranges
from book_renderer.iiif_image import (
    IiifBadRequestError,
    IiifNotImplementedError,
    Quality,
    info,
    parse,
)
from book_renderer.records import Book, BookStatus, OutlineEntry, PageBox, PageEntry

W, H = 1448, 2048


@pytest.mark.parametrize(
    ("region", "size", "expected_region", "expected_size"),
    [
        ("full", "max", (0, 0, W, H), (W, H)),
        ("full", "pct:50", (0, 0, W, H), (724, 1024)),
        ("full", "pct:12.5", (0, 0, W, H), (181, 256)),
        ("full", "256,", (0, 0, W, H), (256, 362)),
        ("full", ",512", (0, 0, W, H), (362, 512)),
        ("full", "100,100", (0, 0, W, H), (100, 100)),
        ("full", "!300,300", (0, 0, W, H), (212, 300)),
        ("square", "max", (0, 300, W, W), (W, W)),
        ("1024,1536,512,512", "512,", (1024, 1536, 424, 512), (512, 618)),
        ("pct:50,50,50,50", "max", (724, 1024, 724, 1024), (724, 1024)),
    ],
)
def test_requests_parse_into_pixels(
    region: str, size: str, expected_region: tuple[int, ...], expected_size: tuple[int, int]
) -> None:
    if expected_size == (512, 618):  # a 424 px wide tile cannot be scaled up to 512
        with pytest.raises(IiifBadRequestError, match="upscaling"):
            parse(region, size, "0", "default.jpg", W, H)
        return
    request = parse(region, size, "0", "default.jpg", W, H)
    assert request.region == expected_region
    assert request.size == expected_size


def test_rotation_quality_and_format() -> None:
    request = parse("full", "max", "!90", "gray.png", W, H)
    assert (request.rotation, request.mirror, request.quality, request.format) == (
        90,
        True,
        Quality.gray,
        "png",
    )


@pytest.mark.parametrize(
    ("region", "size", "rotation", "quality_format", "error"),
    [
        ("nonsense", "max", "0", "default.jpg", IiifBadRequestError),
        ("0,0,0,10", "max", "0", "default.jpg", IiifBadRequestError),
        ("5000,0,10,10", "max", "0", "default.jpg", IiifBadRequestError),
        ("full", "pct:150", "0", "default.jpg", IiifBadRequestError),
        ("full", "^max", "0", "default.jpg", IiifNotImplementedError),
        ("full", "max", "45", "default.jpg", IiifNotImplementedError),
        ("full", "max", "400", "default.jpg", IiifBadRequestError),
        ("full", "max", "0", "bitonal.jpg", IiifNotImplementedError),
        ("full", "max", "0", "default.webp", IiifNotImplementedError),
        ("full", "max", "0", "default.exe", IiifBadRequestError),
        ("full", "max", "0", "fancy.jpg", IiifBadRequestError),
    ],
)
def test_bad_and_unsupported_requests(
    region: str, size: str, rotation: str, quality_format: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse(region, size, rotation, quality_format, W, H)


def test_info_json_declares_level1_sizes_and_tiles() -> None:
    document = info("https://lib.example/iiif/b/1", W, H, [(181, 256), (724, 1024), (W, H)])
    assert document["@context"] == "http://iiif.io/api/image/3/context.json"
    assert (document["type"], document["protocol"], document["profile"]) == (
        "ImageService3",
        "http://iiif.io/api/image",
        "level1",
    )
    assert document["sizes"][0] == {"width": 181, "height": 256}
    assert document["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4, 8]}]
    assert "sizeByPct" in document["extraFeatures"]


def _book(outline: tuple[OutlineEntry, ...], pages: int) -> Book:
    return Book(
        id="a" * 24,
        seq=1,
        sha256="a" * 64,
        format=Format.pdf,
        filename="b.pdf",
        bytes=1,
        title="读书之乐",
        authors=("李白",),
        language="zh",
        page_count=pages,
        outline=outline,
        has_text=True,
        status=BookStatus.ready,
        pages_done=pages,
        error_code=None,
        error_message=None,
        model_digest=None,
        created_at=0.0,
        updated_at=0.0,
    )


URLS = IiifUrls("https://lib.example/iiif/" + "a" * 24, "https://lib.example/model.glb")


def test_manifest_is_paged_with_a_canvas_and_image_service_per_page() -> None:
    outline = (OutlineEntry(1, "One", 1), OutlineEntry(1, "Two", 3))
    pages = [PageEntry(n, PageBox(420.0, 595.0), {}) for n in range(1, 5)]
    document = manifest(_book(outline, 4), pages, URLS, URLS.base + "/manifest.json")
    assert document["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert document["behavior"] == ["paged"]
    assert document["label"] == {"zh": ["读书之乐"]}
    assert len(document["items"]) == 4
    canvas = document["items"][0]
    assert (canvas["width"], canvas["height"]) == (1446, 2048)
    annotation = canvas["items"][0]["items"][0]
    assert annotation["motivation"] == "painting"
    assert annotation["target"] == canvas["id"]
    body = annotation["body"]
    assert body["service"] == [
        {"id": URLS.base + "/1", "type": "ImageService3", "profile": "level1"}
    ]
    assert (body["width"], body["height"]) == (canvas["width"], canvas["height"])
    assert [r["label"] for r in document["structures"]] == [{"zh": ["One"]}, {"zh": ["Two"]}]


def test_outline_becomes_nested_ranges_covering_their_pages() -> None:
    outline = (
        OutlineEntry(1, "Part", 1),
        OutlineEntry(2, "Ch 1", 2),
        OutlineEntry(2, "Ch 2", 4),
        OutlineEntry(1, "End", 6),
    )
    built = ranges(outline, 7, URLS, None)
    part, end = built

    def canvases(item: dict[str, Any]) -> list[str]:
        return [str(i["id"]).rsplit("/", 1)[1] for i in item["items"] if i["type"] == "Canvas"]

    assert canvases(part) == ["1"]
    chapter_1, chapter_2 = [i for i in part["items"] if i["type"] == "Range"]
    assert canvases(chapter_1) == ["2", "3"]
    assert canvases(chapter_2) == ["4", "5"]
    assert canvases(end) == ["6", "7"]
    assert end["label"] == {"none": ["End"]}
