"""Read models built from events.

Each projection is a pure mapper (event -> changes, no I/O) plus an applier that writes a batch
of changes and the projection's checkpoint in ONE asyncpg transaction. Each owns a PostgreSQL
schema whose SQL lives beside it (``schema/NNN_*.sql``), so a rebuild can be made in a new
schema beside the live one and swapped in atomically.
"""

from projections.base import Applier, EventBatch, ProjectionSpec
from projections.registry import PROJECTIONS, get_projection

__all__ = ["Applier", "EventBatch", "ProjectionSpec", "PROJECTIONS", "get_projection"]
