"""`readingroom catalog import-marc` and `import-loans` as a librarian runs them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from experience_server.cli import app
from tests.catalog_adapter import marc_samples as ms


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("READINGROOM_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_import_marc_reports_and_is_idempotent(data_dir: Path, tmp_path: Path) -> None:
    marc = tmp_path / "catalog.mrc"
    marc.write_bytes(
        ms.binary([ms.book("a1", "红楼梦", "曹雪芹", extra=[ms.koha_item("B1")])])
        + ms.iso2709([("001", b"bad"), ("245", b"1\x00\x1faT")], coding="a")
    )
    runner = CliRunner()
    first = runner.invoke(app, ["catalog", "import-marc", str(marc), "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert (report["format"], report["imported"], report["updated"]) == ("marc", 1, 0)
    assert report["rejected"][0]["position"] == 2
    second = runner.invoke(app, ["catalog", "import-marc", str(marc)])
    assert second.exit_code == 0
    assert "0 new, 1 updated" in second.output
    assert "rejected record 2 (byte" in second.output

    loans = tmp_path / "loans.csv"
    now = dt.datetime.now(dt.UTC).isoformat()
    loans.write_text(f"patron,item,loaned_at\nstudent-1,B1,{now}\nstudent-2,NOPE,{now}\n")
    result = runner.invoke(app, ["catalog", "import-loans", str(loans), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["loans"]["stored"], len(body["loans"]["rejected"])) == (1, 1)
    assert b"student-1" not in (data_dir / "readingroom.sqlite3").read_bytes()


def test_a_file_that_is_not_marc_fails_cleanly(data_dir: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    result = CliRunner().invoke(app, ["catalog", "import-marc", str(bogus)])
    assert result.exit_code == 2
    assert "not MARC" in result.output
