"""The bus refuses strangers and keeps the publisher to its lane, on a real nats-server.

The embedded server runs with two users (``services.adapters.bus.permissions``): ``spine`` for
the services and ``publisher`` for outside clients, who may publish RunPipeline commands and
read their progress, and nothing else.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout

from contracts.commands import RunPipeline
from contracts.subjects import COMMANDS_STREAM, EVENTS_PREFIX, EVENTS_STREAM, event_subject, progress_subject
from services.adapters.bus.nats import connect_nats, ensure_streams
from services.adapters.bus.permissions import PUBLISHER_USER, SERVICES_USER
from services.adapters.commands import publish_run
from services.dev.embedded import EmbeddedNats, _nats_server_binary, free_port, port_open
from services.settings import Settings
from spine_core.errors import Unavailable
from tests.integration.helpers import PIPELINE

pytestmark = [pytest.mark.integration]


@pytest.fixture
async def services(nats_server: EmbeddedNats) -> AsyncIterator[Client]:
    """The services user, with the streams declared."""
    nc = await connect_nats(nats_server.url, "test-services", reconnect=False)
    await ensure_streams(nc)
    # One event in the stream, so "cannot read it" is not "there is nothing to read".
    await nc.jetstream().publish(event_subject("capture", "CaptureStarted"), b"{}", stream=EVENTS_STREAM)
    try:
        yield nc
    finally:
        await nc.close()


class Publisher:
    """A publisher connection that records the server's permission errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: Client | None = None

    async def connect(self, server: EmbeddedNats) -> Client:
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc).lower())

        self.nc = await nats.connect(
            servers=[server.address],
            user=PUBLISHER_USER,
            password=server.passwords[PUBLISHER_USER],
            error_cb=on_error,
            allow_reconnect=False,
        )
        return self.nc

    async def violations(self, fragment: str) -> list[str]:
        for _ in range(50):
            found = [e for e in self.errors if "permissions violation" in e and fragment.lower() in e]
            if found:
                return found
            await asyncio.sleep(0.02)
        return []


@pytest.fixture
async def publisher(nats_server: EmbeddedNats, services: Client) -> AsyncIterator[Publisher]:
    pub = Publisher()
    await pub.connect(nats_server)
    try:
        yield pub
    finally:
        assert pub.nc is not None
        await pub.nc.close()


async def test_an_anonymous_connection_is_refused_with_a_hint(nats_server: EmbeddedNats) -> None:
    with pytest.raises(Unavailable, match="refused the credentials") as raised:
        await connect_nats(nats_server.address, "anonymous", reconnect=False)
    assert "SPINE_NATS_URL / SPINE_NATS_CREDS" in (raised.value.hint or "")


async def test_a_wrong_password_is_refused_and_not_shown(nats_server: EmbeddedNats) -> None:
    settings = Settings(nats_url=nats_server.address, nats_user=PUBLISHER_USER, nats_password="not-the-one-9")
    with pytest.raises(Unavailable, match="refused the credentials") as raised:
        await connect_nats(settings, "wrong", reconnect=False)
    assert "not-the-one-9" not in str(raised.value)
    wrong_url = nats_server.url.replace(f":{nats_server.passwords[SERVICES_USER]}@", ":guessed-pw-1@")
    with pytest.raises(Unavailable, match="refused the credentials") as raised:
        await connect_nats(wrong_url, "wrong", reconnect=False)
    # The URL's user and password travel as connection options: the message names the server only.
    assert "guessed-pw-1" not in str(raised.value) and f"nats://127.0.0.1:{nats_server.port}" in str(raised.value)


async def test_the_publisher_publishes_a_command_and_reads_its_progress(services: Client, publisher: Publisher) -> None:
    assert publisher.nc is not None
    command = RunPipeline.new(PIPELINE, {"week_ending": "2025-11-14", "tier": "OTC"})
    progress = asyncio.Queue[bytes]()

    async def on_progress(msg: nats.aio.msg.Msg) -> None:
        await progress.put(msg.data)

    await publisher.nc.subscribe(progress_subject(command.execution_id), cb=on_progress)
    await publisher.nc.flush()

    assert await publish_run(publisher.nc, command) is False  # JetStream acked it: stored, not a duplicate
    stored = await services.jetstream().get_last_msg(COMMANDS_STREAM, f"spine.commands.normal.{command.execution_id}")
    assert RunPipeline.model_validate_json(stored.data).execution_id == command.execution_id

    await services.publish(progress_subject(command.execution_id), b'{"stage": "ingest"}')
    assert await asyncio.wait_for(progress.get(), 2.0) == b'{"stage": "ingest"}'
    assert publisher.errors == []


async def test_the_publisher_cannot_publish_events(services: Client, publisher: Publisher) -> None:
    assert publisher.nc is not None
    before = (await services.jetstream().stream_info(EVENTS_STREAM)).state.messages
    await publisher.nc.publish(event_subject("capture", "RowsCaptured"), b"{}")
    await publisher.nc.flush()
    assert await publisher.violations('publish to "spine.events.capture.rowscaptured"')
    with pytest.raises(NatsTimeout):  # JetStream never sees it, so no ack comes back
        await publisher.nc.jetstream().publish(event_subject("capture", "RowsCaptured"), b"{}", timeout=0.5)
    assert (await services.jetstream().stream_info(EVENTS_STREAM)).state.messages == before


async def test_the_publisher_cannot_read_the_events_stream(services: Client, publisher: Publisher) -> None:
    assert publisher.nc is not None
    js = publisher.nc.jetstream(timeout=0.5)
    with pytest.raises(NatsTimeout):
        await js.get_msg(EVENTS_STREAM, 1)
    assert await publisher.violations("$js.api.stream.msg.get.spine_events")
    with pytest.raises(NatsTimeout):
        await js.add_consumer(EVENTS_STREAM, durable_name="snoop")
    assert await publisher.violations("$js.api.consumer.durable.create.spine_events")
    with pytest.raises(NatsTimeout):
        await js.add_consumer(EVENTS_STREAM)  # an ephemeral consumer
    assert await publisher.violations("$js.api.consumer.create.spine_events")

    await publisher.nc.subscribe(f"{EVENTS_PREFIX}.>")
    await publisher.nc.flush()
    assert await publisher.violations('subscription to "spine.events.>"')
    consumers = await services.jetstream().consumers_info(EVENTS_STREAM)
    assert consumers == []


async def test_users_live_in_private_files_and_survive_a_restart(nats_server: EmbeddedNats) -> None:
    for path in (nats_server.config_file, nats_server.publisher_env, nats_server.data_dir / "users.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "no_auth_user" not in nats_server.config_file.read_text()
    url = nats_server.url
    nats_server.stop()
    nats_server.start()
    assert nats_server.url == url
    nc = await connect_nats(url, "after-restart", reconnect=False)
    await nc.close()
    # A new server object on the same directory (`spine dev` started again) keeps the users too.
    again = EmbeddedNats(nats_server.data_dir, port=nats_server.port)
    assert again.passwords == nats_server.passwords


_COMPOSE_PASSWORDS = {SERVICES_USER: "svc-Pw_8x", PUBLISHER_USER: "pub-Pw_9y"}


@pytest.fixture
def compose_nats(tmp_path: Path) -> Iterator[int]:
    """nats-server with infra/nats.conf (as a compose node runs it), its port."""
    port = free_port()
    env = {
        **os.environ,
        "SPINE_NATS_PASSWORD": _COMPOSE_PASSWORDS[SERVICES_USER],
        "SPINE_NATS_PUBLISHER_PASSWORD": _COMPOSE_PASSWORDS[PUBLISHER_USER],
    }
    conf = Path(__file__).resolve().parents[2] / "infra" / "nats.conf"
    cmd = [_nats_server_binary(), "-c", str(conf), "-js", "-sd", str(tmp_path), "-a", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.poll() is None, f"nats-server refused infra/nats.conf: {server.communicate()[1]!r}"
        yield port
    finally:
        server.terminate()
        server.wait(10)


async def test_the_compose_users_file_loads_with_passwords_from_the_environment(compose_nats: int) -> None:
    for user, password in _COMPOSE_PASSWORDS.items():
        nc = await connect_nats(f"nats://{user}:{password}@127.0.0.1:{compose_nats}", "compose", reconnect=False)
        await nc.close()
    with pytest.raises(Unavailable, match="refused the credentials"):
        await connect_nats(f"nats://127.0.0.1:{compose_nats}", "anonymous", reconnect=False)
