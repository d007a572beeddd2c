"""Exchange calendars: market holidays per exchange and year.

Importing :mod:`spine_domains.reference.exchange_calendar.pipelines` registers
``reference.exchange_calendar.ingest_year``; :mod:`.calendar` reads its captures.
"""
