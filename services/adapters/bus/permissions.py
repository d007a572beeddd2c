"""Who may do what on the bus: the users of Spine's NATS servers and their permissions.

The embedded server (``services.dev.embedded``) and the compose cluster (``infra/nats.conf``)
get the same ``authorization`` block from :func:`users_config`; anonymous connections are
refused (no ``no_auth_user``).

* ``spine`` — the services: the JetStream API, acks and flow control, every ``spine.*``
  subject, reply inboxes, and the key-value and object stores.
* ``publisher`` — a client outside the platform: publishes RunPipeline commands
  (``spine.commands.>``; the JetStream publish ack comes back on its ``_INBOX``) and reads
  their progress (core NATS ``spine.progress.>``). It may not publish anything else (events,
  dead letters, the JetStream API — so it can neither create a consumer on nor get a message
  from the events stream) and may not subscribe to ``spine.events.>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.subjects import COMMANDS_PREFIX, PROGRESS_PREFIX

__all__ = ["SERVICES_USER", "PUBLISHER_USER", "Permissions", "PERMISSIONS", "users_config"]

SERVICES_USER = "spine"
PUBLISHER_USER = "publisher"


@dataclass(frozen=True, slots=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


PERMISSIONS: dict[str, Permissions] = {
    SERVICES_USER: Permissions(
        publish=("$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "spine.>", "_INBOX.>", "$KV.>", "$O.>"),
        subscribe=("spine.>", "_INBOX.>", "$KV.>", "$O.>"),
    ),
    PUBLISHER_USER: Permissions(
        publish=(f"{COMMANDS_PREFIX}.>",),
        subscribe=(f"{PROGRESS_PREFIX}.>", "_INBOX.>"),
    ),
}


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def users_config(passwords: dict[str, str]) -> str:
    """nats-server's ``authorization`` block. A password starting with ``$`` is written bare, so
    the server reads it from that environment variable (how the compose cluster gets its secrets)."""
    lines = ["authorization {", "  users = ["]
    for user, perms in PERMISSIONS.items():
        password = passwords[user]
        value = password if password.startswith("$") else f'"{password}"'
        lines.append(
            f'    {{user: "{user}", password: {value}, permissions: {{'
            f"publish: {{allow: {_list(perms.publish)}}}, subscribe: {{allow: {_list(perms.subscribe)}}}}}}}"
        )
    lines += ["  ]", "}", ""]
    return "\n".join(lines)
