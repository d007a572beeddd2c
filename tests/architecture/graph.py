"""Spine's own import graph, read with ``ast``: every import, at module level or inside a function.

Two views are built from one scan:

* the rules inside ``services/`` (apps never import one another, adapters never import apps, the
  CLI never imports an app) judge every import of ours, those under ``if TYPE_CHECKING:``
  included: a type-only import still couples two apps;
* the cycle check follows only imports that run: an ``if TYPE_CHECKING:`` block never executes,
  which is what makes it the allowed way to name a type from a module that imports you.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.architecture.layers import OURS, PROJECT_ROOT, Violation, type_checking_lines

__all__ = [
    "Import",
    "ServicesRule",
    "SERVICES_RULES",
    "ENVIRON_READERS",
    "check_services_file",
    "check_environ",
    "find_cycles",
    "module_imports",
    "module_name",
    "our_modules",
]

#: The only module that may read the process environment (STYLE.md: one typed settings object).
ENVIRON_READERS = frozenset({"services/settings.py"})


@dataclass(frozen=True, slots=True)
class Import:
    line: int
    target: str  # the module imported, resolved against the tree where it names a submodule
    type_checking: bool


def module_name(path: Path, root: Path = PROJECT_ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules(root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Every module of Spine's packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in sorted(OURS):
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _resolve_relative(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def module_imports(path: Path, known: Iterable[str], root: Path = PROJECT_ROOT) -> list[Import]:
    """The imports of ours in one file, each resolved to the module it loads."""
    modules = set(known)
    name = module_name(path, root)
    tree = ast.parse(path.read_text(), filename=str(path))
    guarded = type_checking_lines(tree)
    found: list[Import] = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = _resolve_relative(name, node, path.name == "__init__.py")
            # `from package import module` loads the submodule; `from module import name` the module.
            subs = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
            targets = subs or [base]
        for target in targets:
            if target.split(".")[0] in OURS:
                found.append(Import(node.lineno, target, node.lineno in guarded))
    return found


# ----------------------------------------------------------------------------- rules in services/


@dataclass(frozen=True, slots=True)
class ServicesRule:
    """Modules under ``prefix`` may not import modules under any of ``forbidden``."""

    name: str
    prefix: str
    forbidden: tuple[str, ...]
    #: forbid the other sub-packages of ``prefix`` too (apps never import one another)
    siblings_forbidden: bool = False


SERVICES_RULES = (
    ServicesRule("apps never import one another", "services.apps", (), siblings_forbidden=True),
    ServicesRule(
        "adapters never import apps",
        "services.adapters",
        ("services.apps", "services.cli", "services.bootstrap", "services.dev"),
    ),
    ServicesRule("the CLI talks to apps over HTTP or through lower modules", "services.cli", ("services.apps",)),
    ServicesRule(
        "settings import no other service module",
        "services.settings",
        ("services.adapters", "services.apps", "services.cli", "services.bootstrap", "services.dev"),
    ),
    ServicesRule(
        "logging imports no other service module",
        "services.logging",
        ("services.adapters", "services.apps", "services.cli", "services.bootstrap", "services.dev"),
    ),
)


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _sibling(module: str, prefix: str) -> str | None:
    """The first package below ``prefix`` that ``module`` lives in (``services.apps.worker``)."""
    if not module.startswith(prefix + "."):
        return None
    return prefix + "." + module[len(prefix) + 1 :].split(".")[0]


def check_services_file(
    path: Path, known: Iterable[str], rules: Iterable[ServicesRule] = SERVICES_RULES, root: Path = PROJECT_ROOT
) -> list[Violation]:
    name = module_name(path, root)
    rel = path.relative_to(root).as_posix()
    out: list[Violation] = []
    for imp in module_imports(path, known, root):
        for rule in rules:
            if not _under(name, rule.prefix):
                continue
            if any(_under(imp.target, f) for f in rule.forbidden):
                out.append(Violation(rel, imp.line, f"imports {imp.target} ({rule.name})"))
            own = _sibling(name, rule.prefix)
            other = _sibling(imp.target, rule.prefix)
            if rule.siblings_forbidden and own and other and own != other:
                out.append(Violation(rel, imp.line, f"imports {imp.target} ({rule.name})"))
    return out


# ----------------------------------------------------------------------------- cycles


def _import_graph(modules: dict[str, Path], root: Path) -> dict[str, dict[str, int]]:
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for imp in module_imports(path, modules, root):
            if imp.type_checking or imp.target == name or imp.target not in modules:
                continue
            edges.setdefault(imp.target, imp.line)
        graph[name] = edges
    return graph


def find_cycles(root: Path = PROJECT_ROOT) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each a cycle to break.

    A package's ``__init__`` re-exporting its own submodules is not counted: importing a
    submodule runs its package first, so that edge is Python's own, not a design choice.
    """
    modules = our_modules(root)
    graph = _import_graph(modules, root)
    for name, edges in graph.items():
        for target in list(edges):
            if target.startswith(name + "."):  # a package importing its own submodule
                del edges[target]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(start: str) -> None:
        nonlocal counter
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for name in graph:
        if name not in index:
            connect(name)
    return components


# ----------------------------------------------------------------------------- the environment


def check_environ(path: Path, root: Path = PROJECT_ROOT) -> list[Violation]:
    """``os.environ`` / ``os.getenv`` / ``os.putenv`` anywhere but the settings module."""
    rel = path.relative_to(root).as_posix()
    if rel in ENVIRON_READERS:
        return []
    tree = ast.parse(path.read_text(), filename=rel)
    out: list[Violation] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv", "environb"}:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                out.append(Violation(rel, node.lineno, f"reads os.{node.attr} (only the settings module may)"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in {"environ", "getenv", "putenv", "environb"}:
                    out.append(Violation(rel, node.lineno, f"imports os.{alias.name} (only the settings module may)"))
    return out
