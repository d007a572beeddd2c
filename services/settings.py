"""One typed settings object, read from ``SPINE_*`` environment variables.

Nothing else in Spine reads ``os.environ``: every service, the event store's configuration
included, is derived from a :class:`Settings` instance handed to its factory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings", "settings_environment", "child_environment"]

_PLACEHOLDER_SECRETS = {"changeme", "changethis", "password", "secret", "xxx"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPINE_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means the embedded server of `spine dev`"
    )
    nats_url: str | None = Field(
        default=None,
        description="NATS URL(s), comma-separated, may embed `user:password@`; unset means the embedded server",
        repr=False,
    )
    nats_creds: Path | None = Field(default=None, description="NATS credentials file (.creds: user JWT and nkey seed)")
    nats_user: str | None = Field(default=None, description="NATS user, when the URL does not carry one")
    nats_password: str | None = Field(default=None, description="NATS password, with SPINE_NATS_USER", repr=False)
    stream_replicas: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="servers that keep each JetStream stream and its durable consumers (1 for a single "
        "server, 3 on a 3-node cluster); existing streams are updated to it; unset: new streams get 1 "
        "and existing ones keep theirs",
    )
    data_dir: Path = Field(default=Path(".spine"), description="where `spine dev` keeps servers' data and state")
    file_store: Literal["objects", "inbox"] = Field(
        default="objects",
        description="where uploaded source files live: `objects`, a JetStream object store on the bus (the gateway "
        "and the worker share no filesystem), or `inbox`, the directory SPINE_INBOX_DIR (which both must share)",
    )
    inbox_dir: Path | None = Field(
        default=None, description="with SPINE_FILE_STORE=inbox: the directory uploads go to and runs read from"
    )
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    gateway_url: str | None = Field(default=None, description="URL the CLI uses to reach the gateway")
    gateway_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="gateway processes sharing its port (each with its own pool and lag monitor); "
        "more than one pays where the gateway, not PostgreSQL, is what a load saturates",
    )
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    eventstore_schema: str = "eventstore"
    worker_max_deliver: int = Field(default=5, ge=1)
    worker_ack_wait_s: float = Field(default=30.0, gt=0)
    backfill_max_pending: int = Field(
        default=100,
        ge=0,
        description="events a projector (or the process manager) may have pending before the worker holds "
        "backfill- and slow-lane commands back (at most 60 s each), so a normal-lane run's read models "
        "are not late by a backfill's backlog; 0 never holds them",
    )
    projector_batch: int = Field(default=256, ge=1, le=10_000)
    projector_max_attempts: int = Field(
        default=5, ge=1, le=100, description="failed applications of an event before it is dead-lettered"
    )
    relay_batch: int = Field(default=256, ge=1, le=10_000)
    # --- standby instances of the relay, each projector and the process manager (README "Standbys")
    lease_interval_s: float = Field(
        default=0.5, gt=0, le=10, description="how often the active instance confirms its lease and a standby tries it"
    )
    lease_timeout_s: float = Field(
        default=10.0,
        ge=1,
        le=300,
        description="PostgreSQL ends a lease session silent this long (freeing it for a standby); "
        "the active instance steps down after half of it without a confirmation",
    )
    standbys: int = Field(
        default=0,
        ge=0,
        le=4,
        description="standby instances `spine dev` starts beside each relay, projector and process manager",
    )
    dev_processes: Literal["per-service", "grouped"] = Field(
        default="grouped",
        description="how `spine dev` runs the services: `grouped` (the relay, the projectors and the process "
        "manager share one process: about 250 MB less memory, one crash restarts them together) or "
        "`per-service` (one process each, as a deployment runs them)",
    )
    dev_nats_memory_limit: str = Field(
        default="256MiB",
        pattern=r"^([0-9]+(B|KiB|MiB|GiB))?$",
        description="the Go soft memory limit (GOMEMLIMIT) of the nats-servers `spine dev` and the tests start, "
        "e.g. 256MiB; empty for the Go default (the heap grows to twice what it holds between collections)",
    )
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1, description="the largest upload taken (413 beyond)")
    read_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="how long a read with `min_position` waits for the read models to apply it before a 503",
    )
    # --- the HTTP API's authentication (README "Security")
    api_tokens: str | None = Field(
        default=None, description="tokens the gateway accepts: name:scope1+scope2:sha256hex,... (hashes, never tokens)"
    )
    api_tokens_file: Path | None = Field(
        default=None, description="JSON file of token hashes the gateway accepts [default: <data_dir>/tokens.json]"
    )
    api_token: str | None = Field(
        default=None,
        exclude=True,  # a client's secret: never handed on to child processes
        repr=False,
        description="the token the CLI sends [default: the operator token `spine dev` left in the data dir]",
    )
    auth_disabled: bool = Field(default=False, description="serve every route without a token (logged loudly)")
    public_reads: bool = Field(default=False, description="the data plane's GET routes need no token")
    metrics_public: bool = Field(default=False, description="GET /metrics needs no token")

    @field_validator("database_url")
    @classmethod
    def _refuse_placeholder_password(cls, value: str | None) -> str | None:
        if value:
            password = urlsplit(value).password
            if password and password.lower() in _PLACEHOLDER_SECRETS:
                raise ValueError("SPINE_DATABASE_URL uses a placeholder password; set a real secret before starting")
        return value

    @field_validator("nats_url")
    @classmethod
    def _refuse_placeholder_nats_url(cls, value: str | None) -> str | None:
        for server in (value or "").split(","):
            password = urlsplit(server.strip()).password
            if password and password.lower() in _PLACEHOLDER_SECRETS:
                raise ValueError("SPINE_NATS_URL uses a placeholder password; set a real secret before starting")
        return value

    @field_validator("nats_password")
    @classmethod
    def _refuse_placeholder_nats_password(cls, value: str | None) -> str | None:
        if value is not None and value.lower() in _PLACEHOLDER_SECRETS:
            raise ValueError("SPINE_NATS_PASSWORD is a placeholder; set a real secret before starting")
        return value

    @model_validator(mode="after")
    def _lease_confirmed_before_it_expires(self) -> Settings:
        if self.lease_interval_s * 4 > self.lease_timeout_s:
            raise ValueError(
                "SPINE_LEASE_INTERVAL_S must be at most a quarter of SPINE_LEASE_TIMEOUT_S "
                "(the active instance confirms its lease several times before it would step down)"
            )
        return self

    @model_validator(mode="after")
    def _nats_user_and_password_together(self) -> Settings:
        if bool(self.nats_user) != bool(self.nats_password):
            raise ValueError("set both SPINE_NATS_USER and SPINE_NATS_PASSWORD, or neither")
        return self

    @property
    def inbox(self) -> Path:
        return (self.inbox_dir or self.data_dir / "inbox").resolve()

    @property
    def tokens_file(self) -> Path:
        return (self.api_tokens_file or self.data_dir / "tokens.json").resolve()

    @property
    def external(self) -> bool:
        """True when both servers are given: nothing embedded is started."""
        return bool(self.database_url and self.nats_url)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with ``overrides`` taking precedence."""
    return Settings(**overrides)  # type: ignore[arg-type]


def _env_name(field: str) -> str:
    return f"{Settings.model_config['env_prefix']}{field.upper()}"


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every field of ``settings`` as the ``SPINE_*`` variable that would set it to that value.

    Fields that are unset (None) are left out. Strings go as they are, anything else as JSON,
    which is how the settings source parses it back.
    """
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[_env_name(name)] = value if isinstance(value, str) else json.dumps(value)
    return env


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment for a child process: this process's, with its ``SPINE_*`` settings
    replaced by ``settings``, so the child builds exactly the same :class:`Settings`."""
    fields = {_env_name(name) for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in fields}
    env.update(settings_environment(settings))
    return env
