"""The gateway's routes stay a typed contract: no untyped ``dict[str, Any]``/``Any`` returns, and
no SQL in a router (queries live in ``services/apps/gateway/queries``). Each rule is also shown to
catch a planted violation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.architecture.layers import PROJECT_ROOT

ROUTERS = PROJECT_ROOT / "services" / "apps" / "gateway" / "routers"

#: A string that starts a SQL statement: the keyword, then whitespace (``SELECT 1``, ``WITH RECURSIVE``).
_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY)\s")
_UNTYPED = {"Any", "dict[str, Any]", "typing.Any", "Dict[str, Any]"}


def router_problems(source: str, name: str = "<router>") -> list[str]:
    """What a router module does that the contract forbids, one line each."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            returns = ast.unparse(node.returns).strip("'\"")
            if returns in _UNTYPED and not node.name.startswith("_"):
                problems.append(f"{name}:{node.lineno} {node.name}() -> {returns}: declare a response model")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.match(node.value):
            problems.append(f"{name}:{node.lineno} SQL in a router ({node.value.strip()[:40]!r}): move it to queries/")
        elif isinstance(node, ast.JoinedStr):
            head = next((v.value for v in node.values if isinstance(v, ast.Constant)), "")
            if isinstance(head, str) and _SQL.match(head):
                problems.append(f"{name}:{node.lineno} SQL in a router ({head.strip()[:40]!r}): move it to queries/")
    return problems


def _routers() -> list[Path]:
    return sorted(ROUTERS.glob("*.py"))


def test_the_scan_sees_the_routers() -> None:
    names = {p.stem for p in _routers()}
    assert {"pipelines", "executions", "data", "calcs", "partitions", "ops"} <= names


def test_routers_declare_typed_responses_and_hold_no_sql() -> None:
    problems = [p for path in _routers() for p in router_problems(path.read_text(), path.name)]
    assert not problems, "router violations:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from typing import Any\nasync def route() -> dict[str, Any]:\n    return {}\n", "response model"),
        ("from typing import Any\ndef route() -> Any:\n    return 1\n", "response model"),
        ("async def route(conn):\n    return await conn.fetch('SELECT 1')\n", "SQL in a router"),
        ("async def route(conn, t):\n    return await conn.fetch(f'''\n  DELETE FROM {t}''')\n", "SQL in a router"),
        ('Q = """WITH RECURSIVE tree AS (SELECT 1) SELECT * FROM tree"""\n', "SQL in a router"),
    ],
)
def test_the_router_rules_catch_a_planted_violation(source: str, expected: str) -> None:
    problems = router_problems(source)
    assert problems and expected in problems[0]


def test_the_router_rules_let_prose_and_typed_routes_through() -> None:
    source = (
        "from typing import Any\n"
        "async def route() -> WeekList:\n"
        "    '''Select the weeks; update nothing.'''\n"
        "    return WeekList(data=[], meta=Meta(count=0))\n"
        "def _helper(state: Any, record: dict[str, Any]) -> None: ...\n"
    )
    assert router_problems(source) == []
