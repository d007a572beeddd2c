"""The tokens file (hashes only, what the gateway reads) and the operator token of ``spine dev``.

``<data dir>/tokens.json`` holds ``{"tokens": [{"name", "scopes", "sha256", "created_at"}]}``;
``<data dir>/operator.token`` holds the operator token's plaintext, readable by its owner only,
for the ``spine`` commands and local clients beside the stack. Both are written whole to a
temporary file and renamed over the old one, so a gateway reading them never sees half a file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.adapters.auth.tokens import ApiToken, Scope, hash_token, new_token, parse_scopes
from spine_core.errors import InvalidInput

__all__ = ["OPERATOR_TOKEN_FILE", "OPERATOR_NAME", "add_token", "ensure_operator_token", "read_operator_token",
           "read_tokens_file"]  # fmt: skip

OPERATOR_TOKEN_FILE = "operator.token"
OPERATOR_NAME = "operator"


def read_tokens_file(path: Path) -> list[ApiToken]:
    """The tokens in ``path``; none when it does not exist."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the tokens file {path}: {exc}", hint="fix or remove it") from None
    try:
        return [
            ApiToken(str(item["name"]), parse_scopes(item["scopes"]), str(item["sha256"]).lower())
            for item in raw.get("tokens", [])
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"the tokens file {path} is malformed ({exc!r})", hint="fix or remove it") from None


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode 0600) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o600)  # in case a stale temporary file existed with a wider mode
    tmp.replace(path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the tokens file between processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _entry(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "scopes": [s.label for s in sorted(token.scopes)],
        "sha256": token.sha256,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def add_token(path: Path, name: str, scopes: frozenset[Scope], *, replace: bool = False) -> tuple[str, ApiToken]:
    """Create a token, store its hash in ``path`` and return ``(plaintext, token)``.

    The plaintext exists only in the return value: show it once. A name already in use is
    refused unless ``replace``.
    """
    plaintext = new_token()
    token = ApiToken(name, scopes, hash_token(plaintext))
    with _locked(path):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raw = {"tokens": []}
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"cannot read the tokens file {path}: {exc}", hint="fix or remove it") from None
        entries = [e for e in raw.get("tokens", []) if e.get("name") != name]
        if len(entries) != len(raw.get("tokens", [])) and not replace:
            raise InvalidInput(f"a token called {name!r} exists already", hint="choose another --name")
        entries.append(_entry(token))
        _write_private(path, json.dumps({"tokens": entries}, indent=2) + "\n")
    return plaintext, token


def read_operator_token(data_dir: Path) -> str | None:
    """The operator token ``spine dev`` left in ``data_dir``, if any."""
    try:
        text = (data_dir / OPERATOR_TOKEN_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def ensure_operator_token(data_dir: Path, tokens_file: Path) -> str:
    """The operator token of the stack in ``data_dir`` (scope ``operate``), made on first use.

    An existing token is kept while the tokens file still accepts it, so clients keep working
    across restarts; otherwise a new one replaces it.
    """
    existing = read_operator_token(data_dir)
    if existing is not None:
        digest = hash_token(existing)
        if any(t.sha256 == digest and t.allows(Scope.OPERATE) for t in read_tokens_file(tokens_file)):
            return existing
    plaintext, _ = add_token(tokens_file, OPERATOR_NAME, frozenset({Scope.OPERATE}), replace=True)
    _write_private(data_dir / OPERATOR_TOKEN_FILE, plaintext + "\n")
    return plaintext
