"""The gateway translates HTTP to read-model queries and back: its routes return typed response
models (no untyped ``dict[str, Any]``/``Any`` returns), and no module of the gateway holds SQL
(each read model's queries live with its projection, ``projections/<model>/queries.py``; the
event store's and the projectors' shared tables are read by the adapters that own them). Each
rule is also shown to catch a planted violation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.architecture.layers import PROJECT_ROOT

GATEWAY = PROJECT_ROOT / "services" / "apps" / "gateway"
ROUTERS = GATEWAY / "routers"

#: A string that starts a SQL statement: the keyword, then whitespace (``SELECT 1``, ``WITH RECURSIVE``).
_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY)\s")
_UNTYPED = {"Any", "dict[str, Any]", "typing.Any", "Dict[str, Any]"}


def _sql_problem(lineno: int, text: str, name: str) -> str:
    return (
        f"{name}:{lineno} SQL in the gateway ({text.strip()[:40]!r}): move it to the read model's "
        "queries (projections/<model>/queries.py) or the adapter that owns the table"
    )


def sql_problems(source: str, name: str = "<module>") -> list[str]:
    """Every string of a module that starts a SQL statement, one line each."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.match(node.value):
            problems.append(_sql_problem(node.lineno, node.value, name))
        elif isinstance(node, ast.JoinedStr):
            head = next((v.value for v in node.values if isinstance(v, ast.Constant)), "")
            if isinstance(head, str) and _SQL.match(head):
                problems.append(_sql_problem(node.lineno, head, name))
    return problems


def router_problems(source: str, name: str = "<router>") -> list[str]:
    """What a router module does that the contract forbids, one line each: untyped returns, and SQL."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            returns = ast.unparse(node.returns).strip("'\"")
            if returns in _UNTYPED and not node.name.startswith("_"):
                problems.append(f"{name}:{node.lineno} {node.name}() -> {returns}: declare a response model")
    return problems + sql_problems(source, name)


def _routers() -> list[Path]:
    return sorted(ROUTERS.glob("*.py"))


def test_the_scan_sees_the_routers() -> None:
    names = {p.stem for p in _routers()}
    assert {"pipelines", "executions", "data", "calcs", "partitions", "ops"} <= names


def _gateway_modules(root: Path = GATEWAY) -> list[Path]:
    return sorted(root.rglob("*.py"))


def gateway_sql(root: Path = GATEWAY) -> list[str]:
    """The SQL of every module under ``root`` (the gateway), one line each."""
    return [
        p for path in _gateway_modules(root) for p in sql_problems(path.read_text(), path.relative_to(root).as_posix())
    ]


def test_the_scan_sees_the_whole_gateway() -> None:
    names = {p.relative_to(GATEWAY).as_posix() for p in _gateway_modules()}
    assert {"app.py", "prometheus.py", "batches.py", "routers/data.py", "models/wire.py"} <= names


def test_routers_declare_typed_responses_and_hold_no_sql() -> None:
    problems = [p for path in _routers() for p in router_problems(path.read_text(), path.name)]
    assert not problems, "router violations:\n" + "\n".join(problems)


def test_no_gateway_module_holds_sql() -> None:
    problems = gateway_sql()
    assert not problems, "SQL in the gateway:\n" + "\n".join(problems)


def test_the_gateway_scan_catches_sql_outside_the_routers(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "planted.py").write_text(
        "async def read_runs(conn):\n    return await conn.fetch(\n        'SELECT pipeline FROM manifest.executions'\n    )\n"
    )
    (tmp_path / "app.py").write_text('"""Select what to serve; insert nothing."""\n')
    problems = gateway_sql(tmp_path)
    assert len(problems) == 1 and problems[0].startswith("models/planted.py:3 SQL in the gateway")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from typing import Any\nasync def route() -> dict[str, Any]:\n    return {}\n", "response model"),
        ("from typing import Any\ndef route() -> Any:\n    return 1\n", "response model"),
        ("async def route(conn):\n    return await conn.fetch('SELECT 1')\n", "SQL in the gateway"),
        ("async def route(conn, t):\n    return await conn.fetch(f'''\n  DELETE FROM {t}''')\n", "SQL in the gateway"),
        ('Q = """WITH RECURSIVE tree AS (SELECT 1) SELECT * FROM tree"""\n', "SQL in the gateway"),
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
