"""API tokens: hashing, parsing, the constant-time check, scope rules, the tokens file and the
operator token of ``spine dev``."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from services.adapters.auth import (
    ApiToken,
    Scope,
    TokenSet,
    add_token,
    ensure_operator_token,
    hash_token,
    new_token,
    parse_scopes,
    parse_token_specs,
    read_operator_token,
    read_tokens_file,
)
from services.adapters.auth import tokens as tokens_module
from services.apps.gateway.auth import Authenticator, Plane, required_scope
from services.settings import Settings
from spine_core.errors import Forbidden, InvalidInput, Unauthenticated

HEX = "0123456789abcdef" * 4


def test_a_token_is_256_random_bits_and_its_hash_is_its_sha256() -> None:
    token = new_token()
    assert token.startswith("spine_") and len(token) >= 6 + 43
    assert token != new_token()
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize(
    ("granted", "required", "allowed"),
    [
        (Scope.READ, Scope.READ, True),
        (Scope.READ, Scope.RUN, False),
        (Scope.READ, Scope.OPERATE, False),
        (Scope.RUN, Scope.READ, True),
        (Scope.RUN, Scope.RUN, True),
        (Scope.RUN, Scope.OPERATE, False),
        (Scope.OPERATE, Scope.READ, True),
        (Scope.OPERATE, Scope.RUN, True),
        (Scope.OPERATE, Scope.OPERATE, True),
    ],
)
def test_operate_implies_run_implies_read(granted: Scope, required: Scope, allowed: bool) -> None:
    assert ApiToken("t", frozenset({granted}), HEX).allows(required) is allowed


def test_scopes_parse_by_name_and_refuse_unknown_ones() -> None:
    assert parse_scopes(["read", " RUN "]) == {Scope.READ, Scope.RUN}
    with pytest.raises(InvalidInput, match="unknown scope 'admin'"):
        parse_scopes(["admin"])
    with pytest.raises(InvalidInput, match="at least one scope"):
        parse_scopes([""])


def test_the_environment_spec_parses_and_round_trips() -> None:
    tokens = parse_token_specs(f"ci:read+run:{HEX}, ops:operate:{HEX.upper()},")
    assert [(t.name, t.scopes) for t in tokens] == [("ci", {Scope.READ, Scope.RUN}), ("ops", {Scope.OPERATE})]
    assert tokens[1].sha256 == HEX  # hex is compared lowercased
    assert parse_token_specs(tokens[0].spec()) == [tokens[0]]
    assert parse_token_specs("") == []


@pytest.mark.parametrize(
    "spec", ["spine_plaintextpasted", f"ci:read:{HEX}:extra", "ci:read:abc", f"ci::{HEX}", f"bad name:read:{HEX}"]
)
def test_a_malformed_spec_is_refused_without_echoing_it(spec: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_token_specs(spec)
    assert "spine_plaintextpasted" not in str(caught.value)


def test_verify_finds_the_token_and_compares_every_hash_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    secret_a, secret_b = new_token(), new_token()
    a = ApiToken("a", frozenset({Scope.READ}), hash_token(secret_a))
    b = ApiToken("b", frozenset({Scope.RUN}), hash_token(secret_b))
    tokens = TokenSet((a, b))
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(x: bytes, y: bytes) -> bool:
        calls.append((x, y))
        return compare(x, y)

    monkeypatch.setattr(tokens_module.hmac, "compare_digest", spy)
    assert tokens.verify(secret_a) is a
    assert len(calls) == 2  # no early exit on the first match
    assert tokens.verify(secret_b) is b
    assert tokens.verify("spine_wrong") is None
    assert tokens.verify(hash_token(secret_a)) is None  # the hash itself is not a token
    assert not TokenSet(()) and TokenSet(()).verify(secret_a) is None


def test_the_tokens_file_holds_hashes_only_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    plaintext, token = add_token(path, "ci", frozenset({Scope.RUN}))
    assert plaintext not in path.read_text() and token.sha256 in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_tokens_file(path) == [token]
    with pytest.raises(InvalidInput, match="exists already"):
        add_token(path, "ci", frozenset({Scope.READ}))
    _, other = add_token(path, "reader", frozenset({Scope.READ}))
    assert read_tokens_file(path) == [token, other]
    assert read_tokens_file(tmp_path / "absent.json") == []
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="cannot read the tokens file"):
        read_tokens_file(path)


def test_the_operator_token_is_made_once_and_kept_while_the_tokens_file_accepts_it(tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens.json"
    assert read_operator_token(tmp_path) is None
    first = ensure_operator_token(tmp_path, tokens_file)
    assert read_operator_token(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "operator.token").stat().st_mode) == 0o600
    (stored,) = read_tokens_file(tokens_file)
    assert stored.name == "operator" and stored.scopes == {Scope.OPERATE} and stored.sha256 == hash_token(first)
    assert ensure_operator_token(tmp_path, tokens_file) == first  # a restart keeps it

    tokens_file.unlink()  # the hash is gone: a new token replaces the old one
    second = ensure_operator_token(tmp_path, tokens_file)
    assert second != first and read_operator_token(tmp_path) == second
    assert [t.sha256 for t in read_tokens_file(tokens_file)] == [hash_token(second)]


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/v1/data/weeks", Scope.READ),
        ("GET", "/v1/ops/projections", Scope.READ),
        ("POST", "/v1/pipelines/{name}/run", Scope.RUN),
        ("PUT", "/v1/inbox/{name}", Scope.RUN),
        ("POST", "/v1/ops/replays", Scope.OPERATE),
        ("POST", "/v1/ops/dead-letters/retry", Scope.OPERATE),
        ("DELETE", "/v1/ops/dead-letters/{id}", Scope.OPERATE),
        ("POST", "/v1/something/new", Scope.OPERATE),  # unknown writes fail closed
        ("PATCH", "/v1/pipelines/{name}", Scope.OPERATE),
    ],
)
def test_each_route_needs_the_scope_its_rule_or_method_says(method: str, path: str, scope: Scope) -> None:
    assert required_scope(method, path) is scope


def _request(method: str, route_path: str, query: bytes = b"") -> Request:
    route = SimpleNamespace(path=route_path)
    return Request({"type": "http", "method": method, "path": route_path, "query_string": query, "headers": [],
                    "route": route})  # fmt: skip


def test_the_stream_route_alone_takes_the_token_from_the_query_string() -> None:
    secret = new_token()
    auth = Authenticator(Settings(api_tokens=f"dash:read:{hash_token(secret)}", data_dir=Path("/nonexistent")))
    stream = _request("GET", "/v1/ops/stream", b"access_token=" + secret.encode())
    token = auth.check(stream, None, Plane.OPS)
    assert token is not None and token.name == "dash"
    with pytest.raises(Unauthenticated):
        auth.check(_request("GET", "/v1/ops/projections", b"access_token=" + secret.encode()), None, Plane.OPS)
    with pytest.raises(Unauthenticated):
        auth.check(_request("GET", "/v1/ops/stream", b"access_token=spine_wrong"), None, Plane.OPS)
    with pytest.raises(Forbidden):
        auth.check(_request("POST", "/v1/ops/replays"), secret, Plane.OPS)
