"""End-to-end tests run against the whole system as processes: one stack shared by the modules of
this package, or a stack of their own for the modules that set ``STACK_SETTINGS``.

Sharing holds because each module works in partitions (week and tier) no other module of the
package uses (or, where two read the same fixed FINRA week, as a new capture that either order
allows) and never asserts over the whole store. A module that changes the stack for good
(poisons a projection, migrates its tables), or needs other settings, sets ``STACK_SETTINGS`` or
starts its own stack.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.dev.stack import Stack
from tests.conftest import Servers, start_stack

#: The shared stack's settings. A read with ``min_position`` waits this long before a 503: long
#: enough for a busy projector to apply a small week, short enough to see the 503 of
#: test_read_your_writes.py soon.
SHARED_STACK_SETTINGS = {"read_wait_seconds": 3.0}


@pytest.fixture(scope="package")
def shared_stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(tmp_path_factory.mktemp("e2e-stack"), servers, **SHARED_STACK_SETTINGS) as running:
        yield running


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The package's shared stack, or one of the module's own when it sets ``STACK_SETTINGS``."""
    own = getattr(request.module, "STACK_SETTINGS", None)
    if own is None:
        yield request.getfixturevalue("shared_stack")
        return
    with start_stack(tmp_path_factory.mktemp("stack"), servers, **own) as running:
        yield running
