"""compose.yaml stays valid: every service runs a command this CLI has, with health checks and
the same SPINE_* settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from projections.registry import PROJECTIONS
from services.bootstrap import SERVICES

ROOT = Path(__file__).resolve().parents[3]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_every_spine_container_runs_a_known_service() -> None:
    services = _compose()["services"]
    spine = {name: svc for name, svc in services.items() if svc.get("image") == "spine:latest"}
    assert spine, "no Spine containers"
    commands = {tuple(svc["command"]) for svc in spine.values()}
    for command in commands:
        assert command[0] == "service"
        assert command[1] in {*SERVICES, "migrate"}, command
    projectors = {c[2] for c in commands if c[1] == "projector"}
    assert projectors == set(PROJECTIONS), "one container per projection"
    assert {c[1] for c in commands} >= {"worker", "relay", "gateway", "migrate"}


def test_servers_have_health_checks_and_services_wait_for_migrations() -> None:
    services = _compose()["services"]
    for name in ("postgres", "nats-1", "nats-2", "nats-3", "gateway"):
        assert "healthcheck" in services[name], name
    for name, svc in services.items():
        if svc.get("image") == "spine:latest" and name != "migrate":
            assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
            assert "SPINE_DATABASE_URL" in svc["environment"] and "SPINE_NATS_URL" in svc["environment"]


def test_every_spine_container_keeps_the_streams_on_every_nats_node() -> None:
    services = _compose()["services"]
    nodes = [name for name in services if name.startswith("nats-")]
    for name, svc in services.items():
        if svc.get("image") == "spine:latest":
            assert svc["environment"]["SPINE_STREAM_REPLICAS"] == str(len(nodes)) == "3", name
            assert svc["environment"]["SPINE_NATS_URL"] == ",".join(f"nats://{n}:4222" for n in nodes), name


def test_leased_services_run_an_active_and_a_standby_and_workers_share_lanes() -> None:
    services = _compose()["services"]
    leased = [
        name
        for name, spec in services.items()
        if spec.get("command", [None, None])[1:2] in (["relay"], ["projector"], ["process-manager"])
    ]
    assert len(leased) == 2 + len(PROJECTIONS)
    for name in [*leased, "worker"]:
        assert services[name]["deploy"] == {"replicas": 2}, name


def test_the_dockerfile_builds_from_the_locked_project() -> None:
    dockerfile = (ROOT / "infra" / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile
    for package in ("contracts", "spine_core", "spine_domains", "projections", "services"):
        assert f"COPY {package} " in dockerfile
