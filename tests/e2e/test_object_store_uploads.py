"""Files through the bus, not a disk: a gateway and a worker that share no directory ingest an
uploaded file through the JetStream object store; a corrupted chunk fails its run clearly and
once; an upload over the limit is a 413; the same bytes uploaded twice are stored once."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.adapters.bus.nats import connect_nats
from services.adapters.filestore import FILES_STREAM, FileStore
from services.adapters.filestore.buckets import chunk_subject
from services.adapters.filestore.objects import object_info
from services.dev.stack import DEFAULT_SERVICES, Stack
from services.settings import Settings, child_environment
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_text
from spine_domains.finra_otc.tiers import Tier
from tests.conftest import Servers, settings_for
from tests.e2e.helpers import PIPELINE
from tests.polling import eventually_sync

pytestmark = [pytest.mark.e2e]

RUN = f"/v1/pipelines/{PIPELINE}/run"
#: Above the generated weeks below (a few hundred kilobytes), so a 413 needs a bigger body.
LIMIT = 600_000
#: Rows of the generated OTC weeks: as many as a real OTC week has, several 128 KiB chunks.
OTC_ROWS = 5000


def _week(week_ending: str, tier: Tier, rows: int = OTC_ROWS, seed: int = 1) -> bytes:
    """A generated FINRA download file (the project's own generator: no shared data needed)."""
    return generate_text(rows, week_ending=WeekEnding.parse(week_ending), tier=tier, seed=seed).encode()


@dataclass
class Split:
    """Every service but the worker, in one data directory; the worker in another."""

    stack: Stack
    worker: subprocess.Popen[bytes]
    worker_settings: Settings
    worker_log: Path

    @property
    def gateway_files(self) -> list[Path]:
        return [p for p in self.stack.settings.data_dir.rglob("*") if p.is_file() and "inbox" in p.parts]


@pytest.fixture(scope="module")
def split(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Split]:
    root = tmp_path_factory.mktemp("split")
    nats = servers.new_nats()
    try:
        settings = settings_for(
            root / "gateway",
            file_store="objects",
            database_url=servers.new_database(),
            nats_url=nats.url,
            max_upload_bytes=LIMIT,
        )
        stack = Stack(settings, services=tuple(s for s in DEFAULT_SERVICES if s[0] != "worker"), write_dev_state=False)
        stack.start()
        try:
            stack.settings = stack.settings.model_copy(update={"gateway_url": stack.gateway_url})
            worker_settings = stack.settings.model_copy(
                update={"data_dir": root / "worker" / "spine", "inbox_dir": root / "worker" / "inbox"}
            )
            worker_log = root / "worker.log"
            with worker_log.open("ab") as log:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "services.cli", "service", "worker"],
                    env={**child_environment(worker_settings), "PYTHONUNBUFFERED": "1"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            try:
                eventually_sync(
                    lambda: "worker consuming commands" in worker_log.read_text(), 60, "the worker to start"
                )
                yield Split(stack, worker, worker_settings, worker_log)
            finally:
                worker.terminate()
                worker.wait(15)
        finally:
            stack.stop()
    finally:
        nats.stop()


def _client(split: Split) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=split.stack.gateway_url, headers=split.stack.auth_headers, timeout=120)


async def _bucket_messages(split: Split) -> int:
    nc = await connect_nats(split.stack.settings, "test-bucket", reconnect=False)
    try:
        await FileStore.open(nc)  # the bucket, whether or not a service made it yet
        return (await nc.jetstream().stream_info(FILES_STREAM)).state.messages
    finally:
        await nc.close()


async def _object(split: Split, sha256: str) -> tuple[str, int, int]:
    """The stored copy of an object (its chunks' subject and its description's sequence) and the
    number of messages in the bucket."""
    nc = await connect_nats(split.stack.settings, "test-object", reconnect=False)
    try:
        info, sequence = await object_info(nc.jetstream(), sha256)
        assert info is not None
        return info.nuid, sequence, (await nc.jetstream().stream_info(FILES_STREAM)).state.messages
    finally:
        await nc.close()


async def _run(http: httpx.AsyncClient, params: dict[str, Any], ref: str, **more: Any) -> dict[str, Any]:
    answer = await http.post(RUN, params={"wait": 60}, json={"params": params, "file": ref, **more})
    assert answer.status_code == 200, answer.text  # ended within the wait
    return answer.json()["data"]  # type: ignore[no-any-return]


async def test_a_file_uploaded_to_the_gateway_is_ingested_by_a_worker_with_its_own_disk(split: Split) -> None:
    content = _week("2025-11-14", Tier.OTC)
    assert OTC_ROWS * 40 < len(content) < LIMIT
    async with _client(split) as http:
        uploaded = await http.put("/v1/inbox/finra_otc_weekly_otc_20251124.csv", content=content)
        assert uploaded.status_code == 201, uploaded.text
        file = uploaded.json()["data"]
        assert file["sha256"] == hashlib.sha256(content).hexdigest() and file["bytes"] == len(content)

        ended = await _run(http, {"week_ending": "2025-11-14", "tier": "OTC"}, file["file"])

        assert ended["status"] == "completed", ended
        assert (ended["execution"]["rows_accepted"], ended["execution"]["rows_rejected"]) == (OTC_ROWS, 0)
        symbols = await http.get(
            "/v1/data/symbols",
            params={"week_ending": "2025-11-14", "tier": "OTC", "limit": 100_000, "min_position": ended["position"]},
        )
        assert symbols.status_code == 200, symbols.text
        assert sum(s["venues"] for s in symbols.json()["data"]) == OTC_ROWS
        events = await http.get(f"/v1/executions/{ended['execution']['execution_id']}/events")
        started = [e for e in events.json()["data"] if e["type"] == "CaptureStarted"]
        assert started[0]["data"]["source"] == {
            "ref": file["file"],
            "name": file["file"].split("/")[-1],
            "bytes": len(content),
            "sha256": file["sha256"],
        }
    # Nothing went through a disk: the gateway kept no file, the worker has no inbox and its
    # verified copy was gone with the run.
    assert split.gateway_files == []
    assert not split.worker_settings.inbox.exists()
    assert list((split.worker_settings.data_dir / "downloads").iterdir()) == []


async def test_a_corrupted_chunk_fails_the_run_once_with_the_reason(split: Split) -> None:
    content = _week("2025-11-21", Tier.OTC, seed=2)
    params = {"week_ending": "2025-11-21", "tier": "OTC"}
    async with _client(split) as http:
        file = (await http.put("/v1/inbox/finra_otc_weekly_otc_20251201.csv", content=content)).json()["data"]
        await _corrupt_a_chunk(split, file["sha256"])

        ended = await _run(http, params, file["file"])

        assert ended["status"] == "failed", ended
        error = ended["execution"]["error"]
        assert error["code"] == "source_corrupted", error
        assert "corrupt in the file store" in error["message"] and file["sha256"] in error["message"]
        assert "upload the file again" in error["hint"]
        events = await http.get(f"/v1/executions/{ended['execution']['execution_id']}/events")
        types = [e["type"] for e in events.json()["data"]]
        assert types.count("RunFailed") == 1 and "CaptureStarted" not in types, types  # no row of it recorded
        assert "redelivering" not in split.worker_log.read_text()  # failed at once, not retried

        # Nothing lost: the same bytes uploaded again are stored afresh and the run completes.
        again = await http.put("/v1/inbox/finra_otc_weekly_otc_20251201.csv", content=content)
        assert again.json()["data"] == file
        rerun = await _run(http, params, file["file"])
        assert rerun["status"] == "completed" and rerun["execution"]["rows_accepted"] > 0, rerun


async def test_an_upload_over_the_limit_is_a_413_problem_and_stores_nothing(split: Split) -> None:
    body = os.urandom(LIMIT + 1)
    before = await _bucket_messages(split)

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: found out while streaming
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    async with _client(split) as http:
        declared = await http.put("/v1/inbox/big.psv", content=body)
        undeclared = await http.put("/v1/inbox/big.psv", content=streamed())

    for answer in (declared, undeclared):
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["code"] == "payload_too_large" and problem["status"] == 413
        assert f"exceeds the {LIMIT}-byte limit" in problem["detail"]
        assert "SPINE_MAX_UPLOAD_BYTES" in problem["hint"] and problem["details"]["limit_bytes"] == LIMIT
    assert "content-length" not in undeclared.request.headers
    assert await _bucket_messages(split) == before


async def test_the_same_bytes_uploaded_twice_are_stored_once(split: Split) -> None:
    data = _week("2025-12-12", Tier.OTC, rows=300, seed=3)
    async with _client(split) as http:
        first = await http.put("/v1/inbox/week.psv", content=data)
        stored = await _object(split, first.json()["data"]["sha256"])
        second = await http.put("/v1/inbox/week.psv", content=data)
        renamed = await http.put("/v1/inbox/week.psv", params={"folder": "elsewhere"}, content=data)

    assert first.status_code == second.status_code == renamed.status_code == 201
    assert second.json() == first.json()
    assert renamed.json()["data"]["file"] == "elsewhere/week.psv"
    assert renamed.json()["data"]["sha256"] == first.json()["data"]["sha256"]
    # One copy of the bytes, whatever the names: the object was not written again.
    assert await _object(split, first.json()["data"]["sha256"]) == stored


async def test_a_run_naming_a_file_the_store_does_not_have_is_refused_at_once(split: Split) -> None:
    params = {"week_ending": "2025-11-14", "tier": "OTC"}
    async with _client(split) as http:
        unknown = await http.post(RUN, json={"params": params, "file": "uploads/never-uploaded.csv"})
        escaping = await http.post(RUN, json={"params": params, "file": "../etc/passwd"})

    assert unknown.status_code == 400 and unknown.json()["code"] == "source_unreadable", unknown.text
    assert "not in the file store" in unknown.json()["detail"] and "PUT /v1/inbox" in unknown.json()["hint"]
    assert escaping.status_code == 400 and "'..' is not allowed" in escaping.json()["detail"], escaping.text


def test_a_backfill_from_the_cli_lists_and_reads_its_folder_from_the_store(split: Split, tmp_path: Path) -> None:
    folder = tmp_path / "weeks"
    folder.mkdir()
    for week in ("2025-11-28", "2025-12-05"):
        (folder / f"week_{week}.psv").write_bytes(_week(week, Tier.NMS_TIER_1, rows=300, seed=4))
    env = {
        **os.environ,
        "SPINE_GATEWAY_URL": split.stack.gateway_url,
        "SPINE_API_TOKEN": str(split.stack.operator_token),
        "SPINE_NATS_URL": str(split.stack.settings.nats_url),
        "SPINE_DATA_DIR": str(tmp_path / "cli"),
    }
    args = ["backfill", "--tier", "NMS_TIER_1", "--weeks", "2025-11-28..2025-12-05", "--dir", str(folder)]
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", *args, "--through", "ingest", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {w["week_ending"]: w["done"] and not w["failed"] for w in report["weeks"]} == {
        "2025-11-28": True,
        "2025-12-05": True,
    }


async def _corrupt_a_chunk(split: Split, sha256: str) -> None:
    """Bit rot in the bucket: one byte of the object's last chunk flipped (the stream cannot edit
    a message: delete it and publish the altered copy on the same subject, the order unchanged)."""
    nc = await connect_nats(split.stack.settings, "test-corrupt", reconnect=False)
    try:
        js = nc.jetstream()
        info, _ = await object_info(js, sha256)
        assert info is not None
        subject = chunk_subject(info.nuid)
        last = await js.get_last_msg(FILES_STREAM, subject)
        data = bytearray(last.data or b"")
        data[0] ^= 0x20
        await js.delete_msg(FILES_STREAM, last.seq or 0)
        await js.publish(subject, bytes(data), stream=FILES_STREAM)
    finally:
        await nc.close()
