"""compose.yaml is a valid Compose file: for the Compose Specification's JSON schema (what Docker
Compose v2 validates against), for Debian's docker-compose 1.29.2 (whose schema has no top-level
``name``), and — where a docker-compose binary is installed — for that implementation itself.

Compose interpolates variables before it validates, so the file is validated with an environment
holding every variable it requires (``compose_interpolation``). The schemas are vendored in
``compose_schemas/`` (sources and versions in its README).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.unit.infra.compose_interpolation import MissingVariable, interpolate, required_variables

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = Path(__file__).resolve().parent / "compose_schemas"

#: What an operator exports before `docker compose up` (see the comment atop compose.yaml).
COMPOSE_ENV = {
    "SPINE_NATS_PASSWORD": "svc-Pw_8xq2",
    "SPINE_NATS_PUBLISHER_PASSWORD": "pub-Pw_9yr3",
    "SPINE_DB_PASSWORD": "db-Pw_7zs4",
    "SPINE_API_TOKENS": "ops:operate:" + "0" * 64,
}


def _text() -> str:
    return (ROOT / "compose.yaml").read_text()


def _interpolated(env: dict[str, str]) -> dict[str, Any]:
    return interpolate(yaml.safe_load(_text()), env)  # type: ignore[no-any-return]


#: Each schema with the JSON Schema draft its implementation validates with: compose-go (Docker
#: Compose v2) reads the specification's schema as draft-07; docker-compose 1.29 uses Draft4Validator.
VALIDATORS: dict[str, type[Any]] = {
    "compose-spec.json": jsonschema.Draft7Validator,
    "docker-compose-1.29.2.json": jsonschema.Draft4Validator,
}


def _errors(schema_file: str, document: dict[str, Any]) -> list[str]:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    validator = VALIDATORS[schema_file](schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def test_the_test_environment_has_every_variable_compose_yaml_requires() -> None:
    required = required_variables(_text())
    assert required == {"SPINE_NATS_PASSWORD", "SPINE_NATS_PUBLISHER_PASSWORD", "SPINE_API_TOKENS"}
    assert required <= COMPOSE_ENV.keys()
    for name in required:  # and Compose would refuse to start without any one of them
        with pytest.raises(MissingVariable, match=name):
            _interpolated({k: v for k, v in COMPOSE_ENV.items() if k != name})


@pytest.mark.parametrize(
    "schema_file",
    [
        pytest.param("compose-spec.json", id="compose-spec"),
        pytest.param("docker-compose-1.29.2.json", id="debian-docker-compose-1.29.2"),
    ],
)
def test_compose_yaml_validates_against_the_compose_schema(schema_file: str) -> None:
    errors = _errors(schema_file, _interpolated(COMPOSE_ENV))
    assert not errors, f"compose.yaml is not valid for {schema_file}:\n" + "\n".join(errors)


_BREAKS = {
    "healthcheck-test": (lambda doc: doc["services"]["gateway"].update(healthcheck={"test": 1}), "healthcheck/test"),
    "replicas": (lambda doc: doc["services"]["worker"].update(deploy={"replicas": [2]}), "deploy/replicas"),
}


@pytest.mark.parametrize(
    ("schema_file", "change", "expected"),
    [
        pytest.param(
            "docker-compose-1.29.2.json",
            lambda doc: doc.update(name="spine"),
            "'name' does not match any of the regexes",
            id="docker-compose-1.29.2.json-top-level-name",
        ),
        pytest.param(
            "compose-spec.json",
            lambda doc: doc.update(nmae="spine"),
            "'nmae' does not match any of the regexes",
            id="compose-spec.json-misspelt-key",
        ),
        *(
            pytest.param(schema, change, expected, id=f"{schema}-{name}")
            for schema in VALIDATORS
            for name, (change, expected) in _BREAKS.items()
        ),
    ],
)
def test_the_schema_check_catches_an_invalid_file(schema_file: str, change: Any, expected: str) -> None:
    document = _interpolated(COMPOSE_ENV)
    change(document)
    assert any(expected in error for error in _errors(schema_file, document))


def _implementations() -> list[list[str]]:
    """The Compose implementations installed here: a ``docker-compose`` binary (Debian's 1.29, or
    v2 standalone) and the ``docker compose`` plugin."""
    found = [[path] for path in [shutil.which("docker-compose")] if path]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode == 0:
        found.append([docker, "compose"])
    return found


@pytest.mark.skipif(
    not _implementations(),
    reason="no docker-compose nor `docker compose` here (Debian: apt-get install docker-compose; .ci/run installs it when it can)",
)
@pytest.mark.parametrize("command", _implementations() or [["none"]], ids=" ".join)
def test_docker_compose_accepts_compose_yaml(command: list[str]) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **COMPOSE_ENV}
    done = subprocess.run(
        [*command, "--project-directory", str(ROOT), "-f", str(ROOT / "compose.yaml"), "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"{' '.join(command)} refused compose.yaml:\n{done.stderr}"
    resolved = yaml.safe_load(done.stdout)["services"]
    assert resolved["migrate"]["environment"]["SPINE_STREAM_REPLICAS"] == "3"
    assert resolved["nats-1"]["environment"]["SPINE_NATS_PASSWORD"] == COMPOSE_ENV["SPINE_NATS_PASSWORD"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$SET and ${SET}", "x and x"),
        ("${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET-d}", "d d  x"),
        ("${SET:+r} ${EMPTY:+r}|${EMPTY+r} ${UNSET+r}|", "r |r |"),
        ("${SET:?needed} $$SET $${SET}", "x $SET ${SET}"),
    ],
)
def test_interpolation_follows_the_compose_specification(text: str, expected: str) -> None:
    assert interpolate({"k": [text]}, {"SET": "x", "EMPTY": ""}) == {"k": [expected]}
    with pytest.raises(MissingVariable, match="EMPTY: needed"):
        interpolate("${EMPTY:?needed}", {"EMPTY": ""})
    assert interpolate("${EMPTY?needed}", {"EMPTY": ""}) == ""
