"""The topics under which the aggregates' events are stored.

A stored event names its class by a topic (``module:qualname``), and every recorded event keeps
the topic it was written with. The aggregates were first defined in one module,
``spine_core.write.aggregates``; they now live in a module each, so every aggregate and event
class declares its original topic explicitly (the library's ``TOPIC`` attribute). New events are
stored exactly as before, and stored events and the replay's topic filters keep resolving.
"""

from __future__ import annotations

__all__ = ["STORED_MODULE", "stored_topic"]

#: The module named by every topic already in the event store. Never change it.
STORED_MODULE = "spine_core.write.aggregates"


def stored_topic(qualname: str) -> str:
    """The stored topic of the aggregate or event class with this qualified name."""
    return f"{STORED_MODULE}:{qualname}"
