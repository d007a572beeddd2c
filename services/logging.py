"""Structured logging: text for people, JSON lines on request (``SPINE_LOG_FORMAT=json``).

Every line logged while a run is handled carries its ``execution_id`` and ``capture_id``:
they come from the record's ``extra`` or from context variables set by :func:`log_context`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

__all__ = ["configure_logging", "log_context"]

_CONTEXT_FIELDS = ("execution_id", "capture_id", "service")
_context: dict[str, contextvars.ContextVar[str | None]] = {
    name: contextvars.ContextVar(f"spine_log_{name}", default=None) for name in _CONTEXT_FIELDS
}


@contextlib.contextmanager
def log_context(**values: str | None) -> Iterator[None]:
    tokens = [(_context[k], _context[k].set(v)) for k, v in values.items() if k in _context]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _context.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        ids = [f"{n}={getattr(record, n)}" for n in ("execution_id", "capture_id") if getattr(record, n, None)]
        return f"{base} [{' '.join(ids)}]" if ids else base


def configure_logging(
    level: str = "INFO", fmt: str = "text", service: str | None = None, stream: TextIO | None = None
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_ContextFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        prefix = f"{service} " if service else ""
        handler.setFormatter(_TextFormatter(f"%(asctime)s %(levelname)-5s {prefix}%(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    if service:
        _context["service"].set(service)
    # Per-message logs of the libraries cost throughput and say nothing an operator needs.
    for noisy in ("faststream", "faststream.access", "nats", "eventsourcing", "uvicorn.access", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
