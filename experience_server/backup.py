"""Backup and restore of a data directory: SQLite through its online backup API (a
consistent copy while the server runs), the token secret and the content-addressed assets."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

from experience_server.settings import Settings

MANIFEST = "readingroom-backup.json"


class BackupError(Exception):
    """The backup or restore cannot proceed; nothing was changed."""


def backup_data_dir(settings: Settings, target: Path) -> dict[str, int | str]:
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    if not settings.database_path.exists():
        raise BackupError(f"no database at {settings.database_path}")
    target.mkdir(parents=True, exist_ok=True)
    files = 0
    source = sqlite3.connect(settings.database_path)
    dest = sqlite3.connect(target / settings.database_path.name)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    files += 1
    for secret in (settings.secret_path, settings.patron_key_path):
        if secret.exists():
            shutil.copy2(secret, target / secret.name)
            (target / secret.name).chmod(0o600)
            files += 1
    if settings.assets_dir.exists():
        shutil.copytree(
            settings.assets_dir, target / "assets", ignore=shutil.ignore_patterns("tmp")
        )
        files += sum(1 for p in (target / "assets").rglob("*") if p.is_file())
    manifest: dict[str, int | str] = {
        "format": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest))
    return manifest


def restore_data_dir(settings: Settings, source: Path) -> dict[str, int | str]:
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not a readingroom backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    database = source / settings.database_path.name
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    except sqlite3.Error:
        ok = False
    if not ok:
        raise BackupError(f"{database} is missing or damaged")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.database_path}{suffix}").unlink(missing_ok=True)
    shutil.copy2(database, settings.database_path)
    for path in (settings.secret_path, settings.patron_key_path):
        secret = source / path.name
        if secret.exists():
            shutil.copy2(secret, path)
            path.chmod(0o600)
    if (source / "assets").is_dir():
        shutil.copytree(source / "assets", settings.assets_dir, dirs_exist_ok=True)
    return {"files": int(manifest.get("files", 0)), "created": str(manifest.get("created"))}
