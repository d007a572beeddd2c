"""Where the shared FINRA data lives (beside the project's root, never copied into it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``../shared`` beside the project root, or ``$SPINE_SHARED_DIR`` when set (tests only)."""
    override = os.environ.get("SPINE_SHARED_DIR")
    return Path(override) if override else PROJECT_ROOT.parent / "shared"


def finra_data(*parts: str) -> Path:
    """A path under ``shared/data/finra_otc``; skips the test with a clear reason when absent."""
    path = shared_dir() / "data" / "finra_otc"
    for part in parts:
        path = path / part
    if not path.exists():
        pytest.skip(f"shared FINRA data not found at {path} (tests read it from ../shared beside the project)")
    return path
