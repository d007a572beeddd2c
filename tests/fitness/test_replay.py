"""Replay is idempotent: every read model rebuilt from the event store into a new schema has the
same content as the live one (audit columns aside)."""

from __future__ import annotations

import pytest

from projections.registry import PROJECTIONS
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import rebuild_projection, table_checksums
from tests.fitness.conftest import Populated
from tests.fitness.helpers import api, db

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("name", sorted(PROJECTIONS))
def test_rebuilt_read_model_equals_the_live_one(populated: Populated, name: str) -> None:
    spec = PROJECTIONS[name]
    head = api(populated, "/v1/ops/caught-up")["data"]["position"]
    app = SpineEventStore.connect(populated.settings)
    try:

        async def work(conn):  # type: ignore[no-untyped-def]
            result = await rebuild_projection(conn, app, spec, f"{spec.schema}__replay", upto=head)
            live = await table_checksums(conn, spec.schema)
            rebuilt = await table_checksums(conn, f"{spec.schema}__replay")
            await conn.execute(f'DROP SCHEMA "{spec.schema}__replay" CASCADE')
            return result, live, rebuilt

        result, live, rebuilt = db(populated, work)
    finally:
        app.close()
    assert result.events > 0
    assert set(live) == set(rebuilt)
    assert any(count > 0 for count, _ in live.values()), f"{name} has no rows to compare"
    for table in live:
        assert rebuilt[table] == live[table], f"{name}.{table}: rebuilt {rebuilt[table]} != live {live[table]}"
