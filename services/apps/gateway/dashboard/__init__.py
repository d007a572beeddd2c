"""The live projection-lag dashboard: one static page (HTML, CSS, ES modules) served same-origin.

The page holds no server-side logic: the browser reads the ops endpoints (``/v1/ops/projections``,
``/v1/ops/stream``, ``/v1/ops/dead-letters``) and draws everything itself, with no framework and
nothing fetched from another origin.
"""

from services.apps.gateway.dashboard.page import Asset, asset_names, load_asset, render_page

__all__ = ["Asset", "asset_names", "load_asset", "render_page"]
