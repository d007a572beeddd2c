from __future__ import annotations

import pytest

from tests.unit.core.runner_support import Harness, new_harness


@pytest.fixture
def harness() -> Harness:
    """A fresh in-memory event store and a registry holding only the test pipeline."""
    return new_harness()
