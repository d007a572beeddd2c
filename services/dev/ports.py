"""Loopback ports for the embedded servers: a free one to pick, and whether one answers.

A port is picked below the kernel's ephemeral range (``ip_local_port_range``), not by binding
port 0: a port the kernel hands out for ``bind(0)`` is one it also hands out as the local port
of outgoing connections, so between the pick and the server's own bind any client connection of
the machine (a service reconnecting, a test's HTTP client) could take it — "address already in
use" for a gateway or a nats-server started a moment later. Below that range only another
explicit bind can take it; within this process no port is handed out twice.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

__all__ = ["free_port", "port_open", "ephemeral_range"]

#: Ports below this are left to well-known services.
_LOWEST = 10_000
_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()
_lock = threading.Lock()
_random = random.SystemRandom()


def ephemeral_range() -> tuple[int, int]:
    """The ports the kernel gives outgoing connections (Linux; elsewhere its usual default)."""
    try:
        low, high = (int(part) for part in _RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999
    return low, high


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing is bound to now, outside the ephemeral range."""
    low, high = ephemeral_range()
    candidates = [(_LOWEST, low - 1), (high + 1, 65_535)]
    candidates = [(a, b) for a, b in candidates if b - a >= 1_000]
    with _lock:
        for _ in range(200):
            if not candidates:
                break
            first, last = _random.choice(candidates)
            port = _random.randint(first, last)
            if port in _handed_out or not _bindable(host, port):
                continue
            _handed_out.add(port)
            return port
    # No room outside the ephemeral range (an unusual kernel setting): let the kernel pick.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0
