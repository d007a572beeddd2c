"""Who may call what: bearer tokens with scopes, checked once per request by a dependency that
``app.py`` attaches to each router (the routes themselves know nothing of it).

* ``read`` — the data plane and the ops reads; ``run`` — commands (run a pipeline, upload a
  file); ``operate`` — everything else that changes state (replays, dead letters, projector
  control). Each scope implies the ones below it.
* The scope a route needs comes from :data:`SCOPE_RULES` (method + route path), and otherwise
  from its method: a read needs ``read``, any other method ``operate`` — a new route that changes
  something is closed to all but operators until a rule says otherwise.
* ``/v1/ops/stream`` also takes the token as ``?access_token=``: the dashboard's EventSource
  cannot send headers. Only stream routes do (a token in a URL can end up in a proxy's log; the
  gateway's own access log is off), and the stream only reads.
"""

from __future__ import annotations

import logging
import os
import time
from enum import Enum

from fastapi import Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from services.adapters.auth import ApiToken, Scope, TokenSet, parse_token_specs, read_tokens_file
from services.settings import Settings
from spine_core.errors import Forbidden, SpineError, Unauthenticated

__all__ = ["Authenticator", "Plane", "SCOPE_RULES", "STREAM_ROUTES", "require", "required_scope"]

log = logging.getLogger("spine.gateway.auth")

#: (method, route path or path prefix ending in "/") -> the scope it needs; the first match wins.
SCOPE_RULES: tuple[tuple[str, str, Scope], ...] = (
    ("POST", "/v1/pipelines/{name}/run", Scope.RUN),
    ("PUT", "/v1/inbox/", Scope.RUN),
    ("POST", "/v1/ops/", Scope.OPERATE),
)
#: Routes that also accept ``?access_token=`` (server-sent events, for EventSource).
STREAM_ROUTES = frozenset({"/v1/ops/stream"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


#: How often the tokens file is looked at for changes, at most (a failed check looks at once).
RECHECK_S = 1.0


def required_scope(method: str, route_path: str) -> Scope:
    for rule_method, path, scope in SCOPE_RULES:
        if method == rule_method and (route_path == path or (path.endswith("/") and route_path.startswith(path))):
            return scope
    return Scope.READ if method in _READ_METHODS else Scope.OPERATE


class Plane(Enum):
    """What a router serves, which decides whether its reads may be public."""

    DATA = "data"  # public reads when SPINE_PUBLIC_READS
    OPS = "ops"  # always needs a token
    METRICS = "metrics"  # public when SPINE_METRICS_PUBLIC


class Authenticator:
    """The tokens a gateway accepts: ``SPINE_API_TOKENS`` plus the tokens file, which is read
    again whenever it changes (``spine token create`` needs no restart)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.disabled = settings.auth_disabled
        self._env_tokens = tuple(parse_token_specs(settings.api_tokens or ""))
        self._file = settings.tokens_file
        self._file_key: tuple[int, int, int] | None = None
        self._file_tokens: tuple[ApiToken, ...] = ()
        self._load_file(strict=True)
        self._token_set: TokenSet | None = TokenSet(self._env_tokens + self._file_tokens)
        self._checked_at = time.monotonic()

    def _stat_key(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._file)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _load_file(self, *, strict: bool) -> None:
        key = self._stat_key()
        if key == self._file_key:
            return
        try:
            self._file_tokens = tuple(read_tokens_file(self._file))
        except SpineError:
            if strict:
                raise
            log.error("the tokens file %s is unreadable; keeping the %d tokens read before", self._file,
                      len(self._file_tokens))  # fmt: skip
        self._file_key = key

    def tokens(self, *, fresh: bool = False) -> TokenSet:
        """The tokens accepted now. The file is looked at (``stat``) at most once a second, or
        right away with ``fresh``: a token just created verifies at once (a miss asks again), a
        token just removed stops working within a second."""
        now = time.monotonic()
        if fresh or now - self._checked_at >= RECHECK_S:
            self._checked_at = now
            before = self._file_key
            self._load_file(strict=False)
            if self._file_key != before or self._token_set is None:
                self._token_set = TokenSet(self._env_tokens + self._file_tokens)
        assert self._token_set is not None
        return self._token_set

    def log_start(self) -> None:
        """Say at start-up how the API is protected (never a token or a hash)."""
        if self.disabled:
            log.warning(
                "AUTHENTICATION IS DISABLED (SPINE_AUTH_DISABLED=true): anyone who can reach %s:%s may read "
                "everything, run pipelines, replay and discard dead letters",
                self.settings.gateway_host,
                self.settings.gateway_port,
            )
            return
        tokens = self.tokens().tokens
        if not tokens:
            log.warning(
                "no API tokens configured: every call but /health, /health/ready, /docs, /asyncapi and /ops answers 401. "
                "Create one with `spine token create --scope read` (its hash goes to %s) or set SPINE_API_TOKENS",
                self._file,
            )
        else:
            log.info("API tokens accepted: %s (from SPINE_API_TOKENS and %s)",
                     ", ".join(sorted({t.name for t in tokens})), self._file)  # fmt: skip
        if self.settings.public_reads:
            log.warning("SPINE_PUBLIC_READS=true: the data plane answers reads without a token")

    def check(self, request: Request, presented: str | None, plane: Plane) -> ApiToken | None:
        """The caller's token, or None for an anonymous call that is allowed; raises otherwise."""
        if self.disabled:
            return None
        route_path: str | None = getattr(request.scope.get("route"), "path", None)
        if route_path is None:  # not as a default argument: request.url is built anew at each call
            route_path = request.url.path
        scope = required_scope(request.method, route_path)
        if scope is Scope.READ and self._public(plane):
            return None
        if presented is None and route_path in STREAM_ROUTES:
            presented = request.query_params.get("access_token") or None
        if presented is None:
            raise Unauthenticated(
                "this call needs a bearer token",
                hint=f"send `Authorization: Bearer <token>` with a token of scope {scope.label!r} or above "
                "(`spine token create`; `spine dev` leaves an operator token in its data dir)",
                details={"required_scope": scope.label},
            )
        token = self.tokens().verify(presented) or self.tokens(fresh=True).verify(presented)
        if token is None:
            raise Unauthenticated(
                "the bearer token is not valid", hint="check the token, or create one with `spine token create`"
            )
        if not token.allows(scope):
            raise Forbidden(
                f"token {token.name!r} may not do this: it needs scope {scope.label!r}",
                hint="use a token with that scope (operate > run > read)",
                details={"required_scope": scope.label, "token_scopes": sorted(s.label for s in token.scopes)},
            )
        return token

    def _public(self, plane: Plane) -> bool:
        if plane is Plane.DATA:
            return self.settings.public_reads
        if plane is Plane.METRICS:
            return self.settings.metrics_public
        return False


_BEARER_DESCRIPTION = (
    "A Spine API token (scopes read < run < operate): `spine token create`, or the operator token `spine dev` "
    "writes to its data dir. GET /v1/ops/stream also takes it as `?access_token=`, for EventSource."
)


class _Require(SecurityBase):
    """The guard of a router: the bearer scheme itself, read and checked in one dependency.

    It is a security scheme (what ``HTTPBearer`` is), so OpenAPI documents ``bearer`` on every
    guarded route as before; but FastAPI solves each dependency of a route's tree again on every
    request, and a guard that depended on ``HTTPBearer`` cost a second one on every call.
    """

    def __init__(self, plane: Plane) -> None:
        self.model = HTTPBearerModel(description=_BEARER_DESCRIPTION)
        self.scheme_name = "bearer"
        self.plane = plane

    async def __call__(self, request: Request) -> None:
        auth: Authenticator = request.app.state.auth
        token = auth.check(request, _bearer_token(request.headers.get("authorization")), self.plane)
        request.state.principal = token.name if token else None


def _bearer_token(authorization: str | None) -> str | None:
    """The credentials of ``Authorization: Bearer <token>``, or None (as ``HTTPBearer`` reads it)."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials


def require(plane: Plane) -> _Require:
    """The dependency that guards a router of ``plane`` (``app.include_router(..., dependencies=[...])``)."""
    return _Require(plane)
