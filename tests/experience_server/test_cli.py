"""The `readingroom` command as an operator runs it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import jwt

ROOT = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "experience_server", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_token_command_signs_a_verifiable_token(tmp_path: Path) -> None:
    result = run(tmp_path, "token", "--user", "t.li", "--role", "teacher", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    secret = (tmp_path / "token-secret").read_bytes()
    claims = jwt.decode(out["token"], secret, algorithms=["HS256"], audience="readingroom")
    assert claims["sub"] == "t.li" and claims["role"] == "teacher"


def test_token_command_refuses_an_unknown_role(tmp_path: Path) -> None:
    result = run(tmp_path, "token", "--user", "x", "--role", "wizard")
    assert result.returncode == 2
    assert "unknown role 'wizard'" in result.stderr
    assert "Traceback" not in result.stderr


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "readingroom.sqlite3")
    conn.execute("CREATE TABLE shelf (name TEXT)")
    conn.execute("INSERT INTO shelf VALUES ('European literature')")
    conn.commit()
    conn.close()
    assert run(data, "token", "--user", "a", "--role", "admin").returncode == 0
    secret = (data / "token-secret").read_bytes()

    backup = tmp_path / "backup"
    result = run(data, "backup", str(backup), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["files"] >= 2

    refused = run(data, "backup", str(backup))
    assert refused.returncode == 2 and "not empty" in refused.stderr

    fresh = tmp_path / "fresh"
    result = run(fresh, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    restored = sqlite3.connect(fresh / "readingroom.sqlite3")
    assert restored.execute("SELECT name FROM shelf").fetchall() == [("European literature",)]
    restored.close()
    assert (fresh / "token-secret").read_bytes() == secret


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    result = run(tmp_path / "data", "restore", str(tmp_path / "junk"))
    assert result.returncode == 2
    assert "not a readingroom backup" in result.stderr
