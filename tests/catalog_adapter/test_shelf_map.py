"""The reader map file: both formats, every problem named, live reloads."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from catalog_adapter.shelf_map import ShelfMapError, ShelfMapSource, load_shelf_map
from tests.catalog_adapter.maps import READER_MAP_TOML, write_reader_map


def test_toml_map_places_each_antenna(tmp_path: Path) -> None:
    shelf_map = load_shelf_map(write_reader_map(tmp_path))
    place = shelf_map.place("R-3-12", "1")
    assert place is not None
    assert (place.floor, place.range, place.shelf, place.x, place.y) == ("3", "12", "1", 410, 230)
    assert place.label == "Third floor, range 12, shelf 1"
    top = shelf_map.place("R-3-12", "2")
    assert top is not None
    assert top.label == "3F range 12, shelf 2 (top)"
    assert shelf_map.floors["3"].image == "/plans/3f.svg"
    assert shelf_map.collections["MAIN-3F"].label == "Third floor stacks"


def test_json_map_is_the_same_map(tmp_path: Path) -> None:
    as_json = json.dumps(tomllib.loads(READER_MAP_TOML))
    from_json = load_shelf_map(write_reader_map(tmp_path, as_json, "readers.json"))
    from_toml = load_shelf_map(write_reader_map(tmp_path))
    assert from_json.antennas == from_toml.antennas
    assert from_json.floors == from_toml.floors


def test_unknown_reader_and_antenna_are_told_apart(tmp_path: Path) -> None:
    shelf_map = load_shelf_map(write_reader_map(tmp_path))
    assert shelf_map.problem("R-3-12", "1") is None
    assert shelf_map.problem("R-9", "1") == (
        "reader",
        "unknown reader 'R-9': not in the reader map",
    )
    field, reason = shelf_map.problem("R-3-12", "7") or ("", "")
    assert field == "antenna"
    assert "unknown antenna '7' on reader 'R-3-12'" in reason


BROKEN = """\
version = 1
[[floors]]
id = "3"
width = 100
height = 100
[[readers]]
id = "R1"
range = "1"
antennas = [{ antenna = 1, shelf = 1, x = 1, y = 1 }]
[[readers]]
id = "R2"
floor = "3"
range = "1"
antennas = [{ antenna = 1, shelf = 1, x = 500, y = 1 }, { antenna = 1, shelf = 2, x = 1, y = 1 }]
[[readers]]
id = "R2"
floor = "9"
range = "1"
antennas = [{ antenna = 1, shelf = 1, x = 1, y = 1 }]
"""


def test_every_problem_is_named_with_its_place(tmp_path: Path) -> None:
    with pytest.raises(ShelfMapError) as caught:
        load_shelf_map(write_reader_map(tmp_path, BROKEN))
    message = str(caught.value)
    assert "readers[0].antennas[0]: floor is missing" in message
    assert "readers[1].antennas[0]: point (500, 1) lies outside floor '3'" in message
    assert "readers[1].antennas[1]: antenna '1' is declared twice" in message
    assert "readers[2]: reader 'R2' is declared twice" in message
    assert "readers[2].antennas[0]: floor '9' is not declared in floors" in message


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("version = 1\n[[readers]]\nid = 'R'\nflor = '3'\nantennas = []\n", "r.toml",
         "readers[0].flor: Extra inputs are not permitted"),
        ("version = 2\n", "r.toml", "version: Input should be 1"),
        ("version = = 1", "r.toml", "not valid TOML"),
        ("{", "r.json", "not valid JSON"),
        ("version: 1", "r.yaml", "must be a .json or .toml file"),
        ('{"version": 1, "readers": [{"id": "", "floor": "1", "range": "1", "antennas": []}]}',
         "r.json", "readers[0].antennas: List should have at least 1 item"),
    ],
)  # fmt: skip
def test_malformed_files_are_refused(tmp_path: Path, text: str, name: str, expected: str) -> None:
    with pytest.raises(ShelfMapError) as caught:
        load_shelf_map(write_reader_map(tmp_path, text, name))
    assert expected in str(caught.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ShelfMapError, match="cannot read the reader map"):
        load_shelf_map(tmp_path / "absent.toml")


def test_an_edited_map_is_picked_up_and_a_broken_edit_is_ignored(tmp_path: Path) -> None:
    path = write_reader_map(tmp_path)
    source = ShelfMapSource(path)
    assert source.current().place("R-5-01", "1") is None
    added = READER_MAP_TOML + (
        '\n[[readers]]\nid = "R-5-01"\nfloor = "4"\nrange = "9"\n'
        "antennas = [{ antenna = 1, shelf = 3, x = 1, y = 1 }]\n"
    )
    path.write_text(added, encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert source.current().place("R-5-01", "1") is not None
    path.write_text("version = = 1", encoding="utf-8")
    os.utime(path, ns=(2, 2))
    assert source.current().place("R-5-01", "1") is not None, "the last good map is kept"


def test_no_map_configured_means_every_reader_is_unknown() -> None:
    field, reason = ShelfMapSource(None).current().problem("R-3-12", "1") or ("", "")
    assert field == "reader"
    assert "no reader map is configured" in reason
