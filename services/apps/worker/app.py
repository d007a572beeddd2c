"""The worker service.

A FastStream subscriber per lane (durable pull consumer on ``SPINE_COMMANDS``, manual acks)
hands each command to the synchronous :class:`RunCoordinator` in a worker thread, so the event
loop keeps heart-beating the message (``+WPI``) while a long capture runs.

Ack policy, stated:

* recorded outcome (completed, skipped, failed, duplicate) -> ACK;
* the partition is busy with another execution -> NAK with a delay (retried later);
* infrastructure error (database or bus down) -> NAK with backoff; the run resumes where it
  stopped when the command comes back;
* any other error -> NAK, and on delivery ``worker_max_deliver`` the coordinator records the
  run as failed and the command is ACKed, so a poison command cannot loop forever.

A backfill- or slow-lane command first waits (heart-beating) while a normal-lane command runs
here or the read models lag by more than ``SPINE_BACKFILL_MAX_PENDING`` events
(:mod:`services.apps.worker.yielding`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import UUID

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig
from pydantic import ValidationError

from contracts.commands import RunPipeline
from contracts.progress import RunProgressMessage
from contracts.subjects import COMMANDS_STREAM, LANES, lane_subjects, progress_subject
from services.adapters.bus.nats import broker_options
from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from services.adapters.eventstore.reader import EventStoreReader
from services.adapters.filestore import worker_sources
from services.apps.worker.yielding import YIELDING_LANES, events_pending, watched_projections, yield_while_held
from services.logging import log_context
from services.settings import Settings
from spine_core.context import ExecutionContext, Lane, TriggerSource
from spine_core.errors import InvalidCommand, PartitionBusy, SpineError, Unavailable
from spine_core.framework.coordinator import RunCoordinator
from spine_core.framework.messages import RunOutcome, RunProgress, RunRequest
from spine_core.framework.registry import PipelineRegistry

__all__ = ["Worker", "to_run_request"]

log = logging.getLogger("spine.worker")


def to_run_request(command: RunPipeline) -> RunRequest:
    """Translate the wire command into the framework's request (the one translation point)."""
    context = ExecutionContext(
        execution_id=command.execution_id,
        batch_id=command.batch_id or command.execution_id,
        trigger_source=TriggerSource(command.trigger_source),
        lane=Lane(command.lane),
        requested_at=command.requested_at,
    )
    return RunRequest(
        execution_id=command.execution_id,
        pipeline=command.pipeline,
        params=dict(command.params),
        context=context,
        idempotency_key=command.idempotency_key,
        source_ref=command.file,
        through=command.through,
        stage_params=dict(command.stage_params),
    )


class Worker:
    def __init__(
        self, settings: Settings, registry: PipelineRegistry, store_app: SpineEventStore | None = None
    ) -> None:
        if not settings.nats_url:
            raise Unavailable("no NATS server configured", hint="run `spine dev` or set SPINE_NATS_URL")
        self.settings = settings
        self.store_app = store_app or SpineEventStore.connect(settings, pool_size=len(LANES) + 1)
        # Source files: the file store on the bus (a verified copy of each run's file), or the inbox.
        self.sources = worker_sources(settings)
        self.coordinator = RunCoordinator(
            StoreAdapter(self.store_app),
            registry,
            self.sources,
            reader=EventStoreReader(self.store_app, registry),
            list_dir=self.sources.list_dir,
        )
        self.broker = NatsBroker(**broker_options(settings), logger=None, connect_timeout=3, max_reconnect_attempts=-1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._normal_runs = 0  # normal-lane commands running now (backfill and slow ones wait for them)
        self._watched = watched_projections()  # whose backlog backfill and slow ones wait for
        for lane in LANES:
            self._subscribe(lane)

    def _subscribe(self, lane: str) -> None:
        config = ConsumerConfig(
            ack_policy=JsAckPolicy.EXPLICIT,
            ack_wait=self.settings.worker_ack_wait_s,
            max_deliver=-1,  # bounded by our own final-attempt rule, see the module docstring
            max_ack_pending=1,
            # no num_replicas: the stream's (SPINE_STREAM_REPLICAS), followed when the stream changes
        )

        @self.broker.subscriber(
            lane_subjects(lane),
            stream=JStream(COMMANDS_STREAM, declare=False),
            durable=f"worker-{lane}",
            config=config,
            pull_sub=PullSub(batch_size=1, timeout=2.0),
            ack_policy=AckPolicy.MANUAL,
            title=f"RunPipeline ({lane} lane)",
            description="Runs a pipeline for one partition; see contracts.commands.RunPipeline.",
        )
        async def handle(msg: NatsMessage) -> None:
            await self.handle(msg)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.sources.start()
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        await self.sources.stop()
        self.store_app.close()

    async def handle(self, msg: NatsMessage) -> None:
        raw = msg.raw_message
        delivered = raw.metadata.num_delivered if raw.metadata else 1
        final = delivered >= self.settings.worker_max_deliver
        try:
            command = RunPipeline.model_validate_json(msg.body)
            if not command.consistent():
                raise ValueError("execution_id is not derived from idempotency_key (see contracts.execution_id_for)")
        except (ValidationError, ValueError) as exc:
            await self._refuse_malformed(msg, exc)
            return
        request = to_run_request(command)
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        try:
            if command.lane in YIELDING_LANES:
                await self._yield_to_read_models(command)
            normal = command.lane == "normal"
            self._normal_runs += normal
            try:
                with log_context(execution_id=str(command.execution_id)):
                    outcome = await asyncio.to_thread(self._run, request, final)
            finally:
                self._normal_runs -= normal
        except PartitionBusy as exc:
            log.info("%s; retrying later", exc, extra={"execution_id": str(command.execution_id)})
            await msg.nack(delay=2.0)
            return
        except Exception as exc:
            delay = min(2.0 * delivered, 30.0)
            log.warning(
                "run interrupted (delivery %d): %r; redelivering in %.0fs",
                delivered,
                exc,
                delay,
                extra={"execution_id": str(command.execution_id)},
            )
            await msg.nack(delay=delay)
            return
        finally:
            heartbeat.cancel()
        await msg.ack()
        self._publish_progress(
            RunProgress(
                outcome.execution_id,
                outcome.status,
                rows_accepted=outcome.rows_accepted,
                rows_rejected=outcome.rows_rejected,
            )
        )
        log.info(
            "execution %s %s%s",
            outcome.execution_id,
            outcome.status,
            " (duplicate command)" if outcome.duplicate else "",
            extra={"execution_id": str(outcome.execution_id), "capture_id": str(outcome.capture_id or "")},
        )

    async def _yield_to_read_models(self, command: RunPipeline) -> None:
        """Hold a backfill- or slow-lane command while a normal-lane run is in progress here or
        the read models lag (see :mod:`services.apps.worker.yielding`)."""
        limit = self.settings.backfill_max_pending
        if limit <= 0:
            return

        async def held() -> str | None:
            if self._normal_runs:
                return "a normal-lane run is in progress"
            behind = await events_pending(self.broker.connection, self._watched)
            return f"read models {behind} events behind" if behind > limit else None

        waited = await yield_while_held(held)
        if waited >= 1.0:
            log.info(
                "%s lane waited %.1fs for the normal lane and the read models",
                command.lane,
                waited,
                extra={"execution_id": str(command.execution_id)},
            )

    def _run(self, request: RunRequest, final: bool) -> RunOutcome:
        try:
            return self.coordinator.handle(request, progress=self._publish_progress, final_attempt=final)
        except SpineError:
            raise
        except Exception as exc:
            if _is_unavailable(exc):
                raise Unavailable(f"event store unavailable: {exc}") from exc
            raise

    async def _heartbeat(self, msg: NatsMessage) -> None:
        """Tell JetStream the command is still being worked on, so it is not redelivered."""
        interval = max(self.settings.worker_ack_wait_s / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await msg.in_progress()

    def _publish_progress(self, progress: RunProgress) -> None:
        """Called from the run's thread: hand the publish to the event loop, best effort."""
        if self._loop is None:
            return
        body = RunProgressMessage(
            execution_id=progress.execution_id,
            phase=progress.phase,
            bytes_done=progress.bytes_done,
            bytes_total=progress.bytes_total,
            rows_accepted=progress.rows_accepted,
            rows_rejected=progress.rows_rejected,
        ).model_dump_json()
        coro = self.broker.publish(body, progress_subject(progress.execution_id))
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _refuse_malformed(self, msg: NatsMessage, exc: Exception) -> None:
        """A command that does not parse cannot run; record why under the subject's execution id."""
        subject = msg.raw_message.subject
        log.warning("malformed command on %s: %s", subject, exc)
        try:
            execution_id = UUID(subject.rsplit(".", 1)[-1])
        except ValueError:
            await msg.reject()
            return
        details: dict[str, Any] = {"subject": subject}
        request = RunRequest(
            execution_id=execution_id,
            pipeline="(malformed command)",
            params={},
            context=ExecutionContext(execution_id=execution_id, batch_id=execution_id),
            idempotency_key=str(execution_id),
        )
        error = InvalidCommand(f"malformed RunPipeline command: {exc}", details=details)
        await asyncio.to_thread(self.coordinator.record_refusal, request, error)
        await msg.ack()


def _is_unavailable(exc: BaseException) -> bool:
    from eventsourcing.persistence import InterfaceError, OperationalError

    return isinstance(exc, InterfaceError | OperationalError)
