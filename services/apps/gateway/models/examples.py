"""Example bodies of successful responses, for the OpenAPI document (taken from a real run)."""

from __future__ import annotations

from typing import Any

__all__ = ["ok", "WEEKS", "SYMBOLS", "EXECUTION", "RUN_ENDED", "PIPELINES"]

_CAPTURE = {
    "capture_id": "523eca07-c3a3-45ca-a54a-1e9c17a7e99a",
    "pipeline": "finra.otc_transparency.ingest_week",
    "week_ending": "2025-11-14",
    "tier": "NMS_TIER_1",
    "captured_at": "2025-12-01T09:03:29.277488+00:00",
    "source_updated": "2025-12-01",
    "latest_capture": True,
}

WEEKS = {
    "data": [
        {
            "week_ending": "2025-11-14",
            "tier": "NMS_TIER_1",
            "capture_id": "523eca07-c3a3-45ca-a54a-1e9c17a7e99a",
            "captured_at": "2025-12-01T09:03:29.277488+00:00",
            "source_updated": "2025-12-01",
            "rows": 300,
            "rows_rejected": 0,
            "captures": 1,
        }
    ],
    "meta": {"count": 1, "tier": None},
}

SYMBOLS = {
    "data": [
        {
            "symbol": "AIPC",
            "issue_name": "Westbridge Resources, Corp. Common Stock",
            "total_shares": 1776549226,
            "total_trades": 12501099,
            "venues": 8,
        }
    ],
    "meta": {**_CAPTURE, "count": 1, "limit": 1},
}

EXECUTION = {
    "data": {
        "execution_id": "707b6aef-885d-5d9f-9a5a-c69c50baed1a",
        "pipeline": "finra.otc_transparency.compute_rolling",
        "status": "completed",
        "params": {"tier": "NMS_TIER_1", "force": False, "window": 6, "week_ending": "2025-11-14"},
        "partition_key": "week_ending=2025-11-14/tier=NMS_TIER_1/window=6/calc_version=v1",
        "trigger_source": "scheduler",
        "lane": "normal",
        "batch_id": "1cf7e491-c71f-5b1a-b5b6-20b916cba1a1",
        "capture_id": "c784a5a7-3813-4e2c-9712-dbc4ff7e8f90",
        "resumed": False,
        "rows_accepted": 22,
        "rows_rejected": 0,
        "source": None,
        "details": {"calc": {"name": "rolling", "version": "v1", "deprecated": False}},
        "requested_at": "2025-12-01T09:03:30.0752+00:00",
        "started_at": "2025-12-01T09:03:30.0811+00:00",
        "finished_at": "2025-12-01T09:03:30.1292+00:00",
        "position": 91,
        "through": None,
    }
}

RUN_ENDED = {
    "data": {
        "execution_id": EXECUTION["data"]["execution_id"],
        "status": "completed",
        "poll": f"/v1/executions/{EXECUTION['data']['execution_id']}",
        "duplicate": False,
        "idempotency_key": "3f0c7d4e-8a51-4f7e-9d0b-0f6f1c2e9b7a",
        "position": EXECUTION["data"]["position"],
        "execution": EXECUTION["data"],
    }
}

PIPELINES = {
    "data": [
        {
            "name": "finra.otc_transparency.compute_rolling",
            "domain": "finra.otc_transparency",
            "stage": "rolling",
            "description": "Rolling statistics of each symbol's weekly volume over a window of weeks.",
            "needs_file": False,
            "partition_by": ["week_ending", "tier", "window", "calc_version"],
            "calc": "rolling",
            "params": [
                {
                    "name": "window",
                    "type": "int",
                    "required": False,
                    "default": 6,
                    "help": "weeks in the window",
                }
            ],
        }
    ],
    "meta": {"count": 1},
}


def ok(example: dict[str, Any], status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entry: an example body of the route's success response."""
    return {status: {"content": {"application/json": {"example": example}}}}
