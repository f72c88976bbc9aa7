"""The secrets Concierge signs with.

A configured value always wins. Without one, a random secret is generated once and kept in the
data folder (readable by its owner only), so a single-machine setup is safe with no
configuration; several machines must share configured secrets (`concierge serve` refuses a
public address without them).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def local_secret(folder: Path, name: str) -> str:
    """The secret `name` kept in `folder`, created on first use."""
    path = folder / "secrets" / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_hex(32)
    # O_EXCL: two processes starting at once agree on one secret (the loser reads the winner's).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def keyed_digest(secret: str, *parts: str, length: int = 24) -> str:
    """A short HMAC-SHA256 of `parts` under `secret`: stable, but not derivable without the secret."""
    mac = hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256)
    return mac.hexdigest()[:length]
