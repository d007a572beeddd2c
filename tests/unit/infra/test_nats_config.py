"""The compose cluster's NATS users are the embedded server's, with secrets from the environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from services.adapters.bus.permissions import PUBLISHER_USER, SERVICES_USER, users_config

ROOT = Path(__file__).resolve().parents[3]
_REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z_]+):\?[^}]+\}$")  # ${VAR:?message}: compose refuses to start without it


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_infra_nats_conf_has_the_same_users_and_permissions_as_the_embedded_server() -> None:
    text = (ROOT / "infra" / "nats.conf").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"
    expected = users_config({SERVICES_USER: "$SPINE_NATS_PASSWORD", PUBLISHER_USER: "$SPINE_NATS_PUBLISHER_PASSWORD"})
    assert body == expected, "regenerate infra/nats.conf from services.adapters.bus.permissions.users_config"
    assert "no_auth_user" not in text


def test_every_nats_node_loads_the_users_and_needs_both_passwords() -> None:
    services = _compose()["services"]
    for name in ("nats-1", "nats-2", "nats-3"):
        node = services[name]
        command = node["command"]
        assert command[command.index("-c") + 1] == "/etc/nats/spine.conf", name
        assert "./infra/nats.conf:/etc/nats/spine.conf:ro" in node["volumes"], name
        for variable in ("SPINE_NATS_PASSWORD", "SPINE_NATS_PUBLISHER_PASSWORD"):
            match = _REQUIRED.match(node["environment"][variable])
            assert match and match["name"] == variable, f"{name}: {variable} must be required, without a default"


def test_services_connect_as_the_services_user_with_a_required_password() -> None:
    for name, svc in _compose()["services"].items():
        if svc.get("image") != "spine:latest":
            continue
        env = svc["environment"]
        assert env["SPINE_NATS_USER"] == SERVICES_USER, name
        match = _REQUIRED.match(env["SPINE_NATS_PASSWORD"])
        assert match and match["name"] == "SPINE_NATS_PASSWORD", name
        assert "@" not in env["SPINE_NATS_URL"], "credentials go in SPINE_NATS_USER / SPINE_NATS_PASSWORD"
