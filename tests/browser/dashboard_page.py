"""Reading the ops dashboard the way an operator sees it: through its DOM, in a real browser.

Every wait polls a condition until a deadline; every value comes from a ``data-testid`` element.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.polling import eventually

if TYPE_CHECKING:  # the fixtures skip, with a reason, when playwright is missing
    from playwright.async_api import Page

__all__ = ["ARTIFACTS", "DashboardPage"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


class DashboardPage:
    """A page of the dashboard, with what the page's own JavaScript did wrong collected on the side."""

    def __init__(self, page: Page, allowed_origin: str) -> None:
        self.page = page
        self.allowed_origin = allowed_origin
        self.page_errors: list[str] = []  # uncaught exceptions of the page's own code
        self.console_errors: list[str] = []  # also failed requests, e.g. a stream that answered 503
        self.foreign_requests: list[str] = []
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _request(self, request: Any) -> None:
        url: str = request.url
        if not (url.startswith(self.allowed_origin) or url.startswith("data:")):
            self.foreign_requests.append(url)

    async def open(self, url: str) -> None:
        response = await self.page.goto(url, wait_until="domcontentloaded", timeout=30_000)
        status = response.status if response is not None else None
        assert status == 200, f"GET {url} answered {status}: does the gateway include the dashboard router?"

    # ------------------------------------------------------------------ reading
    async def text(self, testid: str) -> str:
        return await self.page.get_by_test_id(testid).inner_text(timeout=5_000)

    async def attr(self, testid: str, name: str) -> str | None:
        return await self.page.get_by_test_id(testid).get_attribute(name, timeout=5_000)

    async def number(self, testid: str) -> float | None:
        """The raw value behind a number cell (``data-value``); None when the page shows none."""
        raw = await self.attr(testid, "data-value")
        return float(raw) if raw not in (None, "") else None

    async def status(self, projector: str) -> str | None:
        return await self.attr(f"status-{projector}", "data-status")

    async def colour(self, testid: str) -> tuple[int, int, int]:
        """The computed text colour of an element, as (red, green, blue)."""
        css = await self.page.get_by_test_id(testid).evaluate("e => getComputedStyle(e).color")
        red, green, blue = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
        return red, green, blue

    async def connection(self) -> str | None:
        return await self.attr("connection", "data-state")

    async def shown_projectors(self) -> list[str]:
        names = await self.page.locator('#projector-rows tr[data-testid^="projector-row-"]').evaluate_all(
            "rows => rows.map(r => r.dataset.name)"
        )
        return [str(n) for n in names]

    async def chart(self) -> dict[str, Any]:
        """What the chart says it drew, plus how many of its pixels are not blank."""
        result: dict[str, Any] = await self.page.get_by_test_id("lag-chart").evaluate(
            """canvas => {
                const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                let painted = 0;
                for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
                return {points: Number(canvas.dataset.points), series: Number(canvas.dataset.series),
                        metric: canvas.dataset.metric, painted};
            }"""
        )
        return result

    # ------------------------------------------------------------------ waiting
    async def wait_for_projectors(self, names: tuple[str, ...], timeout: float) -> None:
        async def all_shown() -> bool:
            return set(names) <= set(await self.shown_projectors())

        await eventually(all_shown, timeout, f"rows for every projector {names}")

    async def wait_for_connection(self, state: str, timeout: float) -> None:
        async def reached() -> bool:
            return await self.connection() == state

        await eventually(reached, timeout, f"the connection indicator to say {state!r}")

    async def wait_caught_up(self, projector: str, timeout: float) -> None:
        async def caught_up() -> bool:
            return await self.number(f"events-behind-{projector}") == 0 and await self.status(projector) == "OK"

        await eventually(caught_up, timeout, f"{projector} at 0 events behind with status OK")

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        await self.page.screenshot(path=str(path), full_page=True)
        return path
