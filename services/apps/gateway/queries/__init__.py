"""Read-model queries (SQL lives here, not in routes)."""
