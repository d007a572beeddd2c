"""The dependency rule of DESIGN.md, as data, and a checker that reads imports with ``ast``."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STDLIB = frozenset(sys.stdlib_module_names)
OURS = frozenset({"contracts", "spine_core", "spine_domains", "projections", "services"})

#: Infrastructure no pure package may touch, even though some of it is stdlib.
INFRASTRUCTURE = frozenset(
    {
        "asyncio",
        "asyncpg",
        "psycopg",
        "psycopg_pool",
        "psycopg2",
        "sqlite3",
        "nats",
        "faststream",
        "fastapi",
        "starlette",
        "uvicorn",
        "httpx",
        "requests",
        "pydantic",
        "pydantic_settings",
        "socket",
        "subprocess",
    }
)
#: I/O modules the domain must not use (it receives lines; it never reads files or talks to anything).
DOMAIN_IO = frozenset({"os", "pathlib", "io", "shutil", "tempfile", "urllib", "http", "glob", "logging"})
DOMAIN_IO_CALLS = frozenset({"open", "print", "input", "exec", "eval", "__import__"})


@dataclass(frozen=True)
class Rule:
    package: str
    allowed_ours: frozenset[str]
    allowed_third_party: frozenset[str]
    forbidden: frozenset[str]
    forbid_io_calls: bool = False
    #: modules (relative paths) that may additionally import these third-party packages
    storage_modules: tuple[tuple[str, frozenset[str]], ...] = ()


RULES = (
    Rule("contracts", frozenset(), frozenset({"pydantic"}), frozenset()),
    Rule("spine_core", frozenset(), frozenset({"eventsourcing.domain"}), INFRASTRUCTURE),
    Rule("spine_domains", frozenset({"spine_core"}), frozenset(), INFRASTRUCTURE | DOMAIN_IO, forbid_io_calls=True),
    Rule(
        "projections",
        frozenset({"spine_core", "spine_domains", "contracts"}),
        frozenset(),
        INFRASTRUCTURE - {"asyncpg"},
        storage_modules=(
            ("projections/storage.py", frozenset({"asyncpg"})),
            ("projections/checkpoint.py", frozenset({"asyncpg"})),
        ),
    ),
)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def imports_of(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from eventsourcing import application`
                yield node.lineno, f"{node.module}.{alias.name}"


def _allowed_third_party(module: str, allowed: frozenset[str]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


def type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks: imports there name types and never run."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                lines.update(inner.lineno for stmt in node.body for inner in ast.walk(stmt) if hasattr(inner, "lineno"))
    return lines


def check_file(path: Path, rule: Rule, root: Path = PROJECT_ROOT) -> list[Violation]:
    """The imports of one file against its package's rule.

    Third-party imports under ``if TYPE_CHECKING:`` are allowed (a projection's mapper may name
    ``asyncpg.Connection`` as a type); imports of our own packages are judged wherever they are.
    """
    rel = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(), filename=rel)
    guarded = type_checking_lines(tree)
    extra = frozenset().union(*(mods for p, mods in rule.storage_modules if p == rel))
    out: list[Violation] = []
    seen_from: set[tuple[int, str]] = set()
    for lineno, module in imports_of(tree):
        top = module.split(".")[0]
        if top == rule.package:
            continue
        if top in OURS:
            if top not in rule.allowed_ours:
                out.append(Violation(rel, lineno, f"imports {module} ({rule.package} may not import {top})"))
            continue
        if lineno in guarded:
            continue
        if top in rule.forbidden and top not in extra:
            out.append(Violation(rel, lineno, f"imports {module} (infrastructure or I/O)"))
            continue
        if top in STDLIB or top == "__future__":
            continue
        if (lineno, top) in seen_from:
            continue
        if not (_allowed_third_party(module, rule.allowed_third_party) or top in extra):
            # `from eventsourcing.domain import X` yields both the module and module.X: judge the module.
            parent_ok = _allowed_third_party(module.rsplit(".", 1)[0], rule.allowed_third_party)
            if not parent_ok:
                out.append(Violation(rel, lineno, f"imports third-party {module}"))
                seen_from.add((lineno, top))
    if rule.forbid_io_calls:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DOMAIN_IO_CALLS:
                out.append(Violation(rel, node.lineno, f"calls {node.func.id}() (the domain does no I/O)"))
    return out


def package_files(package: str, root: Path = PROJECT_ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def check_rule(rule: Rule, root: Path = PROJECT_ROOT) -> tuple[int, list[Violation]]:
    files = package_files(rule.package, root)
    violations = [v for f in files for v in check_file(f, rule, root)]
    return len(files), violations
