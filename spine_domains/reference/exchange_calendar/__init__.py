"""Exchange calendars: market holidays per exchange and year.

``reference.exchange_calendar.ingest_year`` is in :mod:`.pipelines` (registered by
:func:`.registration.register`); :mod:`.calendar` reads its captures.
"""
