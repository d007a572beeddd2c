"""The dashboard router serves one self-contained page and its assets, and nothing else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import services.apps.gateway.dashboard as dashboard_package
from services.apps.gateway.dashboard import asset_names, render_page
from services.apps.gateway.errors import install_error_handlers
from services.apps.gateway.routers import dashboard

PACKAGE_DIR = Path(dashboard_package.__file__).parent
TESTIDS = ("connection", "head", "relay-position", "sampled-at", "projectors", "lag-chart", "dead-letters", "instances")
# Anything that would make the browser leave this origin: an absolute or protocol-relative URL,
# an import of another host, a font or stylesheet from a CDN.
FOREIGN = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import\s+url|fonts\.googleapis""", re.IGNORECASE)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(dashboard.router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        yield http


async def test_the_page_is_html_with_stable_test_ids(client: httpx.AsyncClient) -> None:
    response = await client.get("/ops")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    for testid in TESTIDS:
        assert f'data-testid="{testid}"' in response.text
    assert '<script type="module" src="/ops/assets/ops.js"></script>' in response.text
    assert '<link rel="stylesheet" href="/ops/assets/ops.css">' in response.text


async def test_the_page_may_load_nothing_from_another_origin(client: httpx.AsyncClient) -> None:
    policy = (await client.get("/ops")).headers["content-security-policy"]
    assert "default-src 'none'" in policy
    for directive in ("script-src 'self'", "style-src 'self'", "connect-src 'self'"):
        assert directive in policy


@pytest.mark.parametrize("name", sorted(asset_names()))
async def test_every_asset_is_served_and_self_contained(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/ops/assets/{name}")
    assert response.status_code == 200
    expected = "text/css" if name.endswith(".css") else "text/javascript"
    assert response.headers["content-type"].startswith(expected)
    assert not FOREIGN.search(response.text), FOREIGN.search(response.text)


def test_the_page_itself_is_self_contained() -> None:
    assert not FOREIGN.search(render_page()), FOREIGN.search(render_page())


def test_every_module_the_page_imports_is_an_asset() -> None:
    names = asset_names()
    assert {"ops.js", "ops.css"} <= names
    for name in (n for n in names if n.endswith(".js")):
        text = (PACKAGE_DIR / name).read_text()
        for imported in re.findall(r"""from\s+["']\./([\w.-]+)["']""", text):
            assert imported in names, f"{name} imports {imported}, which /ops/assets does not serve"


async def test_an_unchanged_asset_costs_a_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/ops/assets/ops.js")
    again = await client.get("/ops/assets/ops.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content


@pytest.mark.parametrize("name", ["page.py", "__init__.py", "ops.html", "nope.js", "..%2Fpage.py", "%2E%2E"])
async def test_nothing_but_the_assets_leaks_out(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/ops/assets/{name}")
    assert response.status_code == 404
    if response.headers["content-type"] == "application/problem+json":
        assert response.json()["code"] == "not_found"


def test_a_proxy_prefix_reaches_assets_and_api_calls() -> None:
    html = render_page("/spine/")
    assert 'href="/spine/ops/assets/ops.css"' in html
    assert 'src="/spine/ops/assets/ops.js"' in html
    assert 'data-root="/spine"' in html
    assert 'data-root="&quot;&gt;' in render_page('">')  # escaped, never markup
