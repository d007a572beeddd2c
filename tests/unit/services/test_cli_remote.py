"""The CLI against a remote Spine, without a server: which gateway and token it uses, which
exit code each failure gets, and a run submitted through the gateway when there is no NATS."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from contracts.commands import RunPipeline, execution_id_for
from services.adapters.auth import ensure_operator_token
from services.cli import bus, submit
from services.cli.app import create_app, exit_code_for, handle_errors, settings_for
from services.cli.client import ApiError, GatewayClient
from services.cli.main import app
from services.cli.output import EXIT_AUTH, EXIT_CODES, EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE
from services.dev.state import DevState, write_state
from services.settings import Settings
from spine_core.errors import (
    Forbidden,
    InvalidParameter,
    MissingData,
    Unauthenticated,
    Unavailable,
    UnknownPipeline,
)

runner = CliRunner()
DEV_GATEWAY = "http://127.0.0.1:8000"
DEV_NATS = "nats://spine:s3cr3t-pw@127.0.0.1:4222"


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("SPINE_DATABASE_URL", "SPINE_NATS_URL", "SPINE_GATEWAY_URL", "SPINE_API_TOKEN",
                 "SPINE_API_TOKENS_FILE", "SPINE_NATS_USER", "SPINE_NATS_PASSWORD"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPINE_DATA_DIR", str(tmp_path))
    return tmp_path


def _running_dev(data_dir: Path) -> str:
    """A `spine dev` state in the data dir (this process stands for its pid) and its operator token."""
    write_state(
        data_dir,
        DevState(
            database_url="postgresql://postgres@127.0.0.1:5432/spine",
            nats_url=DEV_NATS,
            gateway_url=DEV_GATEWAY,
            inbox_dir=str(data_dir / "inbox"),
            pid=os.getpid(),
            started_at="2025-11-14T10:00:00+00:00",
        ),
    )
    return ensure_operator_token(data_dir, data_dir / "tokens.json")


def _resolved(*args: str) -> dict[str, Any]:
    """What a command sees after the root options: the settings it would talk with."""
    probe_app = create_app()

    @probe_app.command("probe")
    def probe() -> None:
        s = settings_for()
        typer.echo(json.dumps({"gateway_url": s.gateway_url, "nats_url": s.nats_url, "api_token": s.api_token,
                               "database_url": s.database_url}))  # fmt: skip

    @probe_app.command("other")
    def other() -> None:  # a second command, so Typer keeps `probe` a subcommand
        pass

    result = runner.invoke(probe_app, [*args, "probe"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- which Spine, which token


def test_url_beats_the_variable_which_beats_the_running_dev(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _running_dev(data_dir)
    assert _resolved()["gateway_url"] == DEV_GATEWAY
    monkeypatch.setenv("SPINE_GATEWAY_URL", "https://from-env.example")
    assert _resolved()["gateway_url"] == "https://from-env.example"
    assert _resolved("--url", "https://from-flag.example/")["gateway_url"] == "https://from-flag.example"


def test_the_token_flag_beats_the_variable_which_beats_the_operator_token(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = _running_dev(data_dir)
    assert _resolved()["api_token"] == operator
    monkeypatch.setenv("SPINE_API_TOKEN", "spine_from-env")
    assert _resolved()["api_token"] == "spine_from-env"
    assert _resolved("--token", "spine_from-flag")["api_token"] == "spine_from-flag"


def test_another_gateway_takes_nothing_from_the_running_dev(data_dir: Path) -> None:
    """Its NATS would run the command on the wrong Spine, and its operator token is not for others."""
    _running_dev(data_dir)
    beside = _resolved("--url", DEV_GATEWAY + "/")
    assert beside["nats_url"] == DEV_NATS and beside["api_token"] and beside["database_url"]
    remote = _resolved("--url", "https://spine.example:8000")
    assert remote == {"gateway_url": "https://spine.example:8000", "nats_url": None, "api_token": None,
                      "database_url": None}  # fmt: skip
    assert _resolved("--url", "https://spine.example:8000", "--token", "spine_t")["api_token"] == "spine_t"


def test_a_url_that_is_not_http_is_a_usage_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["--url", "spine.example:8000", "query", "weeks"])
    assert result.exit_code == EXIT_USAGE and "--url must be the gateway's http(s) URL" in result.output
    monkeypatch.setenv("SPINE_GATEWAY_URL", "nats://127.0.0.1:4222")
    result = runner.invoke(app, ["query", "weeks"])
    assert result.exit_code == EXIT_USAGE and "SPINE_GATEWAY_URL must be" in result.output


def test_without_any_spine_the_hint_names_url_and_token(data_dir: Path) -> None:
    result = runner.invoke(app, ["query", "weeks"])
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "no running Spine found" in result.output and "--url" in result.output
    assert "SPINE_API_TOKEN" in result.output


# ---------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ApiError(401, {"detail": "the bearer token is not valid"}), EXIT_AUTH),
        (ApiError(403, {"detail": "token 'ci' may not do this"}), EXIT_AUTH),
        (Unauthenticated("NATS refused the credentials"), EXIT_AUTH),
        (Forbidden("NATS refused the command"), EXIT_AUTH),
        (ApiError(400, {"detail": "week_ending is not a Friday"}), EXIT_USAGE),
        (ApiError(404, {"detail": "unknown pipeline"}), EXIT_USAGE),
        (ApiError(422, {"detail": "query.limit"}), EXIT_USAGE),
        (InvalidParameter("bad"), EXIT_USAGE),
        (UnknownPipeline("nope"), EXIT_USAGE),
        (ApiError(503, {"detail": "NATS unavailable"}), EXIT_UNAVAILABLE),
        (ApiError(500, {"detail": "unexpected"}), EXIT_UNAVAILABLE),
        (Unavailable("cannot reach the gateway"), EXIT_UNAVAILABLE),
        (MissingData("week 2025-11-07 is missing"), EXIT_FAILED),
    ],
)
def test_each_error_has_its_exit_code(error: Exception, code: int) -> None:
    assert exit_code_for(error) == code  # type: ignore[arg-type]

    @handle_errors
    def command() -> None:
        raise error

    with pytest.raises(SystemExit) as exited:
        command()
    assert exited.value.code == code


def test_help_documents_every_exit_code(data_dir: Path) -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    for code, meaning in EXIT_CODES:
        assert any(line.startswith(f"• {code} {meaning[:40]}") for line in lines), (code, result.output)
    assert "--url" in result.output and "SPINE_GATEWAY_URL" in result.output


# ---------------------------------------------------------------- what the gateway's refusals say


def _gateway(handler: Callable[[httpx.Request], httpx.Response], token: str | None) -> GatewayClient:
    return GatewayClient("https://spine.example", token=token, transport=httpx.MockTransport(handler))


def _problem(status: int, detail: str, **extra: Any) -> Callable[[httpx.Request], httpx.Response]:
    body = {"type": "x", "title": "x", "status": status, "detail": detail, "instance": "/", "code": "x", **extra}
    return lambda request: httpx.Response(status, json=body)


async def test_a_401_without_a_token_says_how_to_give_one() -> None:
    needs = _problem(401, "this call needs a bearer token", details={"required_scope": "run"})
    async with _gateway(needs, token=None) as gateway:
        with pytest.raises(ApiError) as raised:
            await gateway.get("/v1/data/weeks")
    assert "https://spine.example needs a token" in raised.value.message
    assert "--token or SPINE_API_TOKEN (scope 'run' or above)" in (raised.value.hint or "")
    assert exit_code_for(raised.value) == EXIT_AUTH


async def test_a_401_with_a_token_says_it_was_refused() -> None:
    async with _gateway(_problem(401, "the bearer token is not valid"), token="spine_wrong") as gateway:
        with pytest.raises(ApiError) as raised:
            await gateway.get("/v1/data/weeks")
    assert "refused the token: the bearer token is not valid" in raised.value.message
    assert "check the token given with --token or SPINE_API_TOKEN" in (raised.value.hint or "")


async def test_a_403_names_the_scope_needed() -> None:
    forbidden = _problem(403, "token 'grafana' may not do this: it needs scope 'run'",
                         details={"required_scope": "run", "token_scopes": ["read"]})  # fmt: skip
    async with _gateway(forbidden, token="spine_read-only") as gateway:
        with pytest.raises(ApiError) as raised:
            await gateway.post("/v1/pipelines/p/run", {})
    assert "needs scope 'run'" in raised.value.message
    assert raised.value.hint == (
        "use a token of scope 'run' or above (operate > run > read); this one has read: "
        "`spine token create --scope run` where the gateway runs"
    )


# ---------------------------------------------------------------- a run through the gateway


class FakeGateway:
    """Answers a run's calls as a gateway would: queued, then running, then completed."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []
        self.polls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path.endswith("/run"):
            body = json.loads(request.content)
            self.posted.append((path, body))
            execution_id = str(execution_id_for(body["idempotency_key"]))
            return httpx.Response(202, json={"data": {"execution_id": execution_id, "status": "queued"}})
        if path.startswith("/v1/executions/"):
            if not self.posted:
                return _problem(404, "no such execution")(request)
            self.polls += 1
            status = "running" if self.polls < 2 else "completed"
            execution = {"execution_id": path.rsplit("/", 1)[1], "status": status, "position": 42,
                         "pipeline": self.posted[0][0].split("/")[3], "partition_key": "2025-11-14|OTC"}  # fmt: skip
            return httpx.Response(200, json={"data": execution})
        if path == "/v1/ops/caught-up":
            return httpx.Response(200, json={"data": {"caught_up": True, "behind": []}})
        return _problem(404, f"unexpected call {request.method} {path}")(request)


@pytest.fixture
def fake_gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway()
    monkeypatch.setattr(submit, "GatewayClient", functools.partial(GatewayClient, transport=httpx.MockTransport(fake)))
    return fake


def _command() -> RunPipeline:
    return RunPipeline.new(
        "finra.otc_transparency.ingest_week",
        {"week_ending": "2025-11-14", "tier": "OTC"},
        file="uploads/abc-week.csv",
        trigger_source="cli",
        lane="slow",
    )


async def test_without_nats_the_command_goes_through_the_gateway(fake_gateway: FakeGateway) -> None:
    settings = Settings(gateway_url="https://spine.example", api_token="spine_t")
    command = _command()
    routes: list[tuple[str, str | None]] = []
    statuses: list[str] = []
    execution = await submit.submit_and_wait(
        settings, command, on_route=lambda r, w: routes.append((r, w)), on_status=statuses.append
    )
    assert routes == [("gateway", None)]
    (path, body), = fake_gateway.posted  # fmt: skip
    assert path == "/v1/pipelines/finra.otc_transparency.ingest_week/run"
    assert body == {"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "uploads/abc-week.csv",
                    "lane": "slow", "idempotency_key": command.idempotency_key, "through": None,
                    "stage_params": {}}  # fmt: skip
    assert statuses == ["running", "completed"]
    assert execution["via"] == "gateway" and execution["execution_id"] == str(command.execution_id)


async def test_an_unreachable_nats_is_warned_about_and_gone_around(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(*_: Any, **__: Any) -> None:
        raise Unavailable("cannot reach NATS at nats://10.0.0.7:4222: ConnectionRefusedError")

    monkeypatch.setattr(bus, "connect_nats", unreachable)
    settings = Settings(gateway_url="https://spine.example", nats_url="nats://10.0.0.7:4222")
    routes: list[tuple[str, str | None]] = []
    execution = await submit.submit_and_wait(settings, _command(), on_route=lambda r, w: routes.append((r, w)))
    assert routes == [
        ("gateway", "cannot reach NATS at nats://10.0.0.7:4222: ConnectionRefusedError; going through the gateway "
         "instead")
    ]  # fmt: skip
    assert execution["via"] == "gateway" and len(fake_gateway.posted) == 1


async def test_refused_nats_credentials_are_an_auth_failure_not_a_detour(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(*_: Any, **__: Any) -> None:
        raise Unavailable("NATS at nats://publisher:***@10.0.0.7:4222 refused the credentials: Authorization Violation")

    monkeypatch.setattr(bus, "connect_nats", refused)
    settings = Settings(gateway_url="https://spine.example", nats_url="nats://publisher:wrong@10.0.0.7:4222")
    with pytest.raises(Unauthenticated) as raised:
        await submit.submit_and_wait(settings, _command())
    assert exit_code_for(raised.value) == EXIT_AUTH and "refused the credentials" in raised.value.message
    assert fake_gateway.posted == []


async def test_a_publish_the_nats_user_may_not_make_is_forbidden() -> None:
    class NoAck:
        async def publish(self, *_: Any, **__: Any) -> None:
            raise TimeoutError

    class Connection:
        last_error = Exception('nats: permissions violation for publish to "spine.commands.normal.x"')

        def jetstream(self) -> NoAck:
            return NoAck()

    with pytest.raises(Forbidden) as raised:
        await bus.publish(Connection(), _command())  # type: ignore[arg-type]
    assert "permissions violation" in raised.value.message and exit_code_for(raised.value) == EXIT_AUTH
    Connection.last_error = None  # type: ignore[assignment]
    with pytest.raises(Unavailable):
        await bus.publish(Connection(), _command())  # type: ignore[arg-type]


def test_a_replay_the_gateway_forgot_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.cli.commands import replay

    def forgetful(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"data": {"id": "0b5e5f8e-1f6e-4a57-9a43-1d1c2f0e7a10"}})
        return httpx.Response(200, json={"data": [], "meta": {"count": 0}})  # restarted: replays live in memory

    monkeypatch.setattr(
        replay, "GatewayClient", functools.partial(GatewayClient, transport=httpx.MockTransport(forgetful))
    )
    with pytest.raises(Unavailable, match="no longer knows replay"):
        replay.run_replay_in_gateway(Settings(gateway_url="https://spine.example"), "manifest", as_json=True)
