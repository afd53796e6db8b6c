"""Docs that tests keep honest: every setting documented, every house path explained."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from experience_server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
HOUSE = [
    "experience_server",
    "book_renderer",
    "scenes",
    "assets",
    "sync",
    "catalog_adapter",
    "clients/web",
    "clients/xr",
    "tests",
    "benchmarks",
]


def documented_text() -> str:
    parts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(path.read_text(encoding="utf-8") for path in parts)


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    name = f"READINGROOM_{field.upper()}"
    assert re.search(rf"\b{name}\b", documented_text()), f"{name} is not documented"


def test_documented_settings_exist() -> None:
    named = set(re.findall(r"\bREADINGROOM_([A-Z0-9_]+)\b", documented_text()))
    unknown = {n for n in named if n.lower() not in Settings.model_fields}
    assert not unknown, f"docs name settings that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize("path", HOUSE)
def test_every_house_path_says_what_it_holds(path: str) -> None:
    folder = ROOT / path
    assert folder.is_dir()
    init = folder / "__init__.py"
    readme = folder / "README.md"
    if init.is_file() and init.read_text().strip():
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring and len(docstring) > 40
    else:
        assert readme.is_file() and len(readme.read_text()) > 40


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text().split("\n## ", 2)[:2]
    text = "\n".join(head)
    assert "make demo" in text and "make test" in text
