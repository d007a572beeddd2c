"""The CLI's imports: it reaches the services through the bootstrap, never an app's modules, and its
own modules form no cycle — imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.layers import PROJECT_ROOT

CLI = PROJECT_ROOT / "services" / "cli"
FORBIDDEN = "services.apps"


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cli_imports(cli: Path = CLI, root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    """Every module under ``cli`` and everything it imports, at any depth of its code."""
    graph: dict[str, set[str]] = {}
    for path in sorted(cli.rglob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[_module_name(path, root)] = imported
    return graph


def forbidden_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in graph.items()
        for name in names
        if name == FORBIDDEN or name.startswith(FORBIDDEN + ".")
    )


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among the modules of ``graph``, or None."""
    edges = {m: {n for n in names if n in graph and n != m} for m, names in graph.items()}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for dep in sorted(edges[module]):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep] if dep in path else [module, dep]
            if dep not in state and (cycle := visit(dep, [*path, dep])):
                return cycle
        state[module] = 2
        return None

    for module in sorted(edges):
        if module not in state and (cycle := visit(module, [module])):
            return cycle
    return None


def test_the_cli_does_not_import_the_apps() -> None:
    graph = cli_imports()
    assert len(graph) >= 10, "is the path right?"
    assert not forbidden_imports(graph)


def test_the_cli_modules_form_no_import_cycle() -> None:
    assert find_cycle(cli_imports()) is None


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """Planted modules: an app import inside a function, and two modules importing each other."""
    cli = tmp_path / "services" / "cli"
    cli.mkdir(parents=True)
    (cli / "a.py").write_text("def f() -> None:\n    from services.cli.b import g\n")
    (cli / "b.py").write_text("from services.apps.gateway.app import create_app\nfrom services.cli import a\n")
    graph = cli_imports(cli, tmp_path)
    assert forbidden_imports(graph) == [
        "services.cli.b imports services.apps.gateway.app",
        "services.cli.b imports services.apps.gateway.app.create_app",
    ]
    assert find_cycle(graph) == ["services.cli.a", "services.cli.b", "services.cli.a"]
