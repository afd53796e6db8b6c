"""IIIF Presentation 3 manifests for books: paged behaviour, a canvas per page painted with
the page's Image API service, and the book's outline as ranges, so Mirador, Universal
Viewer and the Internet Archive BookReader open our books as they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from book_renderer.iiif_image import PROFILE
from book_renderer.records import Book, OutlineEntry, PageEntry
from book_renderer.sizes import PageSize, scaled_size

CONTEXT = "http://iiif.io/api/presentation/3/context.json"


@dataclass(frozen=True, slots=True)
class IiifUrls:
    """Where things live, so the manifest holds absolute URIs as IIIF requires."""

    base: str  # e.g. https://library.example.edu/iiif/<book id>
    model: str

    def service(self, number: int) -> str:
        return f"{self.base}/{number}"

    def canvas(self, number: int) -> str:
        return f"{self.base}/canvas/{number}"


def page_sizes(page: PageEntry) -> dict[PageSize, tuple[int, int]]:
    """Each rendering's pixel size: as stored when it exists, else as it will be made."""
    out = {}
    for size in PageSize:
        ref = page.images.get(size)
        out[size] = (
            (ref.width, ref.height)
            if ref
            else scaled_size(page.box.width_pt, page.box.height_pt, size.long_side)
        )
    return out


def _label(text: str, language: str | None) -> dict[str, list[str]]:
    return {language or "none": [text]}


def _metadata(book: Book) -> list[dict[str, Any]]:
    rows = [("Title", book.title)]
    if book.authors:
        rows.append(("Author", "; ".join(book.authors)))
    if book.language:
        rows.append(("Language", book.language))
    rows.append(("Pages", str(book.page_count)))
    rows.append(("Format", book.format.value))
    return [{"label": {"en": [label]}, "value": {"none": [value]}} for label, value in rows]


def _canvas(book: Book, page: PageEntry, urls: IiifUrls) -> dict[str, Any]:
    sizes = page_sizes(page)
    width, height = sizes[PageSize.full]
    thumb_w, thumb_h = sizes[PageSize.thumb]
    canvas_id = urls.canvas(page.number)
    service = urls.service(page.number)
    service_ref = [{"id": service, "type": "ImageService3", "profile": PROFILE}]
    return {
        "id": canvas_id,
        "type": "Canvas",
        "label": {"none": [str(page.number)]},
        "width": width,
        "height": height,
        "thumbnail": [
            {
                "id": f"{service}/full/{thumb_w},{thumb_h}/0/default.jpg",
                "type": "Image",
                "format": "image/jpeg",
                "width": thumb_w,
                "height": thumb_h,
                "service": service_ref,
            }
        ],
        "items": [
            {
                "id": f"{canvas_id}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas_id}/page/image",
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas_id,
                        "body": {
                            "id": f"{service}/full/max/0/default.jpg",
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": width,
                            "height": height,
                            "service": service_ref,
                        },
                    }
                ],
            }
        ],
    }


@dataclass
class _Node:
    index: int
    entry: OutlineEntry
    children: list[_Node] = field(default_factory=list)


def ranges(
    outline: Sequence[OutlineEntry], page_count: int, urls: IiifUrls, language: str | None
) -> list[dict[str, Any]]:
    """The outline as nested ranges: each holds the canvases from its page up to its first
    subsection (or to the next section at its level), then its subsections."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    for index, entry in enumerate(outline):
        node = _Node(index, entry)
        while stack and stack[-1].entry.level >= entry.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end_of(index: int) -> int:
        level = outline[index].level
        for later in outline[index + 1 :]:
            if later.level <= level:
                return later.page
        return page_count + 1

    def build(node: _Node) -> dict[str, Any]:
        start = node.entry.page
        end = max(end_of(node.index), start + 1)
        stop = min(node.children[0].entry.page, end) if node.children else end
        items: list[dict[str, Any]] = [
            {"id": urls.canvas(n), "type": "Canvas"} for n in range(start, max(start, stop))
        ]
        items.extend(build(child) for child in node.children)
        if not items:
            items.append({"id": urls.canvas(start), "type": "Canvas"})
        return {
            "id": f"{urls.base}/range/{node.index + 1}",
            "type": "Range",
            "label": _label(node.entry.title, language),
            "items": items,
        }

    return [build(root) for root in roots]


def manifest(
    book: Book, pages: Sequence[PageEntry], urls: IiifUrls, manifest_id: str
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": _label(book.title, book.language),
        "metadata": _metadata(book),
        "behavior": ["paged"],
        "viewingDirection": "left-to-right",
        "items": [_canvas(book, page, urls) for page in pages],
        "rendering": [
            {
                "id": urls.model,
                "type": "Model",
                "label": {"en": ["3D book (glTF binary)"]},
                "format": "model/gltf-binary",
            }
        ],
    }
    if pages:
        document["thumbnail"] = _canvas(book, pages[0], urls)["thumbnail"]
    if book.outline:
        document["structures"] = ranges(book.outline, book.page_count, urls, book.language)
    return document
