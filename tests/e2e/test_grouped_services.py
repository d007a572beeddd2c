"""`SPINE_DEV_PROCESSES=grouped` (the default): `spine dev` runs the relay, the four projectors and the process
manager in one process; a week still runs through its stages and every read model catches up,
and each member holds its own lease, shown in the ops API with the group's pid."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from services.adapters.inbox import copy_into_inbox
from services.bootstrap import LEASED
from services.dev.stack import DEFAULT_SERVICES
from tests.chaos.runs import publish_week, wait_done
from tests.cluster.trials import write_source
from tests.conftest import Servers, start_stack

pytestmark = [pytest.mark.e2e]


def test_a_grouped_stack_runs_a_week_with_one_process_for_the_leased_services(servers: Servers, tmp_path: Path) -> None:
    source = write_source(tmp_path / "week.psv", 5_000)
    with start_stack(tmp_path, servers, dev_processes="grouped") as stack:
        assert set(stack.children) == {"worker", "group", "gateway"}
        group = stack.children["group"]
        assert group.process is not None
        ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
        command = asyncio.run(publish_week(stack.settings, ref, "grouped-test"))
        batch = asyncio.run(wait_done(stack.gateway_url, stack.operator_token, command))
        assert set(batch["weeks"][0]["stages"].values()) == {"completed"}
        with httpx.Client(base_url=stack.gateway_url, headers=stack.auth_headers, timeout=10) as http:
            instances = http.get("/v1/ops/instances").json()["data"]
        active = {i["service"]: i["pid"] for i in instances if i["state"] == "active"}
        expected = {f"{kind}:{arg}" if arg else kind for kind, arg in DEFAULT_SERVICES if kind in LEASED}
        assert {service: active.get(service) for service in expected} == dict.fromkeys(expected, group.process.pid)
