"""W3C Web Annotation export and import of a room's annotations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sync.errors import InvalidAnnotation, NotAllowed
from sync.members import Layer
from sync.service import SessionService
from sync.w3c import export_collection, import_annotation
from tests.sync.conftest import ALICE, BOB, GUEST, ClientFactory, until

BASE = "https://library.example"

HIGHLIGHT = {
    "type": "highlight",
    "book": "b42",
    "page": 7,
    "target": {
        "quote": {"exact": "the reading room", "prefix": "in ", "suffix": " of"},
        "position": {"start": 120, "end": 136},
        "rect": {"x": 0.125, "y": 0.4, "w": 0.5, "h": 0.03},
    },
    "body": "",
    "color": "#ffcc00",
    "creator": "alice",
    "created": 1764000000000,
}


async def test_browser_written_annotations_export_as_w3c(
    clients: ClientFactory, service: SessionService
) -> None:
    alice = clients(ALICE)
    await alice.synced.wait()
    alice.set("h1", HIGHLIGHT)
    alice.set("n1", {**HIGHLIGHT, "type": "note", "body": "see chapter 2", "page": 8})
    alice.set("junk", {"type": "scribble"})
    found: list[Any] = []

    async def poll() -> bool:
        found[:] = await service.annotations("r", BOB, [Layer.shared])
        return len(found) == 2

    for _ in range(200):
        if await poll():
            break
        await asyncio.sleep(0.01)
    collection = export_collection((a for _, a in found), base_url=BASE, room="r", label="r")
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 2
    highlight, note = collection["first"]["items"]
    assert highlight["motivation"] == "highlighting" and note["motivation"] == "commenting"
    assert note["body"]["value"] == "see chapter 2"
    target = highlight["target"]
    assert target["source"] == f"{BASE}/api/v1/books/b42/pages/7"
    selectors = {s["type"]: s for s in target["selector"]}
    assert selectors["TextQuoteSelector"] == {
        "type": "TextQuoteSelector",
        "exact": "the reading room",
        "prefix": "in ",
        "suffix": " of",
    }
    assert selectors["TextPositionSelector"] == {
        "type": "TextPositionSelector",
        "start": 120,
        "end": 136,
    }
    assert selectors["FragmentSelector"]["value"] == "xywh=percent:12.5,40,50,3"
    assert selectors["FragmentSelector"]["conformsTo"] == "http://www.w3.org/TR/media-frags/"
    assert "#ffcc00" in highlight["stylesheet"]["value"]
    assert highlight["created"] == "2025-11-24T16:00:00Z"


async def test_import_writes_into_the_layer_and_round_trips(
    clients: ClientFactory, service: SessionService
) -> None:
    watcher = clients(BOB)
    await watcher.synced.wait()
    exported = export_collection(
        [
            import_annotation(
                {
                    "type": "Annotation",
                    "motivation": "commenting",
                    "body": {"type": "TextualBody", "value": "hello"},
                    "target": {
                        "source": f"{BASE}/api/v1/books/b1/pages/3",
                        "selector": [
                            {"type": "TextQuoteSelector", "exact": "quoted"},
                            {"type": "FragmentSelector", "value": "xywh=percent:10,20,30,40"},
                        ],
                    },
                },
                creator="someone",
            )
        ],
        base_url=BASE,
        room="r",
        label="r",
    )
    ids = await service.import_annotations("r", ALICE, Layer.shared, exported)
    await until(lambda: ids[0] in watcher.get())
    again = await service.import_annotations("r", ALICE, Layer.shared, exported)
    assert again == ids, "importing the same annotation twice updates it"
    ((layer, annotation),) = await service.annotations("r", BOB, [Layer.shared])
    assert layer is Layer.shared and annotation.body == "hello" and annotation.page == 3
    assert annotation.creator == "alice"
    assert annotation.rect is not None and annotation.rect.h == pytest.approx(0.4)


async def test_import_respects_layer_permissions(service: SessionService) -> None:
    one = {"type": "Annotation", "target": f"{BASE}/api/v1/books/b1/pages/1"}
    with pytest.raises(NotAllowed):
        await service.import_annotations("r", GUEST, Layer.shared, one)
    with pytest.raises(NotAllowed):
        await service.import_annotations("r", ALICE, Layer.presenter, one)
    assert await service.import_annotations("r", ALICE, Layer.private, one)
    assert await service.annotations("r", BOB, [Layer.private]) == []


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"type": "Note"}, "type must be 'Annotation'"),
        ({"type": "Annotation", "target": "https://x.example/doc"}, "book page"),
        (
            {
                "type": "Annotation",
                "target": {
                    "source": f"{BASE}/api/v1/books/b/pages/1",
                    "selector": {"type": "FragmentSelector", "value": "xywh=1,2,3,4"},
                },
            },
            "percent",
        ),
        (
            {
                "type": "Annotation",
                "target": {
                    "source": f"{BASE}/api/v1/books/b/pages/1",
                    "selector": {"type": "TextPositionSelector", "start": 5, "end": 2},
                },
            },
            "start <= end",
        ),
        (
            {
                "type": "Annotation",
                "target": {
                    "source": f"{BASE}/api/v1/books/b/pages/1",
                    "selector": {"type": "FragmentSelector", "value": "xywh=percent:90,0,20,5"},
                },
            },
            "within the page",
        ),
    ],
)
def test_bad_annotations_are_refused_with_a_reason(item: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidAnnotation, match=message):
        import_annotation(item, creator="alice")
