"""Standby instances, the parts without I/O: the lease's key and timing, how an instance's state
is judged, which one is active, whether deliveries have a hole, and how the dev stack counts
instances."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.adapters.db.instances import active_by_service, instance_state
from services.adapters.db.lease import UNFENCED, Lease, LeaseLost, LeaseTiming, lock_key
from services.apps.projector.consumer import deliveries_contiguous
from services.dev.stack import DEFAULT_SERVICES, Stack
from services.settings import Settings


def test_each_service_has_its_own_stable_lock_key() -> None:
    services = ["relay", "process-manager", "projector:manifest", "projector:finra_otc", "projector:quality"]
    keys = [lock_key(s) for s in services]
    assert len(set(keys)) == len(keys)
    assert all(0 <= k < 2**31 for k in keys)  # fits pg_try_advisory_lock(int, int)
    # The same in every process, on every host (never Python's per-process hash()).
    assert lock_key("relay") == 1564140217


@pytest.mark.parametrize(
    ("holds", "connected", "role", "state"),
    [
        (True, True, "active", "active"),
        (True, True, "standby", "standby"),  # holds the lock, taking its generation: not yet active
        (False, True, "standby", "standby"),
        (False, True, "active", "standby"),  # stepped down, not re-registered yet
        (False, False, "active", "gone"),  # killed: its row still says active, PostgreSQL knows better
        (False, False, "standby", "gone"),
        (False, False, "stopped", "stopped"),
        (False, True, "stopped", "stopped"),
    ],
)
def test_an_instance_is_what_postgresql_says(holds: bool, connected: bool, role: str, state: str) -> None:
    assert instance_state(holds, connected, role) == state


def test_the_active_instance_of_each_service() -> None:
    items: list[dict[str, Any]] = [
        {"service": "relay", "instance_id": "a", "state": "gone"},
        {"service": "relay", "instance_id": "b", "state": "active"},
        {"service": "projector:finra_otc", "instance_id": "c", "state": "standby"},
    ]
    assert active_by_service(items) == {"relay": "b", "projector:finra_otc": None}


@pytest.mark.parametrize(
    ("expected", "sequences", "whole"),
    [
        (1, [], True),
        (1, [1, 2, 3], True),
        (7, [7, 8], True),
        (1, [2, 3], False),  # the first delivery went elsewhere
        (4, [4, 6], False),  # a hole in the middle
        (4, [3, 4], False),  # a number seen before: not this consumer's next
    ],
)
def test_a_hole_in_the_deliveries_is_seen(expected: int, sequences: list[int], whole: bool) -> None:
    assert deliveries_contiguous(expected, sequences) is whole


def test_the_holder_steps_down_on_its_own_clock_before_the_server_frees_the_lock() -> None:
    now = [100.0]
    lease = Lease("postgresql://unused", "relay", LeaseTiming(interval_s=0.5, timeout_s=10.0), clock=lambda: now[0])
    lease.generation = 3
    lease._conn = _OpenConnection()  # type: ignore[assignment]
    lease._confirmed_at = 100.0
    now[0] = 104.9
    assert lease.held
    lease.check()
    now[0] = 105.0  # half the server's timeout without a confirmation
    assert not lease.held
    with pytest.raises(LeaseLost):
        lease.check()


def test_the_lease_session_asks_the_server_to_notice_a_silent_or_dead_client() -> None:
    settings = LeaseTiming(interval_s=0.5, timeout_s=10.0).session_settings()
    assert settings["idle_session_timeout"] == "10000"
    assert settings["tcp_user_timeout"] == "10000"
    assert {"tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count"} <= set(settings)
    assert LeaseTiming(timeout_s=10.0).idle_in_transaction_ms >= 60_000


async def test_without_a_lease_nothing_is_fenced() -> None:
    assert UNFENCED.held
    UNFENCED.check()
    await UNFENCED.confirm(None)  # type: ignore[arg-type]


def test_the_lease_is_confirmed_several_times_before_it_would_expire() -> None:
    Settings(lease_interval_s=1.0, lease_timeout_s=4.0)
    with pytest.raises(ValidationError, match="quarter"):
        Settings(lease_interval_s=3.0, lease_timeout_s=10.0)


def test_the_dev_stack_starts_standbys_of_the_leased_services_only(tmp_path: Path) -> None:
    stack = Stack(Settings(data_dir=tmp_path, standbys=1, dev_processes="per-service"), write_dev_state=False)
    counted: dict[str, int] = {}
    for kind, arg, replica in stack.instances():
        name = f"{kind}:{arg}" if arg else kind
        counted[name] = max(counted.get(name, 0), replica)
    assert counted["relay"] == counted["process-manager"] == counted["projector:finra_otc"] == 2
    assert counted["worker"] == counted["gateway"] == 1
    assert len(stack.instances()) == len(DEFAULT_SERVICES) + 6

    twice = Stack(Settings(data_dir=tmp_path), services=(("relay", None), ("relay", None)), write_dev_state=False)
    assert twice.instances() == [("relay", None, 1), ("relay", None, 2)]


class _OpenConnection:
    def is_closed(self) -> bool:
        return False
