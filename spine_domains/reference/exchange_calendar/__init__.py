"""Exchange calendars: market holidays per exchange and year."""
