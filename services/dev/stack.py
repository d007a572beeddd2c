"""The whole Spine stack on one machine: servers (embedded unless given) plus each service as
its own child process — what ``spine dev``, ``spine demo`` and the end-to-end tests run.

The supervision is written by hand rather than with a process manager (supervisord, honcho):
the stack must start PostgreSQL and NATS from wheels in its own data directory, run each
service as ``python -m services.cli service ...`` with the one settings object's environment,
restart a crashed child only when asked (:meth:`Stack.supervise`, so the chaos tests decide
when a killed service comes back), and stop everything within a deadline from a test fixture
or a signal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from services.adapters.auth import OPERATOR_TOKEN_FILE, ensure_operator_token
from services.bootstrap import LEASED, prepare_infrastructure
from services.dev.embedded import EmbeddedNats, EmbeddedPostgres, port_open
from services.dev.state import DevState, clear_state, write_state
from services.groups import group_arg
from services.settings import Settings, child_environment
from spine_core.errors import Unavailable

__all__ = ["Stack", "ChildService", "DEFAULT_SERVICES"]

log = logging.getLogger("spine.dev")

DEFAULT_SERVICES: tuple[tuple[str, str | None], ...] = (
    ("worker", None),
    ("relay", None),
    ("projector", "manifest"),
    ("projector", "finra_otc"),
    ("projector", "quality"),
    ("projector", "reference"),
    ("process-manager", None),
    ("gateway", None),
)


def grouped(services: tuple[tuple[str, str | None], ...]) -> tuple[tuple[str, str | None], ...]:
    """``services`` with its leased services (relay, projectors, process manager) run in one
    ``group`` process (``SPINE_DEV_PROCESSES=grouped``), where the first of them stood. A list
    that names a leased service twice (replicas, each its own process) is left as it is."""
    members = tuple(service for service in services if service[0] in LEASED)
    if len(members) < 2 or len(set(members)) != len(members):
        return services
    group = ("group", group_arg(members))
    out = [group if service == members[0] else service for service in services if service not in members[1:]]
    return tuple(out)


@dataclass
class ChildService:
    kind: str
    arg: str | None
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    replica: int = 1
    """Which instance of its service (the relay's standby is ``relay#2``)."""

    @property
    def service(self) -> str:
        if self.kind == "group":  # its members are in its command line and its log
            return "group"
        return f"{self.kind}:{self.arg}" if self.arg else self.kind

    @property
    def name(self) -> str:
        return self.service if self.replica == 1 else f"{self.service}#{self.replica}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Stack:
    """Start with :meth:`start`, stop with :meth:`stop`; :meth:`supervise` restarts crashed children.

    ``services`` may name a service more than once (one instance each); ``settings.standbys``
    adds that many more of each leased service (relay, projectors, process manager).
    """

    settings: Settings
    services: tuple[tuple[str, str | None], ...] = DEFAULT_SERVICES
    write_dev_state: bool = True
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    children: dict[str, ChildService] = field(default_factory=dict)
    operator_token: str | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()

    @property
    def operator_token_path(self) -> Path:
        """The operator token's plaintext (mode 0600), for the ``spine`` commands and local clients."""
        return self.data_dir / OPERATOR_TOKEN_FILE

    @property
    def auth_headers(self) -> dict[str, str]:
        """The header that authenticates a call as the stack's operator (scope ``operate``)."""
        return {"Authorization": f"Bearer {self.operator_token}"} if self.operator_token else {}

    @property
    def gateway_url(self) -> str:
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 90.0) -> Settings:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if port_open(self.settings.gateway_host, self.settings.gateway_port):
            raise Unavailable(
                f"port {self.settings.gateway_port} on {self.settings.gateway_host} is already in use",
                hint="stop what runs there, or choose another port (--port / SPINE_GATEWAY_PORT)",
            )
        updates: dict[str, object] = {"data_dir": self.data_dir, "inbox_dir": self.settings.inbox}
        if not self.settings.database_url:
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres")
            updates["database_url"] = self.postgres.start()
        if not self.settings.nats_url:
            self.nats = EmbeddedNats(self.data_dir / "nats")
            updates["nats_url"] = self.nats.start()
        self.settings = self.settings.model_copy(update=updates)
        if self.settings.file_store == "inbox":  # else files travel through the bus's object store
            self.settings.inbox.mkdir(parents=True, exist_ok=True)
        # Only its hash goes where the gateway reads tokens; the plaintext stays in the data dir.
        self.operator_token = ensure_operator_token(self.data_dir, self.settings.tokens_file)
        self.settings = self.settings.model_copy(update={"api_token": self.settings.api_token or self.operator_token})
        try:
            asyncio.run(prepare_infrastructure(self.settings))
            for kind, arg, replica in self.instances():
                stem = f"{kind}{'-' + arg if arg else ''}{f'-{replica}' if replica > 1 else ''}"
                self._spawn(ChildService(kind, arg, self.data_dir / "logs" / f"{stem}.log", replica=replica))
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        if self.write_dev_state:
            write_state(
                self.data_dir,
                DevState(
                    database_url=str(self.settings.database_url),
                    nats_url=str(self.settings.nats_url),
                    gateway_url=self.gateway_url,
                    inbox_dir=str(self.settings.inbox),
                    pid=os.getpid(),
                    started_at=datetime.now(UTC).isoformat(),
                ),
            )
        return self.settings

    def instances(self) -> list[tuple[str, str | None, int]]:
        """Each child to start: ``(kind, arg, replica)``."""
        out: list[tuple[str, str | None, int]] = []
        seen: dict[tuple[str, str | None], int] = {}
        for kind, arg in grouped(self.services) if self.settings.dev_processes == "grouped" else self.services:
            leased = kind in LEASED or kind == "group"  # a group's members each hold their own lease
            extra = self.settings.standbys if leased and (kind, arg) not in seen else 0
            for _ in range(1 + extra):
                seen[(kind, arg)] = seen.get((kind, arg), 0) + 1
                out.append((kind, arg, seen[(kind, arg)]))
        return out

    def child_env(self, child: ChildService | None = None) -> dict[str, str]:
        """Every service gets the stack's settings, all of them, through its environment
        (``child``: the instance it is for, so a subclass can give one its own port)."""
        return {**child_environment(self.settings), "PYTHONUNBUFFERED": "1"}

    def _spawn(self, child: ChildService) -> None:
        child.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "services.cli", "service", child.kind]
        if child.arg:
            cmd.append(child.arg)
        with child.log_path.open("ab") as out:
            child.process = subprocess.Popen(
                cmd,
                env=self.child_env(child),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.children[child.name] = child

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            for child in self.children.values():
                if not child.alive():
                    raise Unavailable(
                        f"service {child.name} exited during start-up; see {child.log_path}:\n{self.tail(child)}"
                    )
            try:
                response = httpx.get(f"{self.gateway_url}/health", timeout=2.0)
                if response.status_code == 200:
                    return
                last_error = response.text
            except httpx.HTTPError as exc:
                last_error = repr(exc)
            time.sleep(0.2)
        raise Unavailable(f"the stack did not become healthy within {timeout:.0f}s: {last_error}")

    def supervise(self, max_restarts: int = 5) -> list[str]:
        """Restart children that died; returns what was restarted. Call it periodically."""
        restarted = []
        for child in self.children.values():
            if child.alive() or child.process is None:
                continue
            if child.restarts >= max_restarts:
                continue
            child.restarts += 1
            log.warning("%s exited with %s; restarting (%d)", child.name, child.process.returncode, child.restarts)
            self._spawn(child)
            restarted.append(child.name)
        return restarted

    def stop(self, timeout: float = 15.0) -> None:
        for child in self.children.values():
            if child.alive():
                assert child.process is not None
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children.values():
            if child.process is None:
                continue
            try:
                child.process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait(5)
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()
        if self.write_dev_state:
            clear_state(self.data_dir)

    # ------------------------------------------------------------------ chaos helpers
    def kill(self, name: str) -> None:
        """SIGKILL one service (no clean shutdown), as a crash would."""
        child = self.children[name]
        if child.alive():
            assert child.process is not None
            child.process.kill()
            child.process.wait(5)

    def restart(self, name: str) -> None:
        child = self.children[name]
        if child.alive():
            assert child.process is not None
            child.process.terminate()
            child.process.wait(15)
        self._spawn(child)

    def child_by_pid(self, pid: int) -> ChildService | None:
        """The child running as process ``pid`` (as ``GET /v1/ops/instances`` names it)."""
        for child in self.children.values():
            if child.process is not None and child.process.pid == pid:
                return child
        return None

    @staticmethod
    def tail(child: ChildService, chars: int = 3000) -> str:
        try:
            return child.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
