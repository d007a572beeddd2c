"""Debian's Chromium, as the browser tests launch it.

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it as root), never
from Playwright's own download, which this closed network refuses. Without it the tests skip,
saying why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

__all__ = ["CHROMIUM_FLAGS", "MISSING", "chromium_executable", "needs_chromium"]

# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# machine's network refuses, and stalls. Playwright adds --headless and a fresh profile itself.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
MISSING = "Debian's chromium is not installed (apt-get install chromium): the dashboard's browser tests need it"


def chromium_executable() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


# For modules whose fixtures are expensive (a whole stack): skip before building them.
needs_chromium = pytest.mark.skipif(chromium_executable() is None, reason=MISSING)
