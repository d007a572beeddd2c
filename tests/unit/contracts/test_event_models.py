"""Every event data model: one per type, on the right stream, closed to unknown fields."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate
from pydantic import ValidationError

from contracts.events import EVENT_TYPES, REJECT_COLUMNS, RowsCaptured
from spine_core.rejects import REJECT_COLUMNS as CORE_REJECT_COLUMNS
from spine_core.write import Capture, Execution, Partition

#: The library gives each aggregate class its own ``Event`` and ``Created`` base classes.
_LIBRARY_BASES = {"Event", "Created"}
STREAMS = {"execution": Execution, "partition": Partition, "capture": Capture}


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_every_model_rejects_unknown_fields(type_name: str) -> None:
    _, model = EVENT_TYPES[type_name]
    with pytest.raises(ValidationError) as raised:
        model.model_validate({"not_a_field": 1})
    assert ("not_a_field",) in [e["loc"] for e in raised.value.errors() if e["type"] == "extra_forbidden"]


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_every_contract_names_an_event_of_its_streams_aggregate(type_name: str) -> None:
    stream, model = EVENT_TYPES[type_name]
    assert model.__name__ == type_name
    assert hasattr(STREAMS[stream], type_name), f"{type_name} is not an event of {STREAMS[stream].__name__}"


def test_aggregate_events_and_contracts_match_one_to_one() -> None:
    found: set[str] = set()
    for stream, aggregate in STREAMS.items():
        names = {
            name
            for name, value in vars(aggregate).items()
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and name not in _LIBRARY_BASES
        }
        assert names, f"no events found on {aggregate.__name__}"
        assert {EVENT_TYPES[n][0] for n in names if n in EVENT_TYPES} == {stream}
        found |= names
    assert found == set(EVENT_TYPES)


def test_row_events_do_not_carry_the_block_in_their_data() -> None:
    assert "block" not in RowsCaptured.model_fields
    assert "block" not in EVENT_TYPES["RowsRejected"][1].model_fields


def test_reject_columns_match_the_core() -> None:
    assert REJECT_COLUMNS == CORE_REJECT_COLUMNS
