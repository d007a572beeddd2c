"""``spine cluster up`` as a user runs it: a subprocess that starts three NATS nodes, PostgreSQL
and two of every service; every process is up, both gateways answer, a file uploaded to the
second gateway is ingested, and SIGTERM stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.adapters.auth.files import OPERATOR_TOKEN_FILE
from services.dev.embedded import free_port
from tests.e2e.helpers import PIPELINE
from tests.polling import eventually_sync
from tests.shared_data import finra_data

pytestmark = [pytest.mark.e2e]

#: 3 NATS nodes + two each of worker, relay, 4 projectors, process manager, gateway.
DIRECT_CHILDREN = 3 + 2 * 8


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_cluster_up_runs_every_process_and_stops_them_all(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "spine", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPINE_")}
    log = tmp_path / "cluster-up.log"
    with log.open("wb") as output:
        cli = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "cluster", "up", "--data-dir", str(data_dir), "--port", str(port)],
            env={**env, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    pids: set[int] = set()
    try:
        eventually_sync(lambda: "press Ctrl-C" in log.read_text() or cli.poll() is not None, 180, "the cluster table")
        text = log.read_text()
        assert cli.poll() is None, text
        assert "Spine cluster is running" in text and "active" in text and "standby" in text, text
        pids = _children(cli.pid)
        assert len(pids) == DIRECT_CHILDREN, (pids, text)
        postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        pids.add(postmaster)
        assert all(_alive(pid) for pid in pids)

        token = (data_dir / OPERATOR_TOKEN_FILE).read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        gateways = [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"]
        for url in gateways:
            assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        instances = httpx.get(f"{gateways[0]}/v1/ops/instances", headers=headers, timeout=5).json()["data"]
        by_service: dict[str, list[str]] = {}
        for item in instances:
            by_service.setdefault(item["service"], []).append(item["state"])
        assert len(by_service) == 6 and all(sorted(s) == ["active", "standby"] for s in by_service.values()), instances

        path = finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251215.csv")
        with httpx.Client(base_url=gateways[1], headers=headers, timeout=90) as http:
            uploaded = http.put(f"/v1/inbox/{path.name}", content=path.read_bytes())
            assert uploaded.status_code == 201, uploaded.text
            ended = http.post(
                f"/v1/pipelines/{PIPELINE}/run",
                params={"wait": 60},
                json={"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": uploaded.json()["data"]["file"]},
            )
        assert ended.status_code == 200 and ended.json()["data"]["status"] == "completed", ended.text
        assert ended.json()["data"]["execution"]["rows_accepted"] == 5328
    finally:
        cli.send_signal(signal.SIGTERM)
        try:
            cli.wait(90)
        except subprocess.TimeoutExpired:
            cli.kill()
            raise
    assert cli.returncode == 0, log.read_text()[-3000:]
    eventually_sync(lambda: not any(_alive(pid) for pid in pids), 30, "every process of the cluster to stop")
    assert "stopped" in log.read_text()
