"""Load the dashboard's static files from this package and render its one HTML page.

Files are read once per process. They are served with an ETag and ``no-cache``: a browser keeps
them and revalidates each load with a cheap 304, so a new gateway version shows at once (the ES
modules import one another by plain relative URLs, which a ``?v=`` in the page could not reach).
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from spine_core.errors import NotFound

__all__ = ["Asset", "asset_names", "load_asset", "render_page"]

_PAGE = "ops.html"
# What ``/ops/assets/{name}`` may serve, by suffix: never the package's Python sources.
_MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file of the dashboard, with what HTTP needs to serve and cache it."""

    name: str
    media_type: str
    body: bytes

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _files() -> Traversable:
    return resources.files(__package__)


@cache
def asset_names() -> frozenset[str]:
    """The names of every servable asset (the package's .css and .js files)."""
    return frozenset(
        entry.name for entry in _files().iterdir() if entry.is_file() and _suffix(entry.name) in _MEDIA_TYPES
    )


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


@cache
def load_asset(name: str) -> Asset:
    """The asset called ``name``; raises :class:`NotFound` for any other name."""
    if name not in asset_names():
        raise NotFound(f"no dashboard asset called {name!r}", details={"known": sorted(asset_names())})
    return Asset(name, _MEDIA_TYPES[_suffix(name)], _files().joinpath(name).read_bytes())


@cache
def _template() -> str:
    return _files().joinpath(_PAGE).read_text(encoding="utf-8")


def render_page(root_path: str = "") -> str:
    """The page's HTML, its asset URLs and API calls under ``root_path`` (a reverse proxy's prefix)."""
    return _template().replace("{{root}}", html.escape(root_path.rstrip("/"), quote=True))
