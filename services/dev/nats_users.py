"""The embedded NATS server's users on disk: random passwords, the server's configuration and
the publisher's settings, each readable by its owner only (0600).

``users.json`` keeps the passwords across restarts of the server and of ``spine dev`` on the
same directory; ``nats.conf`` is rebuilt from them (the permissions come from
``services.adapters.bus.permissions``); ``publisher.env`` holds ``SPINE_NATS_*`` settings for a
client that may only publish commands and read their progress.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from services.adapters.bus.permissions import PUBLISHER_USER, SERVICES_USER, users_config

__all__ = ["USERS", "write_private", "load_or_create_passwords", "write_server_files", "write_publisher_env"]

USERS = (SERVICES_USER, PUBLISHER_USER)
PASSWORDS_FILE = "users.json"
CONFIG_FILE = "nats.conf"
PUBLISHER_ENV = "publisher.env"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the first byte)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.replace(path)


def load_or_create_passwords(data_dir: Path) -> dict[str, str]:
    """Each user's password: read back from ``data_dir``, or created at random the first time."""
    path = data_dir / PASSWORDS_FILE
    try:
        stored = json.loads(path.read_text())
        if isinstance(stored, dict) and set(USERS) <= stored.keys():
            return {user: str(stored[user]) for user in USERS}
    except (OSError, ValueError):
        pass
    passwords = {user: secrets.token_urlsafe(24) for user in USERS}
    data_dir.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps(passwords))
    return passwords


def write_server_files(data_dir: Path, passwords: dict[str, str], address: str) -> None:
    """The server's configuration and the publisher's settings for a server at ``address``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    write_private(data_dir / CONFIG_FILE, users_config(passwords))
    write_publisher_env(data_dir, passwords, address)


def write_publisher_env(data_dir: Path, passwords: dict[str, str], address: str) -> Path:
    """``data_dir/publisher.env``: the publisher's settings for the server(s) at ``address`` (one
    URL, or a comma-separated list for a cluster). Returns its path."""
    path = data_dir / PUBLISHER_ENV
    write_private(
        path,
        "# Settings for a client that may only publish RunPipeline commands and read their progress.\n"
        f"SPINE_NATS_URL={address}\n"
        f"SPINE_NATS_USER={PUBLISHER_USER}\n"
        f"SPINE_NATS_PASSWORD={passwords[PUBLISHER_USER]}\n",
    )
    return path
