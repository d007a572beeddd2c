"""``spine cluster up``'s stack, without starting it: two of every service, the second gateway
on the next port, and a refusal to run beside a NATS server of someone else's."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.dev.cluster_stack import ClusterStack
from services.dev.stack import DEFAULT_SERVICES, ChildService
from services.settings import Settings
from spine_core.errors import Unavailable


def test_every_service_runs_twice(tmp_path: Path) -> None:
    stack = ClusterStack(Settings(data_dir=tmp_path, standbys=1), write_dev_state=False)
    instances = stack.instances()
    assert len(instances) == 2 * len(DEFAULT_SERVICES)
    assert {replica for _, _, replica in instances} == {1, 2}


def test_the_second_gateway_listens_on_the_next_port(tmp_path: Path) -> None:
    stack = ClusterStack(Settings(data_dir=tmp_path, gateway_port=8100), write_dev_state=False)
    assert stack.gateway_urls == ["http://127.0.0.1:8100", "http://127.0.0.1:8101"]
    second = ChildService("gateway", None, tmp_path / "gateway-2.log", replica=2)
    worker = ChildService("worker", None, tmp_path / "worker-2.log", replica=2)
    assert stack.child_env(second)["SPINE_GATEWAY_PORT"] == "8101"
    assert stack.child_env(worker)["SPINE_GATEWAY_PORT"] == "8100"


def test_a_cluster_runs_its_own_nats(tmp_path: Path) -> None:
    stack = ClusterStack(Settings(data_dir=tmp_path, nats_url="nats://127.0.0.1:4222"), write_dev_state=False)
    with pytest.raises(Unavailable, match="its own NATS"):
        stack.start()
