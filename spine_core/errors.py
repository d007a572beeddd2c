"""The one exception tree of Spine.

Every error Spine raises on purpose derives from :class:`SpineError`. Each class carries a
stable machine-readable ``code`` and, where useful, a ``hint`` telling the user what to do.
Edges translate these once: HTTP status in the gateway, ACK/NAK/terminate in the worker,
exit code and message in the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "SpineError",
    "InvalidInput",
    "InvalidCommand",
    "InvalidParameter",
    "InvalidWeekEnding",
    "UnknownTier",
    "PositionNotRecorded",
    "NotFound",
    "UnknownPipeline",
    "UnknownCalc",
    "SourceUnreadable",
    "SourceCorrupted",
    "PayloadTooLarge",
    "MissingData",
    "Conflict",
    "PartitionBusy",
    "ConcurrencyConflict",
    "Unavailable",
    "NotYetApplied",
    "Unauthenticated",
    "Forbidden",
    "Misconfigured",
]


class SpineError(Exception):
    """Root of every error Spine raises on purpose."""

    code = "spine_error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = dict(details or {})

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description, as the gateway and ``--json`` outputs show it."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        if self.details:
            out["details"] = self.details
        return out


class InvalidInput(SpineError):
    """The caller asked for something malformed; retrying the same request cannot help."""

    code = "invalid_input"


class InvalidCommand(InvalidInput):
    """A command message that does not parse against its contract."""

    code = "invalid_command"


class InvalidParameter(InvalidInput):
    code = "invalid_parameter"


class InvalidWeekEnding(InvalidParameter):
    code = "invalid_week_ending"


class UnknownTier(InvalidParameter):
    code = "unknown_tier"


class PositionNotRecorded(InvalidInput):
    """A read asked for an event-store position the store has not reached: no projector will
    ever apply it by waiting."""

    code = "position_not_recorded"


class NotFound(SpineError):
    code = "not_found"


class UnknownPipeline(NotFound):
    code = "unknown_pipeline"


class UnknownCalc(NotFound):
    code = "unknown_calc"


class SourceUnreadable(InvalidInput):
    """A source file that cannot be read at all (empty, binary, unknown layout)."""

    code = "source_unreadable"


class SourceCorrupted(SourceUnreadable):
    """A stored source whose bytes no longer match its checksum: reading it again cannot help,
    storing it again can."""

    code = "source_corrupted"


class PayloadTooLarge(InvalidInput):
    """An upload larger than the limit the server takes."""

    code = "payload_too_large"


class MissingData(SpineError):
    """Data a calculation needs is absent: fail loud, name what to run."""

    code = "missing_data"


class Conflict(SpineError):
    code = "conflict"


class PartitionBusy(Conflict):
    """Another execution holds the partition; the command is retried later."""

    code = "partition_busy"


class ConcurrencyConflict(Conflict):
    """An optimistic-concurrency check failed on the write side: reload and decide again."""

    code = "concurrency_conflict"


class Unavailable(SpineError):
    """A server Spine depends on (PostgreSQL, NATS) cannot be reached."""

    code = "unavailable"


class NotYetApplied(Unavailable):
    """A read model has not applied the position a read asked for within the wait: the same
    request can succeed in a moment (``retry_after_s``)."""

    code = "not_yet_applied"

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: int = 1,
        hint: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, details=details)
        self.retry_after_s = retry_after_s


class Unauthenticated(SpineError):
    """The caller did not say who it is (no credentials), or said it wrongly (an unknown token)."""

    code = "unauthenticated"


class Forbidden(SpineError):
    """The caller is known but may not do this (its token lacks the scope)."""

    code = "forbidden"


class Misconfigured(SpineError):
    """A setting the servers cannot honour (e.g. more stream replicas than the NATS cluster has
    servers): retrying cannot help; the hint says which setting or server to change."""

    code = "misconfigured"
