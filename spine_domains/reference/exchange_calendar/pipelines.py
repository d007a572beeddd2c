"""Exchange calendar pipelines (registered on import)."""
