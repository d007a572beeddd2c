"""Starting an embedded nats-server process: quiet, in a session of its own, in this process's
environment with the Go runtime's soft memory limit (``GOMEMLIMIT``) from :attr:`~services.settings.Settings.dev_nats_memory_limit`.

Without a limit the server's heap grows to twice what it holds before a collection: a
1,000,000-row week through all stages peaked at 611 MB PSS; with 256MiB (the default) at
267 MB for the same CPU; with 128MiB at 140 MB, but the collector then spent 2.3x the
server's CPU.
"""

from __future__ import annotations

import subprocess

from services.settings import Settings, child_environment, load_settings

__all__ = ["nats_server_env", "start_nats_server"]


def nats_server_env(settings: Settings | None = None) -> dict[str, str]:
    """The environment of an embedded nats-server (settings from the environment by default)."""
    settings = settings or load_settings()
    env = child_environment(settings)
    if settings.dev_nats_memory_limit:
        env["GOMEMLIMIT"] = settings.dev_nats_memory_limit
    return env


def start_nats_server(cmd: list[str]) -> subprocess.Popen[bytes]:
    """Run ``cmd`` (a nats-server command line) detached from this process's terminal and signals."""
    quiet = subprocess.DEVNULL
    return subprocess.Popen(cmd, stdin=quiet, stdout=quiet, stderr=quiet, start_new_session=True, env=nats_server_env())
