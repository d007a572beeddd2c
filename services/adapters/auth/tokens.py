"""Bearer tokens: scopes, how a token is made and hashed, and how one presented is checked.

Tokens are 256 bits from :mod:`secrets`, so the store keeps their SHA-256 and nothing else. A
password hash (bcrypt, scrypt, argon2) would add nothing: it slows down guessing a *low-entropy*
secret, and no one can guess 2**256 values however fast the hash is; it would only cost every
request tens of milliseconds of CPU. Presented tokens are hashed and compared with every stored
hash in constant time (:func:`hmac.compare_digest`), without stopping at the first match.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from spine_core.errors import InvalidInput

__all__ = [
    "ApiToken",
    "Scope",
    "TokenSet",
    "TOKEN_PREFIX",
    "hash_token",
    "new_token",
    "parse_scopes",
    "parse_token_specs",
]

#: Makes a Spine token recognisable in a secret scanner or a leaked log line.
TOKEN_PREFIX = "spine_"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class Scope(enum.IntEnum):
    """What a token may do. Scopes are ordered: each implies the ones below it
    (``operate`` ⊃ ``run`` ⊃ ``read``)."""

    READ = 1  # the data plane and the ops reads
    RUN = 2  # commands: run a pipeline, upload a source file
    OPERATE = 3  # replays, dead-letter retry and discard, projector control

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Scope:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            known = ", ".join(s.label for s in cls)
            raise InvalidInput(f"unknown scope {text.strip()!r}", hint=f"choose from: {known}") from None


def parse_scopes(texts: Iterable[str]) -> frozenset[Scope]:
    scopes = frozenset(Scope.parse(t) for t in texts if t.strip())
    if not scopes:
        raise InvalidInput("a token needs at least one scope", hint="read, run or operate")
    return scopes


def hash_token(token: str) -> str:
    """The hex SHA-256 of a token: what the tokens file and ``SPINE_API_TOKENS`` hold."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token: 256 random bits, URL-safe (it may travel in a query string)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A configured token: its name (for logs and audit), its scopes and the hash of its secret."""

    name: str
    scopes: frozenset[Scope]
    sha256: str

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InvalidInput(f"invalid token name {self.name!r}", hint="letters, digits, _ . @ - (at most 64)")
        if not _SHA256_HEX.match(self.sha256):
            raise InvalidInput(f"token {self.name!r}: the hash is not 64 lowercase hex digits (SHA-256)")
        if not self.scopes:
            raise InvalidInput(f"token {self.name!r} has no scope")

    def allows(self, required: Scope) -> bool:
        """Whether this token grants ``required``, directly or through a higher scope."""
        return max(self.scopes) >= required

    def spec(self) -> str:
        """The token as one ``SPINE_API_TOKENS`` item: ``name:scope+scope:sha256``."""
        return f"{self.name}:{'+'.join(s.label for s in sorted(self.scopes))}:{self.sha256}"


def parse_token_specs(text: str) -> list[ApiToken]:
    """``name:scope1+scope2:sha256hex,...`` (what ``SPINE_API_TOKENS`` holds) as tokens."""
    tokens: list[ApiToken] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        parts = item.split(":")
        if len(parts) != 3:
            # Never echo the item: someone may have pasted a plaintext token here.
            raise InvalidInput(
                f"SPINE_API_TOKENS item {len(tokens) + 1} is not name:scopes:sha256",
                hint="e.g. ci:read+run:<64 hex digits>; `spine token create` prints one",
            )
        name, scopes, digest = parts
        tokens.append(ApiToken(name.strip(), parse_scopes(scopes.split("+")), digest.strip().lower()))
    return tokens


@dataclass(frozen=True, slots=True)
class TokenSet:
    """The tokens a gateway accepts."""

    tokens: tuple[ApiToken, ...]

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def verify(self, presented: str) -> ApiToken | None:
        """The token whose hash matches ``presented``, or None.

        Every stored hash is compared, in constant time, whatever matched: the time taken says
        nothing about how close a guess came, nor which token it was.
        """
        digest = hash_token(presented).encode("ascii")
        found: ApiToken | None = None
        for token in self.tokens:
            if hmac.compare_digest(digest, token.sha256.encode("ascii")):
                found = token
        return found
