"""Patron and user ids are never stored: only a keyed hash (HMAC-SHA256 with a secret kept
under the data directory, mode 0600). Without the key a hash cannot be tested against a
guessed id, and the same id always gives the same hash, so a user can still find, export
and delete their own rows."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32
DIGEST_BYTES = 16


def load_or_create_key(path: Path) -> bytes:
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        key = secrets.token_bytes(KEY_BYTES)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    if len(key) < KEY_BYTES:
        raise ValueError(f"{path} holds a key shorter than {KEY_BYTES} bytes")
    return key


class PatronHasher:
    """Turns a patron or user id into the 16-byte keyed hash we store."""

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError("patron hash key is too short")
        self._key = key

    def __call__(self, patron_id: str) -> bytes:
        normalised = patron_id.strip().encode("utf-8")
        return hmac.digest(self._key, normalised, hashlib.sha256)[:DIGEST_BYTES]
