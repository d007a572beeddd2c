"""An embedded nats-server whose port was taken between picking it and binding it (another
process got there first) starts on other ports; one given its ports keeps them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from services.dev.embedded import EmbeddedNats, EmbeddedServerError, port_open

pytestmark = pytest.mark.integration


def _occupy(port: int) -> socket.socket:
    """Hold ``port`` without listening on it, as a client's outgoing socket would: the server
    cannot bind it, and nothing answers there either."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    return sock


def test_a_port_taken_before_the_first_start_moves_the_server(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    taken = server.port
    squatter = _occupy(taken)
    try:
        server.start()
        try:
            assert server.port != taken and port_open(server.host, server.port)
        finally:
            server.stop()
    finally:
        squatter.close()


def test_ports_given_are_kept_even_when_taken(tmp_path: Path) -> None:
    probe = EmbeddedNats(tmp_path / "probe")  # two free ports, picked the usual way
    squatter = _occupy(probe.port)
    try:
        server = EmbeddedNats(tmp_path / "nats", port=probe.port, monitor_port=probe.monitor_port)
        with pytest.raises(EmbeddedServerError, match="address already in use"):
            server.start()
        assert server.port == probe.port
    finally:
        squatter.close()
