"""Chaining stages: what the process manager listens to in order to issue a workflow's next commands."""

from __future__ import annotations

__all__ = ["CHAIN_EVENT_TYPES"]

#: The run events the process manager applies: a request records a run, an end issues what follows.
CHAIN_EVENT_TYPES = frozenset({"RunRequested", "RunCompleted", "RunSkipped", "RunFailed"})
