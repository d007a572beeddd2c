"""`SPINE_DEV_PROCESSES=grouped`: the relay, the projectors and the process manager of `spine dev`
become one `spine service group ...` process; what a group may hold is checked."""

from __future__ import annotations

import pytest

from services.bootstrap import LEASED
from services.dev.stack import DEFAULT_SERVICES, grouped
from services.groups import group_arg, parse_group
from spine_core.errors import Misconfigured


def test_the_dev_stack_groups_the_leased_services_into_one_process() -> None:
    members = tuple(service for service in DEFAULT_SERVICES if service[0] in LEASED)
    assert len(members) == 6  # relay, four projectors, process manager
    services = grouped(DEFAULT_SERVICES)
    assert services == (("worker", None), ("group", group_arg(members)), ("gateway", None))
    assert parse_group(group_arg(members)) == list(members)
    assert grouped((("worker", None), ("relay", None))) == (("worker", None), ("relay", None))  # one: no group
    replicas = (("relay", None), ("relay", None), ("projector", "manifest"))
    assert grouped(replicas) == replicas  # a service listed twice runs twice, each in its own process


@pytest.mark.parametrize("members", ["gateway", "relay,projector", "relay,nonsense", "", "projector:x,relay:y"])
def test_a_group_refuses_what_it_cannot_run(members: str) -> None:
    with pytest.raises(Misconfigured, match="cannot run"):
        parse_group(members)
