"""The settings the embedded PostgreSQL server starts with (``spine dev``, the tests, the
benchmarks), and why. A deployment's own server (compose, Kubernetes) is configured by its
operator; these are what suits a single server on one machine whose backups are pg_dump's
(``spine backup``).

* ``max_connections=200``: every service holds a small pool; a cluster runs two of each.
* ``shared_buffers=128MB`` (the default, said here because it was measured): with 256MB a
  1,000,000-row week through every stage peaked at 450 MB of PostgreSQL PSS, with 128MB at
  294 MB, for the same CPU (21.5 s against 22.6 s, back to back): the captures the stages read
  in turn stay in the operating system's cache, which no process is charged for.
* ``max_wal_size=256MB``, ``min_wal_size=64MB``: a checkpoint every ~130 MB of WAL keeps the WAL
  directory near a quarter of a GB; with 4GB, a 1,000,000-row week through every stage left
  1.5 GB of WAL on disk (measured by ``uv run python -m benchmarks --only through_all``).
* ``wal_compression=off`` (the default, said here because it was measured): compressing the
  full-page images those checkpoints add with pglz (this build has neither lz4 nor zstd) cost
  PostgreSQL 3.7 s more CPU in a 1,000,000-row week through every stage (23.3 s against 19.6 s),
  and left the same 256 MB of WAL on disk (``max_wal_size`` bounds it; more is written).
* ``wal_level=minimal``, ``max_wal_senders=0``: no replica reads this WAL; and a table created or
  truncated in the transaction that loads it (a replay's shadow tables) is not written to it.

``fsync`` and ``synchronous_commit`` stay on: an event the store acknowledged survives a crash
of the server or of the machine.
"""

from __future__ import annotations

__all__ = ["SERVER_SETTINGS"]

SERVER_SETTINGS = " ".join(
    f"-c {name}={value}"
    for name, value in (
        ("max_connections", "200"),
        ("shared_buffers", "128MB"),
        ("max_wal_size", "256MB"),
        ("min_wal_size", "64MB"),
        ("wal_compression", "off"),
        ("wal_level", "minimal"),
        ("max_wal_senders", "0"),
    )
)
