"""A stand-in for the gateway's ops endpoints, driven by the test: the dashboard page is served
by the real router, the samples by :class:`FakeOps`, whose lag the test raises and lowers."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from services.apps.gateway.errors import install_error_handlers
from services.apps.gateway.routers import dashboard
from services.dev.embedded import free_port
from tests.polling import eventually_sync

__all__ = ["PROJECTORS", "FakeOps", "serve"]

PROJECTORS = ("manifest", "finra_otc", "quality", "reference", "process_manager")


class FakeOps:
    """The ops data contract with values the test sets; every projector is OK until told otherwise."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.interval_s = interval_s
        self.head = 120_000
        self.behind: dict[str, int] = dict.fromkeys(PROJECTORS, 0)
        self.status: dict[str, str] = {}
        self.dead_letters: list[dict[str, Any]] = []
        self.instances: list[dict[str, Any]] = [
            _instance("relay", "a1", "active"),
            _instance("relay", "b2", "standby"),
            _instance("projector:finra_otc", "c3", "active"),
        ]
        self.stream_up = True  # False: the stream answers 503 and open streams end
        self.stream_connections = 0
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ what the test drives
    def set_behind(self, name: str, events: int) -> None:
        with self._lock:
            self.behind[name] = events

    def set_instance_state(self, instance_id: str, state: str) -> None:
        with self._lock:
            for item in self.instances:
                if item["instance_id"] == instance_id:
                    item.update(_instance(item["service"], instance_id, state))

    def set_status(self, name: str, status: str | None) -> None:
        with self._lock:
            if status is None:
                self.status.pop(name, None)
            else:
                self.status[name] = status

    # ------------------------------------------------------------------ the contract
    def sample(self) -> dict[str, Any]:
        with self._lock:
            self.head += 40
            now = datetime.now(UTC)
            projectors = []
            for name in PROJECTORS:
                behind = self.behind[name]
                status = self.status.get(name) or ("LAGGING" if behind > 0 else "OK")
                rate = 850.5 if behind else 12.0
                projectors.append(
                    {
                        "name": name,
                        "position": self.head - behind,
                        "events_behind": behind,
                        "pending": max(behind - 45, 0),
                        "seconds_behind": round(behind / 1000, 1),
                        "rate": rate,
                        "eta_s": round(behind / rate, 1) if behind else 0.0,
                        "status": status,
                        "status_reason": _reason(status, behind),
                        "dead_letters": sum(1 for d in self.dead_letters if d["projection"] == name),
                        "events_applied": 100_000 + self.head - behind,
                        "consumer": True,
                        "updated_at": now.isoformat(timespec="milliseconds"),
                    }
                )
            return {
                "sampled_at": now.isoformat(timespec="milliseconds"),
                "head": self.head,
                "relay_position": self.head - 3,
                "projectors": projectors,
            }

    def history(self, seconds: int) -> list[dict[str, Any]]:
        """A past with one bump of lag for finra_otc, so the chart has a shape from the first paint."""
        now = time.time()
        out = []
        for ago in range(min(seconds, 600), 0, -2):
            bump = max(0.0, math.sin((600 - ago) / 600 * math.pi * 2)) * 4000
            projectors = {
                name: {
                    "events_behind": int(bump) if name == "finra_otc" else (int(bump / 6) if name == "quality" else 0),
                    "seconds_behind": round(bump / 1000, 1) if name == "finra_otc" else 0.0,
                    "status": "LAGGING" if bump and name == "finra_otc" else "OK",
                }
                for name in PROJECTORS
            }
            out.append({"t": now - ago, "projectors": projectors})
        return out

    def app(self) -> FastAPI:
        app = FastAPI()
        install_error_handlers(app)
        app.include_router(dashboard.router)

        @app.get("/v1/ops/projections")
        async def projections(history: int | None = None) -> dict[str, Any]:
            body: dict[str, Any] = {"data": self.sample()}
            if history:
                body["history"] = self.history(history)
            return body

        @app.get("/v1/ops/stream", response_model=None)
        async def stream(request: Request) -> StreamingResponse | JSONResponse:
            if not self.stream_up:
                return JSONResponse(status_code=503, content={"error": {"code": "unavailable", "message": "down"}})
            self.stream_connections += 1
            return StreamingResponse(self._events(request), media_type="text/event-stream")

        @app.get("/v1/ops/dead-letters")
        async def dead_letters() -> dict[str, Any]:
            with self._lock:
                items = list(self.dead_letters)
            return {"data": items, "meta": {"count": len(items)}}

        @app.get("/v1/ops/instances")
        async def instances() -> dict[str, Any]:
            with self._lock:
                items = [dict(i) for i in self.instances]
            return {"data": items, "meta": {"count": len(items)}}

        return app

    async def _events(self, request: Request) -> AsyncIterator[bytes]:
        yield b"retry: 500\n\n"
        while self.stream_up and not await request.is_disconnected():
            yield f"event: sample\ndata: {json.dumps(self.sample())}\n\n".encode()
            await asyncio.sleep(self.interval_s)


def _instance(service: str, instance_id: str, state: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    return {
        "service": service,
        "instance_id": instance_id,
        "host": "ops-host",
        "pid": 4000 + len(instance_id),
        "state": state,
        "since": now,
        "started_at": now,
        "active_since": now if state == "active" else None,
        "last_seen": now,
    }


def _reason(status: str, behind: int) -> str:
    return {
        "OK": "caught up with the event store",
        "LAGGING": f"{behind:,} events behind, applying 850 events/s",
        "STALLED": f"{behind:,} events behind and no progress for 30 s",
        "FAILED": "the last event failed to apply: boom",
    }.get(status, "")


@contextmanager
def serve(app: FastAPI, timeout: float = 15.0) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-ops", daemon=True)
    thread.start()

    def started() -> bool:
        if not thread.is_alive():
            raise RuntimeError(f"the fake ops server on port {port} stopped before it started")
        return server.started

    eventually_sync(started, timeout, f"the fake ops server to start on port {port}", interval=0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
