"""Load the dashboard's static files from this package and render its one HTML page.

Assets are read once per process and addressed by a content hash in their URL, so a browser may
keep them forever and still sees a new version the moment the gateway serves one.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from functools import cache
from importlib import resources

from spine_core.errors import NotFound

__all__ = ["ASSET_TYPES", "Asset", "load_asset", "render_page"]

_PAGE = "ops.html"

# The allow-list of what ``/ops/assets/{name}`` serves: nothing else in the package leaks out.
ASSET_TYPES: dict[str, str] = {
    "ops.css": "text/css; charset=utf-8",
    "ops.js": "text/javascript; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file of the dashboard, with what HTTP needs to serve and cache it."""

    name: str
    media_type: str
    body: bytes

    @property
    def version(self) -> str:
        """A short content hash: the ``?v=`` of the asset's URL and its ETag."""
        return hashlib.sha256(self.body).hexdigest()[:16]


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


@cache
def load_asset(name: str) -> Asset:
    """The asset called ``name``; raises :class:`NotFound` for a name not on the allow-list."""
    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        raise NotFound(f"no dashboard asset called {name!r}", details={"known": sorted(ASSET_TYPES)})
    return Asset(name, media_type, _read(name))


@cache
def _template() -> str:
    return _read(_PAGE).decode("utf-8")


def render_page(root_path: str = "") -> str:
    """The page's HTML, with asset URLs and API calls under ``root_path`` (a proxy's prefix)."""
    root = html.escape(root_path.rstrip("/"), quote=True)
    return (
        _template()
        .replace("{{root}}", root)
        .replace("{{css_version}}", load_asset("ops.css").version)
        .replace("{{js_version}}", load_asset("ops.js").version)
    )
