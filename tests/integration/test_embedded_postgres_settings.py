"""The embedded PostgreSQL runs with the settings services/dev/pg_settings.py gives and explains:
a WAL bounded in size, and durability untouched (fsync and synchronous_commit on)."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import Servers

pytestmark = [pytest.mark.integration]


def test_wal_is_bounded_and_commits_stay_durable(servers: Servers) -> None:
    with psycopg.connect(servers.new_database()) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
                (["fsync", "synchronous_commit", "full_page_writes", "wal_level", "max_wal_size", "wal_compression"],),
            ).fetchall()
        )
    assert settings == {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "wal_level": "minimal",
        "max_wal_size": "256MB",
        "wal_compression": "off",
    }
