"""The live projection-lag dashboard: one static page (HTML, CSS, JS) served same-origin.

The page holds no server-side logic: it reads the ops endpoints (``/v1/ops/projections``,
``/v1/ops/stream``, ``/v1/ops/dead-letters``) from the browser and draws everything itself.
"""

from services.gateway.dashboard.page import ASSET_TYPES, Asset, load_asset, render_page

__all__ = ["ASSET_TYPES", "Asset", "load_asset", "render_page"]
