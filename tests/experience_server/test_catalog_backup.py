"""A restored backup still lets readers find (export, delete) their own hashed rows."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from catalog_adapter.circulation import Loan
from experience_server.backup import backup_data_dir, restore_data_dir
from experience_server.services import build_library
from experience_server.settings import Settings
from tests.catalog_adapter import marc_samples as ms


def test_backup_carries_the_patron_key(tmp_path: Path) -> None:
    source = Settings(data_dir=tmp_path / "a")
    library = build_library(source)
    library.import_marc(io.BytesIO(ms.binary([ms.book("r1", "Title")])))
    library.add_loans([Loan(patron="alice", record="r1", loaned_at=dt.datetime.now(dt.UTC))])
    library.close()
    backup_data_dir(source, tmp_path / "backup")
    assert (tmp_path / "backup" / "patron-key").stat().st_mode & 0o777 == 0o600
    target = Settings(data_dir=tmp_path / "b")
    restore_data_dir(target, tmp_path / "backup")
    restored = build_library(target)
    try:
        assert [x["record"] for x in restored.export_personal_data("alice")["loans"]] == ["r1"]
    finally:
        restored.close()
