"""PostgreSQL for read models: pools and the migration step."""

from services.adapters.db.migrate import migrate, migrate_projection
from services.adapters.db.pool import create_pool

__all__ = ["migrate", "migrate_projection", "create_pool"]
