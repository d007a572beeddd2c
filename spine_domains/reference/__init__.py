"""Reference data domains (exchange calendars)."""
