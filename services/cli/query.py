"""`spine query`: read models through the gateway."""

from __future__ import annotations

from typing import Any

from services.cli.client import GatewayClient
from services.cli.output import out, print_json, table
from services.settings import Settings

__all__ = ["query_weeks", "query_symbols", "show_weeks", "show_symbols"]


async def query_weeks(settings: Settings, tier: str | None) -> dict[str, Any]:
    assert settings.gateway_url
    async with GatewayClient(settings.gateway_url) as gateway:
        return await gateway.get("/v1/data/weeks", tier=tier)


async def query_symbols(
    settings: Settings, week_ending: str, tier: str, top: int, capture_id: str | None = None
) -> dict[str, Any]:
    assert settings.gateway_url
    async with GatewayClient(settings.gateway_url) as gateway:
        return await gateway.get(
            "/v1/data/symbols", week_ending=week_ending, tier=tier, limit=top, capture_id=capture_id
        )


def show_weeks(body: dict[str, Any], as_json: bool) -> None:
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
