"""Ports picked for the embedded servers and the gateway lie outside the kernel's ephemeral
range, so no outgoing connection can take one between the pick and the server's bind (seen as
"address already in use" for the second gateway of a cluster), and none is handed out twice."""

from __future__ import annotations

import socket

from services.dev.ports import ephemeral_range, free_port


def test_picked_ports_are_outside_the_ephemeral_range_and_distinct() -> None:
    low, high = ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert all(not low <= port <= high for port in ports), (low, high, ports)
    assert len(set(ports)) == len(ports)


def test_a_picked_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
