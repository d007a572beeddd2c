"""The dependency rule holds: pure packages import no infrastructure, and nothing imports upward."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.layers import PROJECT_ROOT, RULES, Rule, check_file, check_rule, package_files


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.package)
def test_package_respects_its_layer(rule: Rule) -> None:
    scanned, violations = check_rule(rule)
    # The original project's purity test scanned paths that did not exist and passed: refuse that.
    assert scanned >= 3, f"{rule.package}: only {scanned} files scanned; is the path right?"
    assert not violations, "layer violations:\n" + "\n".join(map(str, violations))


def test_the_scan_covers_the_modules_that_matter() -> None:
    names = {p.relative_to(PROJECT_ROOT).as_posix() for r in RULES for p in package_files(r.package)}
    for expected in (
        "spine_core/framework/coordinator.py",
        "spine_core/write/capture.py",
        "spine_domains/finra_otc/pipelines.py",
        "projections/captured_rows.py",
        "contracts/events.py",
    ):
        assert expected in names


@pytest.mark.parametrize(
    ("package", "source", "expected"),
    [
        ("spine_core", "import asyncio\n", "asyncio"),
        ("spine_core", "from pydantic import BaseModel\n", "pydantic"),
        ("spine_core", "import psycopg\n", "psycopg"),
        ("spine_core", "from eventsourcing.application import Application\n", "eventsourcing.application"),
        ("spine_core", "from services.settings import Settings\n", "services"),
        ("spine_domains", "import nats\n", "nats"),
        ("spine_domains", "from faststream import FastStream\n", "faststream"),
        ("spine_domains", "import fastapi\n", "fastapi"),
        ("spine_domains", "from pathlib import Path\n", "pathlib"),
        ("spine_domains", "data = open('x').read()\n", "open"),
        ("spine_domains", "from projections import PROJECTIONS\n", "projections"),
        ("projections", "import nats\n", "nats"),
        ("projections", "import asyncpg\n", "asyncpg"),
        ("contracts", "from spine_core.errors import SpineError\n", "spine_core"),
    ],
)
def test_the_checker_catches_a_forbidden_import(tmp_path: Path, package: str, source: str, expected: str) -> None:
    """The guard can fail: the same checker flags each forbidden import planted in a module."""
    rule = next(r for r in RULES if r.package == package)
    planted = tmp_path / package / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(source)
    violations = check_file(planted, rule, root=tmp_path)
    assert violations, f"{source!r} in {package} was not flagged"
    assert expected in str(violations[0])


def test_storage_modules_may_use_asyncpg() -> None:
    rule = next(r for r in RULES if r.package == "projections")
    assert not check_file(PROJECT_ROOT / "projections" / "storage.py", rule)


def test_type_checking_imports_name_types_but_ours_are_still_judged(tmp_path: Path) -> None:
    rule = next(r for r in RULES if r.package == "projections")
    planted = tmp_path / "projections" / "typed.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import asyncpg\n")
    assert not check_file(planted, rule, root=tmp_path)
    planted.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from services.settings import Settings\n"
    )
    assert check_file(planted, rule, root=tmp_path)
