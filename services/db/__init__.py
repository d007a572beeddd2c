"""PostgreSQL for read models: pools and the migration step."""

from services.db.migrate import migrate, migrate_projection
from services.db.pool import create_pool

__all__ = ["migrate", "migrate_projection", "create_pool"]
