"""The work render workers do, one function per kind of task. Each takes the worker's
context first and returns plain records; images go straight into the asset store from the
worker, so only hashes travel back over the pipe."""

from __future__ import annotations

from pathlib import Path

from assets.store import AssetStore
from book_renderer.document import open_document, probe
from book_renderer.errors import CorruptDocumentError, PageNotFoundError
from book_renderer.formats import Format
from book_renderer.limits import RenderLimits
from book_renderer.model import BookModelSpec, build_glb, dimensions
from book_renderer.pages import encode_jpeg, rasterise
from book_renderer.pixels import check_image_file, check_page_images
from book_renderer.records import DocumentInfo, ImageRef, PageJob, PageResult
from book_renderer.sizes import PageSize
from book_renderer.spine import paper_texture, spine_texture
from book_renderer.text import assemble, dumps
from book_renderer.words import page_words
from book_renderer.worker_context import WorkerContext


def probe_document(
    _: WorkerContext, path: Path, fmt: Format, fallback_title: str, limits: RenderLimits
) -> DocumentInfo:
    """Open, check and describe a document. Not cached: the file is still in staging."""
    doc = open_document(path, fmt)
    try:
        return probe(doc, path, fmt, fallback_title, limits)
    finally:
        doc.close()


def render_page(context: WorkerContext, job: PageJob) -> PageResult:
    doc = context.document(job.path, job.format)
    if not 1 <= job.number <= doc.page_count:
        raise PageNotFoundError(f"the book has no page {job.number}")
    try:
        page = doc.load_page(job.number - 1)
        if doc.is_pdf:
            check_page_images(page, job.number, job.limits)
        elif job.format.is_image:
            check_image_file(job.path, job.limits)
        store = AssetStore(job.asset_root)
        images: dict[PageSize, ImageRef] = {}
        display_list = page.get_displaylist() if len(job.sizes) > 1 else None
        for size in sorted(job.sizes, key=lambda s: s.long_side, reverse=True):
            encoded = encode_jpeg(rasterise(page, size.long_side, job.limits, display_list))
            ref = store.put_bytes(encoded.data)
            images[size] = ImageRef(ref.digest, encoded.width, encoded.height, ref.size)
        words = page_words(page) if job.words else None
        words_json = dumps(words) if words is not None else None
        text = assemble(words)[0] if words else None
    except (RuntimeError, ValueError) as exc:
        raise CorruptDocumentError(
            f"page {job.number} could not be rendered: the document is damaged "
            f"({type(exc).__name__})"
        ) from None
    return PageResult(job.number, images, words_json, text)


def build_model(
    _: WorkerContext, spec: BookModelSpec, cover: Path | None, asset_root: Path
) -> ImageRef:
    """The book's GLB, with page 1 (the `medium` image at `cover`) on the front board."""
    dims = dimensions(spec)
    paper = paper_texture()
    glb = build_glb(
        spec,
        cover_jpeg=cover.read_bytes() if cover is not None else paper_texture(64),
        spine_jpeg=spine_texture(
            spec.title, (dims.page_height + 2 * dims.overhang) * 1000, dims.spine_width * 1000
        ),
        paper_jpeg=paper,
    )
    ref = AssetStore(asset_root).put_bytes(glb)
    return ImageRef(ref.digest, 0, 0, ref.size)
