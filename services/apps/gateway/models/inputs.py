"""Checks on request bodies shared by the routes' body models."""

from __future__ import annotations

from typing import Any

__all__ = ["refuse_nul", "MAX_POSITION"]

#: The largest event-store position a request may name: positions are PostgreSQL bigints, and one
#: is added to read after a position.
MAX_POSITION = 2**63 - 2


def refuse_nul(value: Any) -> Any:
    """Refuse strings PostgreSQL and file paths cannot hold (NUL, lone surrogates), anywhere in
    a JSON value; used as a ``mode="before"`` validator of body models."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            refuse_nul(item)
    return value
