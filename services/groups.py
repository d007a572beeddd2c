"""Services that share one process (``spine service group relay,projector:manifest,...``).

``spine dev`` runs the relay, every projector and the process manager in one process instead of
six (``SPINE_DEV_PROCESSES=grouped``, the default; ``per-service`` runs one each): each still
runs as it does alone (its own connections, its own lease, its own log lines), and Python's
~55 MB per process is paid once.
A member that fails ends the process, which the stack's supervisor restarts with all members.
"""

from __future__ import annotations

from spine_core.errors import Misconfigured

__all__ = ["GROUPABLE", "parse_group", "group_arg"]

#: What a group may hold (the gateway keeps its own process: its loop, its workers).
GROUPABLE = ("relay", "projector", "process-manager", "worker")


def group_arg(members: tuple[tuple[str, str | None], ...]) -> str:
    """The argument of ``spine service group`` for ``members``."""
    return ",".join(f"{kind}:{arg}" if arg else kind for kind, arg in members)


def parse_group(members: str | None) -> list[tuple[str, str | None]]:
    """``relay,projector:manifest`` -> ``[("relay", None), ("projector", "manifest")]``."""
    parsed: list[tuple[str, str | None]] = []
    for member in (members or "").split(","):
        kind, _, arg = member.strip().partition(":")
        if kind not in GROUPABLE or (kind == "projector") != bool(arg):
            raise Misconfigured(
                f"cannot run {member.strip()!r} in a group",
                hint=f"list services among {', '.join(GROUPABLE)} (projector:<name>), separated by commas",
            )
        parsed.append((kind, arg or None))
    return parsed
