"""The CLI on the bus: a NATS connection when it has access, and which errors say it has none.

A CLI beside its Spine publishes commands on NATS and shows the run's progress stream; a CLI
against a remote Spine usually cannot reach that NATS (``SPINE_NATS_URL`` unset, or an address
only the servers can reach) and goes through the gateway instead (:mod:`services.cli.submit`).
Credentials NATS refuses are not a reason to go around them: they are an authentication failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client

from contracts.commands import RunPipeline
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.settings import Settings
from spine_core.errors import Forbidden, Unauthenticated, Unavailable

__all__ = ["BusAccess", "connect_bus", "open_bus", "publish"]

#: How :func:`services.adapters.bus.nats.connect_nats` words a refused login (its message, not
#: its type, tells it from an unreachable server).
_REFUSED = "refused the credentials"


async def connect_bus(settings: Settings, name: str) -> Client:
    """A NATS connection; raises :class:`Unauthenticated` when NATS refuses the credentials and
    :class:`Unavailable` when it cannot be reached."""
    try:
        return await connect_nats(settings, name, reconnect=False)
    except Unavailable as exc:
        if _REFUSED in exc.message:
            raise Unauthenticated(
                exc.message, hint=f"{exc.hint}; or unset SPINE_NATS_URL to go through the gateway"
            ) from None
        raise


@dataclass(frozen=True, slots=True)
class BusAccess:
    """NATS, or None with why commands go through the gateway; ``warning`` when NATS was
    configured but could not be reached (what the user may want to fix)."""

    nc: Client | None
    warning: str | None = None


async def open_bus(settings: Settings) -> BusAccess:
    """The bus when the CLI has access to it: none when ``nats_url`` is unset (the gateway is
    the way in, nothing to warn about) or NATS cannot be reached (warned); refused credentials raise."""
    if not settings.nats_url:
        return BusAccess(None)
    try:
        return BusAccess(await connect_bus(settings, "spine-cli"))
    except Unavailable as exc:  # Unauthenticated is not one: it goes up
        return BusAccess(None, f"{exc.message}; going through the gateway instead")


async def publish(nc: Client, command: RunPipeline) -> None:
    """Publish ``command`` on JetStream; a subject the NATS user may not publish on is
    :class:`Forbidden` (the server drops the message and says so only on the connection)."""
    try:
        await publish_run(nc, command)
    except Exception as exc:  # nats-py raises timeouts and several unrelated types
        refusal = str(nc.last_error or "")
        if "permissions violation" in refusal.lower():
            raise Forbidden(
                f"NATS refused the command: {refusal}",
                hint="the NATS user needs to publish on spine.commands.> (the `publisher` user may), or unset "
                "SPINE_NATS_URL to go through the gateway",
            ) from None
        raise Unavailable(
            f"NATS did not acknowledge the command: {type(exc).__name__}: {exc}",
            hint="is the SPINE_COMMANDS stream there (`spine service migrate`)? or unset SPINE_NATS_URL to go "
            "through the gateway",
        ) from None
