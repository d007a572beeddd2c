"""Several gateway processes on one port (``SPINE_GATEWAY_WORKERS``), supervised.

The parent binds the listening socket once and starts each worker with ``spawn`` (a fresh
interpreter: no event loop, pool or thread inherited from the parent), handing it the socket;
the kernel spreads connections over the processes that accept on it. A worker that exits while
the gateway is not stopping is started again, at most a few times a minute; SIGINT or SIGTERM
stops every worker (SIGTERM, then SIGKILL after a grace period) and then the parent.

Each worker has its own PostgreSQL pool and its own projection-lag monitor: the pools add up
(``gateway_workers`` x 8 connections), and the dashboard's live stream shows the samples of the
worker its connection landed on (each reads the same event store and checkpoints).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

from services.settings import Settings
from spine_core.errors import Unavailable

__all__ = ["serve_workers", "bind_socket"]

log = logging.getLogger("spine.gateway")

#: A worker that has to be restarted more often than this gives up the whole gateway (the
#: supervisor above it, `spine dev` or the container runtime, decides what comes next).
RESTARTS_PER_MINUTE = 5
STOP_GRACE_S = 10.0


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket every worker accepts on (inheritable, so spawn can hand it on)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise Unavailable(
            f"the gateway cannot listen on {host}:{port}: {exc.strerror}",
            hint="another process holds the port: stop it or set SPINE_GATEWAY_PORT",
        ) from None
    sock.set_inheritable(True)
    return sock


def serve_workers(settings: Settings, target: Callable[[Settings, socket.socket, int], None]) -> None:
    """Run ``settings.gateway_workers`` processes of ``target(settings, sock, number)`` until a signal."""
    sock = bind_socket(settings.gateway_host, settings.gateway_port)
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(number: int) -> BaseProcess:
        process = context.Process(target=target, args=(settings, sock, number), name=f"gateway-{number}")
        process.start()
        return process

    workers = {n: start(n) for n in range(1, settings.gateway_workers + 1)}
    log.info(
        "gateway: %d workers on http://%s:%d (pids %s)",
        len(workers),
        settings.gateway_host,
        settings.gateway_port,
        ", ".join(str(p.pid) for p in workers.values()),
    )
    restarts: deque[float] = deque()
    try:
        while not stopping:
            time.sleep(0.25)
            for number, process in list(workers.items()):
                if process.is_alive() or stopping:
                    continue
                now = time.monotonic()
                restarts.append(now)
                while restarts and now - restarts[0] > 60:
                    restarts.popleft()
                if len(restarts) > RESTARTS_PER_MINUTE:
                    log.error(
                        "gateway worker %d keeps exiting (code %s): stopping the gateway", number, process.exitcode
                    )
                    raise SystemExit(1)
                log.warning("gateway worker %d exited (code %s): starting it again", number, process.exitcode)
                workers[number] = start(number)
    finally:
        _stop_all(list(workers.values()))
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive() and process.pid is not None:
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("gateway worker %s did not stop in %.0fs: killing it", process.name, STOP_GRACE_S)
            process.kill()
            process.join(2)
