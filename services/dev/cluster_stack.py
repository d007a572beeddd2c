"""The distributed topology on one machine, without containers: what ``spine cluster up`` runs.

Three nats-server processes clustered with JetStream (:class:`EmbeddedNatsCluster`), one
embedded PostgreSQL, and two instances of every service — two workers sharing the lanes, an
active and a standby of the relay, of each projector and of the process manager (PostgreSQL
leases decide which), and two gateways on two ports. Every stream is kept on all three NATS
nodes (``SPINE_STREAM_REPLICAS=3``) and every service is given all three node URLs, so any one
node can die and the services reconnect to another.

It is a :class:`Stack` (same supervision, same chaos helpers, same settings handed to each child)
whose NATS is a cluster and whose second gateway listens on the next port.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from services.dev.embedded import port_open
from services.dev.nats_cluster import EmbeddedNatsCluster
from services.dev.stack import DEFAULT_SERVICES, ChildService, Stack
from services.settings import Settings
from spine_core.errors import Unavailable

__all__ = ["CLUSTER_SERVICES", "NATS_NODES", "ClusterStack"]

NATS_NODES = 3
#: Each service of ``spine dev``, twice.
CLUSTER_SERVICES: tuple[tuple[str, str | None], ...] = tuple(s for s in DEFAULT_SERVICES for _ in range(2))


@dataclass
class ClusterStack(Stack):
    """Start with :meth:`start`, stop with :meth:`stop` (both the services and the servers).

    ``settings.nats_url`` must be unset (the cluster is what the stack runs); PostgreSQL is
    embedded unless ``settings.database_url`` names one. The gateways listen on
    ``settings.gateway_port`` and the port after it.
    """

    services: tuple[tuple[str, str | None], ...] = CLUSTER_SERVICES
    nats_nodes: int = NATS_NODES
    nats_cluster: EmbeddedNatsCluster | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Its services are listed twice already: SPINE_STANDBYS would add a third of each. And
        # each runs in a process of its own, as a deployment runs them (the trials kill them one by one).
        self.settings = self.settings.model_copy(update={"standbys": 0, "dev_processes": "per-service"})

    @property
    def gateway_urls(self) -> list[str]:
        """Each gateway's URL, the first one's first."""
        host = self.settings.gateway_host
        return [f"http://{host}:{port}" for port in self.gateway_ports]

    @property
    def gateway_ports(self) -> list[int]:
        count = sum(1 for kind, _ in self.services if kind == "gateway")
        return [self.settings.gateway_port + i for i in range(count)]

    def start(self, timeout: float = 120.0) -> Settings:
        if self.settings.nats_url:
            raise Unavailable(
                "a cluster runs its own NATS servers", hint="unset SPINE_NATS_URL (or use `spine dev` with it)"
            )
        for port in self.gateway_ports[1:]:  # Stack.start checks the first
            if port_open(self.settings.gateway_host, port):
                raise Unavailable(
                    f"port {port} on {self.settings.gateway_host} is already in use",
                    hint="the gateways take --port and the port after it: choose another --port",
                )
        self.nats_cluster = EmbeddedNatsCluster(self.data_dir / "nats-cluster", size=self.nats_nodes)
        try:
            url = self.nats_cluster.start(timeout=60)
        except BaseException:
            self.nats_cluster = None
            raise
        self.settings = self.settings.model_copy(update={"nats_url": url, "stream_replicas": self.nats_nodes})
        return super().start(timeout)

    def child_env(self, child: ChildService | None = None) -> dict[str, str]:
        env = super().child_env(child)
        if child is not None and child.kind == "gateway":
            env["SPINE_GATEWAY_PORT"] = str(self.gateway_ports[child.replica - 1])
        return env

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        super().wait_ready(timeout)  # the first gateway answers and no child has died
        for url in self.gateway_urls[1:]:
            last = "no answer yet"
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError as exc:
                    last = repr(exc)
                if time.monotonic() > deadline:
                    raise Unavailable(f"the gateway at {url} did not become healthy within {timeout:.0f}s: {last}")
                time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        try:
            super().stop(timeout)
        finally:
            if self.nats_cluster is not None:
                self.nats_cluster.stop()

    def pids(self) -> list[int]:
        """Every process the stack runs: services, NATS nodes, PostgreSQL's postmaster."""
        out = [c.process.pid for c in self.children.values() if c.process is not None]
        if self.nats_cluster is not None:
            out += [n.process.pid for n in self.nats_cluster.nodes if n.process is not None]
        if self.postgres is not None and (pid := self.postgres.pid()) is not None:
            out.append(pid)
        return out
