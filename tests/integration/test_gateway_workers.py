"""SPINE_GATEWAY_WORKERS: several gateway processes on one port, supervised by the gateway
service — every worker answers, a worker that dies is started again, and stopping the service
stops them all."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import Servers, start_stack
from tests.polling import eventually_sync as eventually

pytestmark = pytest.mark.integration

WORKERS = 2


def _workers(gateway_pid: int) -> list[psutil.Process]:
    """The gateway's worker processes (spawn may add a helper process of its own: skipped)."""
    workers = []
    for p in psutil.Process(gateway_pid).children():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline()):
                workers.append(p)
        except psutil.Error:  # exited (or a zombie not yet reaped) between listing and asking
            pass
    return workers


def test_gateway_workers_share_the_port_restart_and_stop(servers: Servers, tmp_path: Path) -> None:
    # The gateway alone: it answers /health and reads without the other services.
    with start_stack(tmp_path, servers, services=(("gateway", None),), gateway_workers=WORKERS) as stack:
        gateway = stack.children["gateway"].process
        assert gateway is not None
        workers = eventually(lambda: w if len(w := _workers(gateway.pid)) == WORKERS else None, timeout=30)
        pids = {p.pid for p in workers}

        # New connections are spread by the kernel: every one of them is answered, authenticated.
        for _ in range(40):
            with httpx.Client(base_url=stack.gateway_url, headers=stack.auth_headers, timeout=10) as http:
                assert http.get("/v1/data/weeks").status_code == 200
        # Every worker accepts on the gateway's one listening socket.
        port = stack.settings.gateway_port
        for p in workers:
            listening = [c for c in p.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
            assert [c.laddr.port for c in listening] == [port], (p.pid, listening)

        os.kill(workers[0].pid, signal.SIGKILL)
        restarted = eventually(
            lambda: w if len(w := _workers(gateway.pid)) == WORKERS and {p.pid for p in w} != pids else None,
            timeout=30,
        )
        assert workers[1].pid in {p.pid for p in restarted}
        assert httpx.get(f"{stack.gateway_url}/health", timeout=10).status_code == 200

    for pid in {p.pid for p in restarted} | {gateway.pid}:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
