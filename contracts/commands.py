"""Commands: what clients ask Spine to do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RunPipeline", "execution_id_for", "ParamValue"]

_EXECUTION_NS = uuid5(NAMESPACE_URL, "spine:execution")

ParamValue = str | int | float | bool | None


def execution_id_for(idempotency_key: str) -> UUID:
    """The execution id of a command is derived from its idempotency key, so a duplicate
    command (same key) always names the same execution and produces one run."""
    return uuid5(_EXECUTION_NS, idempotency_key)


class RunPipeline(BaseModel):
    """Run one pipeline for one partition. Version 1.

    ``params`` carries the pipeline's parameters as JSON values or text (``"true"``, ``"4"``);
    the worker types them against the pipeline's declared parameters. ``force`` is a parameter
    too (``{"force": true}``). ``file`` is the reference an upload answered (``PUT /v1/inbox/{name}``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: Literal["spine.command.run_pipeline.v1"] = Field(default="spine.command.run_pipeline.v1", alias="schema")
    execution_id: UUID
    idempotency_key: str = Field(min_length=1, max_length=200)
    pipeline: str = Field(min_length=1, max_length=200)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    file: str | None = None
    trigger_source: Literal["cli", "api", "scheduler", "replay"] = "api"
    lane: Literal["normal", "backfill", "slow"] = "normal"
    batch_id: UUID | None = None
    through: str | None = Field(
        default=None,
        description="run the following stages of the pipeline's workflow up to this one ('all' for every stage)",
    )
    stage_params: dict[str, ParamValue] = Field(
        default_factory=dict, description="parameters for the following stages (each takes the ones it knows)"
    )
    requested_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def new(
        cls,
        pipeline: str,
        params: dict[str, ParamValue] | None = None,
        *,
        file: str | None = None,
        trigger_source: Literal["cli", "api", "scheduler", "replay"] = "api",
        lane: Literal["normal", "backfill", "slow"] = "normal",
        idempotency_key: str | None = None,
        batch_id: UUID | None = None,
        through: str | None = None,
        stage_params: dict[str, ParamValue] | None = None,
    ) -> RunPipeline:
        key = idempotency_key or str(uuid4())
        return cls(
            execution_id=execution_id_for(key),
            idempotency_key=key,
            pipeline=pipeline,
            params=dict(params or {}),
            file=file,
            trigger_source=trigger_source,
            lane=lane,
            batch_id=batch_id,
            through=through,
            stage_params=dict(stage_params or {}),
        )

    def consistent(self) -> bool:
        """True when the execution id is the one derived from the idempotency key."""
        return self.execution_id == execution_id_for(self.idempotency_key)
