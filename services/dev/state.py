"""``<data dir>/dev.json``: how other commands find a running ``spine dev`` without flags."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from services.adapters.auth import read_operator_token
from services.settings import Settings

__all__ = ["DevState", "read_state", "write_state", "clear_state", "resolve_settings"]

STATE_FILE = "dev.json"


@dataclass(frozen=True, slots=True)
class DevState:
    database_url: str
    nats_url: str
    gateway_url: str
    inbox_dir: str
    pid: int
    started_at: str


def _path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(data_dir: Path) -> DevState | None:
    """The running stack's addresses, or None when no live ``spine dev`` owns this data dir."""
    try:
        raw = json.loads(_path(data_dir).read_text())
        state = DevState(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return state if _alive(state.pid) else None


def write_state(data_dir: Path, state: DevState) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = _path(data_dir).with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    # The NATS URL carries the services user's password: readable by the owner only.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write(json.dumps(asdict(state), indent=2))
    tmp.replace(_path(data_dir))


def clear_state(data_dir: Path) -> None:
    """Forget the running stack (nothing to do when it left no state)."""
    _path(data_dir).unlink(missing_ok=True)


def resolve_settings(settings: Settings) -> Settings:
    """Fill unset server addresses from a running ``spine dev`` in the settings' data dir, and an
    unset API token from the operator token ``spine dev`` leaves there."""
    if settings.api_token is None:
        token = read_operator_token(settings.data_dir)
        if token is not None:
            settings = settings.model_copy(update={"api_token": token})
    if settings.database_url and settings.nats_url and settings.gateway_url:
        return settings
    state = read_state(settings.data_dir)
    if state is None:
        return settings
    return settings.model_copy(
        update={
            "database_url": settings.database_url or state.database_url,
            "nats_url": settings.nats_url or state.nats_url,
            "gateway_url": settings.gateway_url or state.gateway_url,
            "inbox_dir": settings.inbox_dir or Path(state.inbox_dir),
        }
    )
