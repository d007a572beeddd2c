"""The cluster helper itself: loopback only, the embedded server's users on every node, routes
that authenticate, secrets readable by their owner only, and a clean stop."""

from __future__ import annotations

import re
import stat
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
