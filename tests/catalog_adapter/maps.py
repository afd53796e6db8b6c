"""A small reader map for tests: third floor, range 12 with two shelf antennas on reader
R-3-12, and a reader on the fourth floor."""

from __future__ import annotations

from pathlib import Path

READER_MAP_TOML = """\
version = 1

[[floors]]
id = "3"
name = "Third floor"
plan = "/plans/3f.svg"
width = 1200
height = 800

[[floors]]
id = "4"
name = "Fourth floor"

[[readers]]
id = "R-3-12"
floor = "3"
range = "12"
antennas = [
  { antenna = 1, shelf = 1, x = 410.0, y = 230.0 },
  { antenna = 2, shelf = 2, x = 410.0, y = 236.0, label = "3F range 12, shelf 2 (top)" },
]

[[readers]]
id = "R-4-02"
floor = "4"
range = "2"
antennas = [{ antenna = "A", shelf = "5", x = 20, y = 40 }]

[[collections]]
code = "MAIN-3F"
floor = "3"
x = 600
y = 400
label = "Third floor stacks"
"""


def write_reader_map(
    directory: Path, text: str = READER_MAP_TOML, name: str = "readers.toml"
) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
