"""The pipeline registry: lookups by name, with close matches suggested for typos."""

from __future__ import annotations

import pytest

from spine_core.errors import UnknownPipeline
from spine_core.framework.registry import PipelineRegistry
from tests.unit.core.runner_support import LinePipeline


class OtherPipeline(LinePipeline):
    name = "test.words"


class Impostor(LinePipeline):
    """Same name as LinePipeline, different class."""


@pytest.fixture
def registry() -> PipelineRegistry:
    registry = PipelineRegistry()
    registry.register(LinePipeline())
    registry.register(OtherPipeline())
    return registry


def test_get_returns_the_registered_instance(registry: PipelineRegistry) -> None:
    assert isinstance(registry.get("test.lines"), LinePipeline)
    assert registry.names() == ["test.lines", "test.words"]
    assert [p.name for p in registry.all()] == ["test.lines", "test.words"]


def test_unknown_name_suggests_close_matches(registry: PipelineRegistry) -> None:
    with pytest.raises(UnknownPipeline) as raised:
        registry.get("test.line")
    assert raised.value.message == "unknown pipeline 'test.line'"
    assert raised.value.hint is not None
    assert raised.value.hint.startswith("did you mean ")
    assert "test.lines" in raised.value.hint


def test_unknown_name_without_close_match_points_to_the_list(registry: PipelineRegistry) -> None:
    with pytest.raises(UnknownPipeline) as raised:
        registry.get("finra.completely.different")
    assert raised.value.hint == "list them with `spine pipelines`"


def test_registering_the_same_pipeline_again_is_allowed(registry: PipelineRegistry) -> None:
    again = LinePipeline()
    assert registry.register(again) is again
    assert registry.get("test.lines") is again


def test_two_classes_cannot_share_a_name(registry: PipelineRegistry) -> None:
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(Impostor())
