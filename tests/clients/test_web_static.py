"""The web client as files: every module parses, every bare import resolves through the
page's import map to a file the app serves under /vendor/, and no module writes HTML
from strings (annotation bodies must stay text)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.tools import require_tool

WEB = Path(__file__).resolve().parents[2] / "clients" / "web"
SOURCES = sorted((WEB / "src").rglob("*.js"))
IMPORT = re.compile(
    r"""(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]""",
    re.MULTILINE,
)


def _code(path: Path) -> str:
    """The module without comments (JSDoc mentions imports and sinks in prose)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    return re.sub(r"(?m)^\s*//.*$", "", text)


def _import_map() -> dict[str, str]:
    html = (WEB / "index.html").read_text()
    block = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert block, "index.html has no import map"
    imports: dict[str, str] = json.loads(block.group(1))["imports"]
    return imports


def _resolve(specifier: str, imports: dict[str, str]) -> Path:
    if specifier in imports:
        url = imports[specifier]
    else:
        prefix = max((k for k in imports if k.endswith("/") and specifier.startswith(k)), key=len)
        url = imports[prefix] + specifier[len(prefix) :]
    assert url.startswith("/vendor/"), url
    return WEB / "node_modules" / url.removeprefix("/vendor/")


def test_every_bare_import_resolves_through_the_import_map() -> None:
    imports = _import_map()
    seen: set[Path] = set()
    pending = list(SOURCES)
    unmapped: list[str] = []
    while pending:
        path = pending.pop()
        if path in seen or path.name.endswith(".d.ts"):
            continue
        seen.add(path)
        for match in IMPORT.finditer(_code(path)):
            specifier = match.group(1) or match.group(2)
            if specifier.startswith(("./", "../")):
                pending.append((path.parent / specifier).resolve())
                continue
            if specifier.startswith(("/", "http")):
                continue
            known = specifier in imports or any(
                k.endswith("/") and specifier.startswith(k) for k in imports
            )
            if not known:
                unmapped.append(f"{specifier} (from {path.name})")
                continue
            target = _resolve(specifier, imports)
            assert target.is_file(), f"{specifier} maps to a missing file {target}"
            if "three/" not in str(target) or specifier.startswith("three/addons/"):
                pending.append(target.resolve())
    assert not unmapped, f"bare imports missing from the import map: {sorted(set(unmapped))}"


def test_every_module_parses() -> None:
    node = require_tool("node")
    for path in SOURCES:
        result = subprocess.run(
            [node, "--check", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{path.name}: {result.stderr}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_module_writes_html_from_strings(path: Path) -> None:
    text = _code(path)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser"):
        assert sink not in text, f"{path.name} uses {sink}"


def test_the_app_serves_the_client_and_its_vendored_modules(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<script type="importmap">' in page.text
    for url in set(_import_map().values()):
        if url.endswith("/"):
            continue
        assert client.get(url).status_code == 200, url
    assert (
        client.get("/src/main.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
