"""Reading the read models through the gateway and showing them, as tables or JSON.

Used by the `spine query` commands and by `spine demo`'s summary.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.cli.client import GatewayClient
from services.cli.output import err, out, print_json, table
from services.settings import Settings

__all__ = ["get_json", "query_symbols", "query_weeks", "show_body", "show_symbols", "show_weeks"]


def get_json(settings: Settings, path: str, **params: Any) -> dict[str, Any]:
    """GET a path of the running gateway; the JSON body."""

    async def call() -> dict[str, Any]:
        assert settings.gateway_url
        async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
            return await gateway.get(path, **params)

    return asyncio.run(call())


def show_body(body: dict[str, Any], title: str, as_json: bool) -> None:
    """A read model's rows as a table (with its clocks, calc and warning), or the body as JSON."""
    if as_json:
        print_json(body)
        return
    meta = body.get("meta", {})
    if meta.get("warning"):
        err.print(f"[bold yellow]warning:[/] {meta['warning']}", highlight=False)
    rows = body["data"]
    if not rows:
        out.print(f"{title}: no rows")
        return
    columns = list(rows[0])
    numeric = {
        c for c in columns if all(isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool) for r in rows)
    }
    clocks = ", ".join(
        f"{k} {meta[k]}" for k in ("week_ending", "tier", "capture_id", "captured_at", "source_updated") if meta.get(k)
    )
    calc = meta.get("calc")
    calc_text = f", {calc['name']} {calc['version']}" if calc else ""
    context = f"{clocks}{calc_text}".lstrip(", ")
    head = f"{title} ({context})" if context else title
    out.print(table(head, columns, [[_fmt(r.get(c)) for c in columns] for r in rows], right=numeric))
    if meta.get("total") is not None and meta["total"] > len(rows):
        out.print(f"{len(rows)} of {meta['total']} rows (use --limit / --offset)")


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, dict | list):
        return str(value)
    return value


async def query_weeks(settings: Settings, tier: str | None) -> dict[str, Any]:
    """Weeks with data (GET /v1/data/weeks)."""
    assert settings.gateway_url
    async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
        return await gateway.get("/v1/data/weeks", tier=tier)


async def query_symbols(
    settings: Settings, week_ending: str, tier: str, top: int, capture_id: str | None = None
) -> dict[str, Any]:
    """Top symbols of a week (GET /v1/data/symbols)."""
    assert settings.gateway_url
    async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
        return await gateway.get(
            "/v1/data/symbols", week_ending=week_ending, tier=tier, limit=top, capture_id=capture_id
        )


def show_weeks(body: dict[str, Any], as_json: bool) -> None:
    """The weeks as a table, or the body as JSON."""
    if as_json:
        print_json(body)
        return
    rows = [
        [w["week_ending"], w["tier"], w["rows"], w["rows_rejected"], w["captures"], w["capture_id"]]
        for w in body["data"]
    ]
    if not rows:
        out.print("no weeks captured yet — ingest one with `spine run finra.otc_transparency.ingest_week ...`")
        return
    out.print(
        table(
            "Weeks",
            ["week ending", "tier", "rows", "rejected", "captures", "latest capture"],
            rows,
            right={"rows", "rejected", "captures"},
        )
    )


def show_symbols(body: dict[str, Any], as_json: bool) -> None:
    """The top symbols as a table, or the body as JSON."""
    if as_json:
        print_json(body)
        return
    meta = body["meta"]
    rows = [
        [i + 1, s["symbol"], s["issue_name"], s["total_shares"], s["total_trades"], s["venues"]]
        for i, s in enumerate(body["data"])
    ]
    title = f"Top symbols, week ending {meta['week_ending']}, {meta['tier']} (capture {meta['capture_id']})"
    out.print(
        table(
            title,
            ["#", "symbol", "issue", "shares", "trades", "venues"],
            rows,
            right={"#", "shares", "trades", "venues"},
        )
    )
