"""Apps never import one another (the bootstrap wires them), and adapters never import an app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.architecture.layers import PROJECT_ROOT, imports_of

APPS_ROOT = "services/apps"


def _crossings(root: Path) -> list[str]:
    """``path:line: imports module`` for each import of another app (or, from adapters, of any app)."""
    apps = root / APPS_ROOT
    found = []
    for path in sorted((root / "services").rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[:2] == ("services", "apps") and len(rel.parts) > 3:
            own: str | None = f"services.apps.{rel.parts[2]}"
        elif rel.parts[:2] == ("services", "adapters"):
            own = None  # any app is out of bounds
        else:
            continue
        lines = set()  # `from a.b import c` yields a.b and a.b.c: report the line once
        for line, module in imports_of(ast.parse(path.read_text(), filename=str(rel))):
            if module.startswith("services.apps.") and (own is None or not (module + ".").startswith(own + ".")):
                if line not in lines:
                    found.append(f"{rel}:{line}: imports {module}")
                lines.add(line)
    assert apps.is_dir(), f"{apps} is missing"
    return found


def test_no_app_imports_another_and_no_adapter_imports_an_app() -> None:
    crossings = _crossings(PROJECT_ROOT)
    assert not crossings, "\n".join(crossings)


@pytest.mark.parametrize(
    ("where", "source", "flagged"),
    [
        ("services/apps/gateway/planted.py", "from services.apps.ops.monitor import OpsMonitor\n", True),
        ("services/apps/ops/planted.py", "def f() -> None:\n    import services.apps.projector.runtime\n", True),
        ("services/adapters/planted.py", "from services.apps.gateway import create_app\n", True),
        ("services/apps/gateway/planted.py", "from services.apps.gateway.deps import PoolDep\n", False),
        ("services/bootstrap.py", "from services.apps.ops.monitor import OpsMonitor\n", False),
    ],
)
def test_the_check_catches_a_planted_import(tmp_path: Path, where: str, source: str, flagged: bool) -> None:
    """The guard can fail: an import of another app, planted in a module, is reported."""
    (tmp_path / APPS_ROOT).mkdir(parents=True)
    planted = tmp_path / where
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(source)
    crossings = _crossings(tmp_path)
    assert [c.split(":")[0] for c in crossings] == ([where] if flagged else [])
