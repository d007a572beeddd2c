"""The cluster helper itself: loopback only, the embedded server's users on every node, routes
that authenticate, secrets readable by their owner only, and a clean stop."""

from __future__ import annotations

import asyncio
import re
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from services.adapters.bus.nats import connect_nats
from services.adapters.bus.permissions import PUBLISHER_USER
from services.dev.nats_cluster import EmbeddedNatsCluster
from spine_core.errors import Unavailable

pytestmark = [pytest.mark.integration, pytest.mark.cluster]


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_node_listens_on_loopback_only_and_routes_authenticate(nats_cluster: EmbeddedNatsCluster) -> None:
    for node in nats_cluster.nodes:
        conf = node.config_file.read_text()
        addresses = re.findall(r'listen: "([^"]+)"|http: "([^"]+)"', conf)
        assert len(addresses) == 3, conf  # clients, monitoring, routes
        assert all(value.startswith("127.0.0.1:") for pair in addresses for value in pair if value)
        routes = re.findall(r'"nats://([^@"]+)@127\.0\.0\.1:(\d+)"', conf)
        assert {int(port) for _, port in routes} == {p.cluster_port for p in nats_cluster.nodes if p is not node}
        assert all(credentials.startswith("route:") for credentials, _ in routes)
        assert f'server_name: "{node.name}"' in conf and "no_auth_user" not in conf
        assert _private(node.config_file)
    for secret in ("users.json", "routes.json", "publisher.env"):
        assert _private(nats_cluster.root / secret), secret


async def test_clients_need_the_users_credentials_on_every_node(nats_cluster: EmbeddedNatsCluster) -> None:
    for node in nats_cluster.nodes:
        with pytest.raises(Unavailable, match="refused the credentials"):
            await connect_nats(node.address, "anonymous", reconnect=False)
    env = dict(line.split("=", 1) for line in nats_cluster.publisher_env.read_text().splitlines() if "=" in line)
    assert env["SPINE_NATS_USER"] == PUBLISHER_USER and env["SPINE_NATS_URL"] == nats_cluster.addresses
    nc = await connect_nats(nats_cluster.url_for(PUBLISHER_USER), "publisher", reconnect=False)
    await nc.close()


def test_a_stopped_cluster_starts_again_on_its_ports_with_its_passwords(tmp_path: Path) -> None:
    cluster = EmbeddedNatsCluster(tmp_path / "cluster", size=3)
    with cluster:
        url, leader = cluster.url, cluster.wait_ready(5)
        assert leader in {node.name for node in cluster.nodes}
    assert not any(node.running for node in cluster.nodes)
    again = EmbeddedNatsCluster(tmp_path / "cluster", size=3)
    assert again.passwords == cluster.passwords
    with cluster:  # the same object: the same ports, stores and passwords
        assert cluster.url == url


async def test_a_client_moves_to_an_announced_node_when_its_own_dies(nats_cluster: EmbeddedNatsCluster) -> None:
    """A client given one node learns the others from the cluster (without credentials in what it
    is told) and, when its node dies, must log in to one of them with its own user."""
    nats_cluster.wait_ready(30)
    first, *others = nats_cluster.nodes
    url = next(server for server in nats_cluster.url.split(",") if server.endswith(f":{first.port}"))
    nc = await connect_nats(url, "announced-nodes")
    refused: list[str] = []
    nc._error_cb = _collect(refused)  # type: ignore[attr-defined]  # what the reconnects ran into
    try:
        await _until(lambda: bool(nc.discovered_servers), 10)
        assert {s.port for s in nc.discovered_servers} >= {node.port for node in others}
        nats_cluster.kill(first.name)
        await _until(lambda: nc.is_connected and getattr(nc.connected_url, "port", None) != first.port, 10)
        assert nc.is_connected and nc.connected_url is not None, f"still reconnecting: {refused[-4:]}"
        assert nc.connected_url.port in {node.port for node in others}
        await nc.flush(timeout=5)
        assert not [e for e in refused if "authorization" in e.lower()], refused
    finally:
        await nc.close()
        nats_cluster.restart(first.name)


async def _until(condition: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


def _collect(into: list[str]) -> Callable[[Exception], Awaitable[None]]:
    async def on_error(exc: Exception) -> None:
        into.append(str(exc) or repr(exc))

    return on_error
