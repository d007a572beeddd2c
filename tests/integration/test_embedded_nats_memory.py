"""An embedded nats-server runs with a Go soft memory limit (``GOMEMLIMIT``, the setting
``SPINE_DEV_NATS_MEMORY_LIMIT``): without one its heap grows to twice what it holds before the
collector runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.dev.embedded import EmbeddedNats
from services.settings import Settings

pytestmark = pytest.mark.integration


def _server_environment(server: EmbeddedNats) -> dict[str, str]:
    pid = server.pid()
    assert pid is not None
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


@pytest.mark.parametrize(
    ("given", "expected"), [(None, Settings.model_fields["dev_nats_memory_limit"].default), ("64MiB", "64MiB")]
)
def test_the_server_runs_with_a_soft_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None, expected: str
) -> None:
    if given is None:
        monkeypatch.delenv("SPINE_DEV_NATS_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("SPINE_DEV_NATS_MEMORY_LIMIT", given)
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    try:
        assert _server_environment(server).get("GOMEMLIMIT") == expected
    finally:
        server.stop()
