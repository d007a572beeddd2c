"""The shape of ``services/`` and of the whole tree: apps apart, adapters below them, no cycles,
one reader of the environment. Each rule is also shown to catch a planted violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.graph import (
    SERVICES_RULES,
    check_environ,
    check_services_file,
    find_cycles,
    our_modules,
)
from tests.architecture.layers import OURS, PROJECT_ROOT


def _services_files() -> list[Path]:
    return sorted((PROJECT_ROOT / "services").rglob("*.py"))


def test_services_modules_respect_their_place() -> None:
    known = our_modules()
    files = _services_files()
    assert len(files) >= 40, f"only {len(files)} files under services/: is the path right?"
    assert any(f.parts[-3:-1] == ("apps", "gateway") for f in files), "no app found under services/apps"
    violations = [v for f in files for v in check_services_file(f, known)]
    assert not violations, "services violations:\n" + "\n".join(map(str, violations))


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    cycles = find_cycles()
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_only_the_settings_module_reads_the_environment() -> None:
    files = [p for package in sorted(OURS | {"benchmarks"}) for p in sorted((PROJECT_ROOT / package).rglob("*.py"))]
    assert len(files) >= 150
    violations = [v for f in files for v in check_environ(f)]
    assert not violations, "environment read outside services/settings.py:\n" + "\n".join(map(str, violations))


def test_the_scan_sees_the_layout() -> None:
    modules = our_modules()
    for expected in ("services.bootstrap", "services.settings", "services.apps.worker", "services.adapters.bus"):
        assert any(m == expected or m.startswith(expected + ".") for m in modules), expected


# ----------------------------------------------------------------------------- the guards can fail


def _plant(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    for package in OURS:
        (root / package).mkdir(exist_ok=True)
    return our_modules(root)


@pytest.mark.parametrize(
    ("rel", "source", "expected"),
    [
        ("services/apps/worker/app.py", "from services.apps.gateway.app import create_app\n", "one another"),
        ("services/apps/ops/monitor.py", "def f():\n    from services.apps.relay import relay\n", "one another"),
        (
            "services/apps/gateway/state.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from services.apps.ops.monitor import OpsMonitor\n",
            "one another",
        ),
        ("services/adapters/bus/nats.py", "from services.apps.projector.runtime import ProjectorRunner\n", "adapters"),
        ("services/adapters/replay.py", "import services.bootstrap\n", "adapters"),
        ("services/cli/run.py", "from services.apps.gateway.routers import pipelines\n", "CLI"),
        ("services/settings.py", "from services.adapters.db import pool\n", "settings"),
    ],
)
def test_the_services_rules_catch_a_planted_import(tmp_path: Path, rel: str, source: str, expected: str) -> None:
    known = _plant(
        tmp_path,
        {
            rel: source,
            "services/apps/gateway/app.py": "",
            "services/apps/gateway/routers/pipelines.py": "",
            "services/apps/ops/monitor.py": "" if "ops/monitor" not in rel else source,
            "services/apps/relay/relay.py": "",
            "services/apps/projector/runtime.py": "",
            "services/adapters/db/pool.py": "",
            "services/bootstrap.py": "",
        },
    )
    violations = check_services_file(tmp_path / rel, known, SERVICES_RULES, root=tmp_path)
    assert violations, f"{source!r} in {rel} was not flagged"
    assert expected in str(violations[0])


def test_an_app_may_import_its_own_modules_and_adapters(tmp_path: Path) -> None:
    source = "from services.apps.gateway.deps import PoolDep\nfrom services.adapters.bus.nats import connect_nats\n"
    known = _plant(
        tmp_path,
        {
            "services/apps/gateway/routers/data.py": source,
            "services/apps/gateway/deps.py": "",
            "services/adapters/bus/nats.py": "",
        },
    )
    path = tmp_path / "services/apps/gateway/routers/data.py"
    assert not check_services_file(path, known, SERVICES_RULES, root=tmp_path)


def test_the_cycle_check_catches_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        {
            "services/cli/main.py": "from services.cli.demo import run_demo\n",
            "services/cli/demo.py": "def run_demo():\n    from services.cli.main import serve\n",
        },
    )
    assert find_cycles(tmp_path) == [["services.cli.demo", "services.cli.main"]]


def test_the_cycle_check_ignores_type_checking_imports(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        {
            "services/a.py": "from services.b import B\n",
            "services/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from services.a import A\n",
        },
    )
    assert find_cycles(tmp_path) == []


@pytest.mark.parametrize(
    "source",
    ["import os\nurl = os.environ['X']\n", "import os\nurl = os.getenv('X')\n", "from os import environ\n"],
)
def test_the_environment_check_catches_a_planted_read(tmp_path: Path, source: str) -> None:
    path = tmp_path / "services" / "apps" / "worker" / "app.py"
    path.parent.mkdir(parents=True)
    path.write_text(source)
    assert check_environ(path, root=tmp_path)
    settings = tmp_path / "services" / "settings.py"
    settings.write_text(source)
    assert not check_environ(settings, root=tmp_path)


#: A module longer than this holds several concepts, unless its docstring says why it is one piece.
MAX_MODULE_LINES = 300
ONE_PIECE_MARKER = "one piece"


def test_modules_are_small_or_say_why_not() -> None:
    import ast

    too_long = []
    for package in sorted(OURS | {"benchmarks"}):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            lines = path.read_text().count("\n")
            if lines <= MAX_MODULE_LINES:
                continue
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            if ONE_PIECE_MARKER not in doc.lower():
                too_long.append(f"{path.relative_to(PROJECT_ROOT)}: {lines} lines")
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines without a reason in their docstring:\n" + "\n".join(
        too_long
    )
