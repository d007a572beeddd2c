"""Connecting to NATS and declaring Spine's JetStream streams."""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import nats
from faststream.nats.security import NatsCredentials, NatsUserPassword
from nats.aio.client import Client
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StoreCompression, StreamConfig
from nats.js.errors import APIError, NotFoundError

from contracts.subjects import (
    COMMANDS_PREFIX,
    COMMANDS_STREAM,
    DEAD_LETTERS_PREFIX,
    DEAD_LETTERS_STREAM,
    EVENTS_PREFIX,
    EVENTS_STREAM,
    MAX_MESSAGE_BYTES,
)
from services.settings import Settings
from spine_core.errors import Misconfigured, Unavailable

__all__ = [
    "connect_nats",
    "ensure_streams",
    "stream_configs",
    "nats_options",
    "nats_servers",
    "mask_url",
    "broker_options",
]

log = logging.getLogger("spine.bus")

_WEEK_S = 7 * 24 * 3600.0


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
    """Spine's streams, each kept on ``replicas`` servers (``SPINE_STREAM_REPLICAS``)."""
    streams = [
        # Commands are kept a week (an audit of what was asked); lanes are consumed separately.
        StreamConfig(
            name=COMMANDS_STREAM,
            subjects=[f"{COMMANDS_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=_WEEK_S,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
            discard=DiscardPolicy.OLD,
        ),
        # Events are the distribution log; the event store in PostgreSQL stays the archive.
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[f"{EVENTS_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
            discard=DiscardPolicy.OLD,
        ),
        # Events a projector gave up on: kept a month for inspection (the event store keeps them forever).
        StreamConfig(
            name=DEAD_LETTERS_STREAM,
            subjects=[f"{DEAD_LETTERS_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=4 * _WEEK_S,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
        ),
    ]
    # S2 on disk: row blocks are COPY text, which S2 shrinks about 3x for little CPU (nats-server
    # compresses whole message blocks as they fill); an existing stream is switched in place.
    return [dataclasses.replace(config, num_replicas=replicas, compression=StoreCompression.S2) for config in streams]


def nats_servers(url: str) -> list[str]:
    """The server URLs of ``SPINE_NATS_URL`` (a comma-separated list for a cluster)."""
    return [server.strip() for server in url.split(",") if server.strip()]


def mask_url(url: str | None) -> str:
    """``url`` (one or a comma-separated list) with every password replaced by ``***``: for logs."""
    if not url:
        return str(url)
    masked = []
    for server in nats_servers(url):
        parts = urlsplit(server)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            server = urlunsplit(parts._replace(netloc=netloc))
        masked.append(server)
    return ",".join(masked)


def nats_options(source: Settings | str | None) -> dict[str, Any]:
    """Connection options for nats-py (and FastStream's broker): the servers, and the credentials
    of the settings (``SPINE_NATS_CREDS``, ``SPINE_NATS_USER``/``SPINE_NATS_PASSWORD``). nats-py
    prefers a .creds file, then the user and password, then a ``user:password@`` in the URL."""
    url = source if source is None or isinstance(source, str) else source.nats_url
    if not url:
        raise Unavailable("no NATS server configured", hint="run `spine dev` or set SPINE_NATS_URL")
    options: dict[str, Any] = {"servers": nats_servers(url)}
    options.update(_credentials_from_urls(options))
    if isinstance(source, Settings):
        if source.nats_creds is not None:
            options["user_credentials"] = _creds_file(source.nats_creds)
        if source.nats_user:
            options["user"] = source.nats_user
        if source.nats_password:
            options["password"] = source.nats_password
    return options


def _credentials_from_urls(options: dict[str, Any]) -> dict[str, Any]:
    """A ``user:password@`` that every URL carries, moved out of the URLs into the options.

    A cluster announces its other nodes to a client (``connect_urls``) without credentials, and
    nats-py sends a URL's own user only to that URL: a client reconnecting after its node died
    would present nothing to the announced nodes and be refused ("Authorization Violation"), then
    cycle until the dead node came back. As options, the user goes to every node. URLs with
    differing credentials are left as they are."""
    parts = [urlsplit(server if "://" in server else f"nats://{server}") for server in options["servers"]]
    users = {(p.username, p.password) for p in parts}
    if len(users) != 1:
        return {}
    ((user, password),) = users
    if user is None:
        return {}
    servers = [urlunsplit(p._replace(netloc=p.netloc.rsplit("@", 1)[1])) for p in parts]
    if password is None:  # nats://token@host: a token
        return {"servers": servers, "token": unquote(user)}
    return {"servers": servers, "user": unquote(user), "password": unquote(password)}


def _creds_file(path: Path) -> str:
    if not path.is_file():
        raise Unavailable(f"NATS credentials file {path} does not exist", hint="check SPINE_NATS_CREDS")
    if importlib.util.find_spec("nkeys") is None:
        raise Unavailable(
            "SPINE_NATS_CREDS needs the nkeys package to sign the server's challenge",
            hint="install it beside Spine (pip install 'nats-py[nkeys]') or use SPINE_NATS_USER / SPINE_NATS_PASSWORD",
        )
    return str(path)


def broker_options(settings: Settings) -> dict[str, Any]:
    """The same servers and credentials as :func:`nats_options`, for FastStream's ``NatsBroker``
    (which takes credentials as a ``security`` object; a .creds file wins over a user)."""
    options = nats_options(settings)
    security: NatsCredentials | NatsUserPassword | None = None
    if "user_credentials" in options:
        security = NatsCredentials(credentials=options["user_credentials"])
    elif "user" in options or "password" in options:
        security = NatsUserPassword(username=options.get("user", ""), password=options.get("password", ""))
    broker: dict[str, Any] = {"servers": options["servers"], "security": security}
    if "token" in options and security is None:
        broker["token"] = options["token"]
    return broker


_AUTH_FAILURES = ("authorization violation", "authentication", "user authentication expired", "nkey")


async def connect_nats(source: Settings | str | None, name: str, *, reconnect: bool = True) -> Client:
    """A connection to NATS with the settings' URL and credentials (or a bare URL)."""
    options = nats_options(source)
    where = mask_url(",".join(options["servers"]))

    async def on_error(exc: Exception) -> None:  # one line, no traceback, no secret (nats-py logs a traceback)
        log.warning("NATS (%s): %s", name, _scrub(str(exc) or repr(exc), options))

    try:
        return await nats.connect(
            **options,
            name=name,
            error_cb=on_error,
            connect_timeout=3,
            allow_reconnect=reconnect,
            max_reconnect_attempts=-1 if reconnect else 0,
            reconnect_time_wait=0.5,
        )
    except Exception as exc:  # nats-py raises several unrelated types for "cannot connect"
        message = _scrub(str(exc) or repr(exc), options)
        if any(marker in message.lower() for marker in _AUTH_FAILURES):
            raise Unavailable(
                f"NATS at {where} refused the credentials: {message}",
                hint="check SPINE_NATS_URL / SPINE_NATS_CREDS (or SPINE_NATS_USER / SPINE_NATS_PASSWORD)",
            ) from None
        raise Unavailable(
            f"cannot reach NATS at {where}: {type(exc).__name__}: {message}",
            hint="is `spine dev` (or your NATS server) running? check SPINE_NATS_URL",
        ) from None


def _scrub(message: str, options: dict[str, Any]) -> str:
    """``message`` without any password the options carry."""
    secrets = [urlsplit(server).password for server in options["servers"]]
    secrets += [options.get("password"), options.get("token")]
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


async def ensure_streams(nc: Client, replicas: int | None = None) -> None:
    """Create Spine's streams, or bring existing ones to their current configuration.

    ``replicas`` (``SPINE_STREAM_REPLICAS``) is how many servers keep each stream: a new stream
    gets it (1 when None) and an existing one with another count is updated to it — JetStream
    moves a clustered stream between R1 and R3 in place. None leaves an existing stream's count
    as it is, so a process started without the setting never scales a cluster's streams down.
    Durable consumers are created without a count of their own (0: the stream's), so they have
    as many replicas as their stream and follow it when it changes.

    Raises :class:`Misconfigured`, saying what to change, when the server refuses the count
    (a single server keeps one replica; a cluster cannot place more than it has servers).
    """
    js = nc.jetstream()
    for config in stream_configs(replicas or 1):
        assert config.name is not None
        try:
            info = await js.stream_info(config.name)
        except NotFoundError:
            await _declare(js.add_stream, config, current=None)
            log.info("created stream %s with %d replica(s)", config.name, config.num_replicas)
            continue
        current = info.config.num_replicas or 1
        if replicas is None:
            config = dataclasses.replace(config, num_replicas=current)
        elif replicas != current:
            log.warning("stream %s: %d replica(s) -> %d (SPINE_STREAM_REPLICAS)", config.name, current, replicas)
        await _declare(js.update_stream, config, current=current)


#: JetStream's answers to a replica count it cannot honour: replicas > 1 on a server that is not
#: clustered, no suitable peers for placement, insufficient resources, replicas not updatable.
_REPLICA_REFUSALS = {10074, 10005, 10023, 10052}


async def _declare(call: Any, config: StreamConfig, current: int | None) -> None:
    wanted = config.num_replicas or 1
    try:
        await call(config)
    except APIError as exc:
        if exc.err_code not in _REPLICA_REFUSALS or wanted == 1:
            raise
        refused = f"NATS refused {wanted} replicas for stream {config.name}: {exc.description} (code {exc.err_code})"
        if current is not None and current != wanted:
            refused += f"; the stream keeps its {current}"
        raise Misconfigured(
            refused,
            hint="set SPINE_STREAM_REPLICAS to at most the number of servers in the NATS cluster "
            "(1 for a single server, e.g. `spine dev`'s embedded one), or run a JetStream cluster "
            f"of at least {wanted} servers",
            details={"stream": config.name, "replicas": wanted, "current_replicas": current, "err_code": exc.err_code},
        ) from None
