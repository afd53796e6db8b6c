"""The 3D book: named parts, a page mesh ready for a curl, unlit pages, a block as thick as
its pages, the title on the spine, and a GLB that Khronos' validator passes clean."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib
import pytest
from PIL import Image

from book_renderer.model import PAGE_GRID, BookModelSpec, build_glb, dimensions
from book_renderer.spine import CLOTH_RGB, paper_texture, spine_texture

Validate = Callable[[bytes], dict[str, Any]]


def _glb(title: str = "读书之乐 The Joy of Reading", pages: int = 320) -> bytes:
    spec = BookModelSpec(title, pages, 148.0, 210.0)
    dims = dimensions(spec)
    cover = Image.new("RGB", (724, 1024), (30, 60, 120))
    buffer = io.BytesIO()
    cover.save(buffer, "JPEG")
    spine = spine_texture(
        title, (dims.page_height + 2 * dims.overhang) * 1000, dims.spine_width * 1000
    )
    return build_glb(
        spec, cover_jpeg=buffer.getvalue(), spine_jpeg=spine, paper_jpeg=paper_texture()
    )


def _accessor(gltf: pygltflib.GLTF2, index: int) -> np.ndarray[Any, Any]:
    accessor = gltf.accessors[index]
    view = gltf.bufferViews[accessor.bufferView]
    blob = gltf.binary_blob()
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3}[accessor.type]
    dtype = {5126: np.float32, 5123: np.uint16, 5125: np.uint32}[accessor.componentType]
    data = np.frombuffer(blob, dtype, accessor.count * width, view.byteOffset or 0)
    return data.reshape(accessor.count, width) if width > 1 else data


def _mesh(gltf: pygltflib.GLTF2, name: str) -> pygltflib.Mesh:
    (node,) = [n for n in gltf.nodes if n.name == name]
    return gltf.meshes[node.mesh]


def _assert_clean(report: dict[str, Any]) -> None:
    issues = report["issues"]
    assert (issues["numErrors"], issues["numWarnings"]) == (0, 0), issues["messages"]


@pytest.fixture(scope="module")
def book_glb(gltf_validate: Validate) -> bytes:
    """One model for the tests below, validated like every GLB the tests make."""
    glb = _glb()
    _assert_clean(gltf_validate(glb))
    return glb


def test_the_glb_passes_khronos_validator_clean(gltf_validate: Validate) -> None:
    report = gltf_validate(_glb("A", pages=2))
    _assert_clean(report)
    assert "KHR_materials_unlit" in report["info"]["extensionsUsed"]
    assert not report["info"].get("extensionsRequired")


def test_parts_are_named_for_clients(book_glb: bytes) -> None:
    gltf = pygltflib.GLTF2.load_from_bytes(book_glb)
    (root,) = [gltf.nodes[i] for i in gltf.scenes[gltf.scene].nodes]
    assert root.name == "book"
    assert [gltf.nodes[i].name for i in root.children] == [
        "cover",
        "spine",
        "left_stack",
        "right_stack",
        "page",
    ]
    assert gltf.extensionsUsed == ["KHR_materials_unlit"]
    assert not gltf.extensionsRequired
    assert all(
        view.target in (34962, 34963)
        for view in gltf.bufferViews
        if view not in [gltf.bufferViews[i.bufferView] for i in gltf.images]
    )


def test_page_faces_are_unlit_and_the_page_mesh_is_a_24_by_16_grid(book_glb: bytes) -> None:
    gltf = pygltflib.GLTF2.load_from_bytes(book_glb)
    unlit = {m.name for m in gltf.materials if "KHR_materials_unlit" in (m.extensions or {})}
    assert unlit == {"page_left", "page_right", "page_turn"}
    (primitive,) = _mesh(gltf, "page").primitives
    assert gltf.materials[primitive.material].name == "page_turn"
    assert gltf.materials[primitive.material].doubleSided
    columns, rows = PAGE_GRID
    assert (columns, rows) == (24, 16)
    uvs = _accessor(gltf, primitive.attributes.TEXCOORD_0)
    assert len(uvs) == (columns + 1) * (rows + 1)
    assert len(_accessor(gltf, primitive.indices)) == columns * rows * 6
    assert uvs.min() == 0.0
    assert uvs.max() == 1.0
    positions = _accessor(gltf, primitive.attributes.POSITION)
    assert positions[:, 0].max() == pytest.approx(0.148, abs=1e-4)  # page width, hinge at 0
    assert np.ptp(positions[:, 2]) == pytest.approx(0.210, abs=1e-4)
    for stack in ("left_stack", "right_stack"):
        materials = {gltf.materials[p.material].name for p in _mesh(gltf, stack).primitives}
        assert materials == {"page_edge", stack.replace("_stack", "").join(("page_", ""))}


def _stack_height(glb: bytes) -> float:
    gltf = pygltflib.GLTF2.load_from_bytes(glb)
    positions = _accessor(gltf, _mesh(gltf, "right_stack").primitives[0].attributes.POSITION)
    return float(np.ptp(positions[:, 1]))


def test_the_page_block_is_as_thick_as_its_paper(gltf_validate: Validate) -> None:
    thin_glb, thick_glb = _glb(pages=100), _glb(pages=1000)
    _assert_clean(gltf_validate(thin_glb))
    _assert_clean(gltf_validate(thick_glb))
    thin, thick = _stack_height(thin_glb), _stack_height(thick_glb)
    assert thick == pytest.approx(10 * thin, rel=0.01)
    assert thick * 2 == pytest.approx(500 * 0.1 / 1000, rel=0.01)  # 500 leaves of 0.1 mm


def _ink_columns(title: str) -> np.ndarray[Any, Any]:
    pixels = np.asarray(Image.open(io.BytesIO(spine_texture(title, 216, 30)))).astype(float)
    ink = np.abs(pixels - np.array(CLOTH_RGB) * 255).sum(axis=2) > 120
    return np.flatnonzero(ink.any(axis=0))


def test_the_title_is_on_the_spine(book_glb: bytes) -> None:
    short, long = _ink_columns("读书"), _ink_columns("读书之乐 The Joy of Reading")
    assert len(short) > 20
    assert np.ptp(long) > 2 * np.ptp(short)  # the longer title covers more of the spine
    assert abs((short.min() + short.max()) / 2 - 512) < 40  # centred along the spine
    gltf = pygltflib.GLTF2.load_from_bytes(book_glb)
    assert [i.name for i in gltf.images] == ["cover", "spine", "paper"]


def test_panda3d_gltf_loads_it(tmp_path: Path, book_glb: bytes) -> None:
    path = tmp_path / "book.glb"
    path.write_bytes(book_glb)
    script = (
        "from panda3d.core import loadPrcFileData\n"
        "loadPrcFileData('', 'window-type none\\naudio-library-name null\\n"
        "notify-level error')\n"
        "import gltf, sys\n"
        "from panda3d.core import NodePath\n"
        "root = NodePath(gltf.load_model(sys.argv[1]))\n"
        "print(sorted({n.get_name() for n in root.find_all_matches('**')}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for name in ("cover", "spine", "left_stack", "right_stack", "page"):
        assert repr(name) in done.stdout
