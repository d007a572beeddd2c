"""infra/k8s: every manifest valid for the Kubernetes API's schemas (kubernetes-validate, strict:
an unknown field is an error), and the topology this project means — a 3-node NATS JetStream
cluster with the same users as infra/nats.conf, PostgreSQL, the migrate Job, one Deployment per
Spine service (singletons where there is no standby yet), secrets referenced, never inlined."""

from __future__ import annotations

import copy
import functools
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from projections.registry import PROJECTIONS
from services.bootstrap import SERVICES
from services.dev.embedded import _nats_server_binary
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "infra" / "k8s"
#: The oldest and the newest Kubernetes versions the manifests are checked against.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
SECRET_KEYS = {"nats-password", "nats-publisher-password", "postgres-password", "api-tokens"}
LEASED_DEPLOYMENTS = {"relay", "process-manager", *(f"projector-{name.replace('_', '-')}" for name in PROJECTIONS)}


def _manifests() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


@functools.cache
def _documents() -> list[dict[str, Any]]:  # read once: tests change deep copies only
    return [doc for path in _manifests() for doc in yaml.safe_load_all(path.read_text()) if doc]


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in _documents() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in _documents():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def _containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for where, spec in _pod_specs():
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield f"{where}/{container['name']}", container


def _spine_containers() -> Iterator[tuple[str, dict[str, Any]]]:
    return ((where, c) for where, c in _containers() if c["image"].startswith("spine"))


def _validation_error(doc: dict[str, Any], version: str) -> str | None:
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return str(exc).splitlines()[0]
    return None


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_the_kubernetes_api(version: str) -> None:
    documents = _documents()
    assert len(documents) >= 15
    errors = [
        f"{doc['kind']}/{doc['metadata']['name']}: {error}"
        for doc in documents
        if (error := _validation_error(doc, version))
    ]
    assert not errors, f"invalid for Kubernetes {version}:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(bogus=1), "'bogus' was unexpected"),
        (lambda d: d["spec"].update(replicas="two"), "'two' is not of type"),
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"), "'name' is a required property"),
    ],
    ids=["unknown-field", "wrong-type", "missing-field"],
)
def test_the_schema_check_catches_an_invalid_manifest(change: Any, expected: str) -> None:
    worker = copy.deepcopy(_one("Deployment", "worker"))
    change(worker)
    assert expected in (_validation_error(worker, KUBERNETES_VERSIONS[-1]) or "")


def test_the_kustomization_applies_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [path.name for path in _manifests()]
    assert kustomization["namespace"] == _one("Namespace", "spine")["metadata"]["name"]


def test_every_selector_matches_its_pods() -> None:
    templates = {}
    for doc in _documents():
        if doc["kind"] in ("Deployment", "StatefulSet"):
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), doc["metadata"]["name"]
            templates[doc["metadata"]["name"]] = labels
    for doc in _documents():
        selector = doc["spec"].get("selector") if doc["kind"] == "Service" else None
        selector = selector or (
            doc["spec"]["selector"]["matchLabels"] if doc["kind"] == "PodDisruptionBudget" else None
        )
        if selector:
            assert any(selector.items() <= labels.items() for labels in templates.values()), doc["metadata"]["name"]


def test_nats_is_a_three_node_jetstream_cluster_with_the_users_of_infra_nats_conf() -> None:
    nats = _one("StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 3 and nats["spec"]["podManagementPolicy"] == "Parallel"
    service = _one("Service", nats["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True
    config = _one("ConfigMap", "nats-config")["data"]
    routes = re.findall(r"nats://([\w.-]+):6222", config["nats.conf"])
    assert routes == [f"nats-{i}.{service['metadata']['name']}" for i in range(3)]
    assert "jetstream" in config["nats.conf"] and "include users.conf" in config["nats.conf"]
    users = "\n".join(
        line for line in (ROOT / "infra" / "nats.conf").read_text().splitlines() if not line.startswith("#")
    )
    assert config["users.conf"].strip() == users.strip(), "users.conf must be infra/nats.conf's users block"


def test_the_nats_configuration_loads_in_nats_server(tmp_path: Path) -> None:
    for name, text in _one("ConfigMap", "nats-config")["data"].items():
        (tmp_path / name).write_text(text)
    env = {
        **os.environ,
        "POD_NAME": "nats-0",
        "SPINE_NATS_PASSWORD": "a-Pw_1",
        "SPINE_NATS_PUBLISHER_PASSWORD": "b-Pw_2",
    }
    done = subprocess.run(
        [_nats_server_binary(), "-c", str(tmp_path / "nats.conf"), "-t"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr + done.stdout


def test_one_workload_per_spine_service_and_the_migrate_job() -> None:
    commands = {}
    for doc in _documents():
        if doc["kind"] in ("Deployment", "Job"):
            container = doc["spec"]["template"]["spec"]["containers"][0]
            commands[doc["metadata"]["name"]] = tuple(container["args"])
    assert commands.pop("migrate") == ("service", "migrate")
    # `group` runs several of these in one process: how `spine dev` runs them, not a deployment.
    assert {args[1] for args in commands.values()} == set(SERVICES) - {"group"}
    assert {args[2] for args in commands.values() if args[1] == "projector"} == set(PROJECTIONS)
    replicas = {name: _one("Deployment", name)["spec"]["replicas"] for name in commands}
    assert replicas["worker"] == 2 and replicas["gateway"] == 2
    for name in LEASED_DEPLOYMENTS:  # one active and one standby (a lease); a rollout adds the new pod first
        deployment = _one("Deployment", name)
        assert replicas[name] == 2, name
        assert deployment["spec"]["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        }, name
    assert set(commands) == LEASED_DEPLOYMENTS | {"worker", "gateway"}


def test_the_gateway_is_probed_on_health_and_readiness_behind_a_service() -> None:
    container = _one("Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    service = _one("Service", "gateway")
    assert [port["targetPort"] for port in service["spec"]["ports"]] == [p["name"] for p in container["ports"]]


def test_every_container_requests_cpu_and_memory() -> None:
    for where, container in _containers():
        requests = container.get("resources", {}).get("requests", {})
        assert {"cpu", "memory"} <= requests.keys(), where


def test_secrets_are_referenced_never_inlined() -> None:
    assert not [doc for doc in _documents() if doc["kind"] == "Secret"], "create the Secret out of band (README.md)"
    referenced = set()
    for where, container in _containers():
        for var in container.get("env", []):
            if "valueFrom" in var:
                ref = var["valueFrom"].get("secretKeyRef")
                if ref:
                    assert ref["name"] == "spine-secrets", where
                    referenced.add(ref["key"])
                continue
            value = str(var["value"])
            assert not re.search(r"PASSWORD|TOKEN|SECRET", var["name"]), f"{where}: {var['name']} inlined"
            assert not re.search(r"://[^/:@]+:(?!\$\()[^@]+@", value), f"{where}: {var['name']} carries a password"
    assert referenced == SECRET_KEYS
    readme = (K8S / "README.md").read_text()
    assert all(key in readme for key in SECRET_KEYS), "document every key of the Secret"


def test_spine_containers_are_configured_by_known_settings_with_r3_streams() -> None:
    known = {f"SPINE_{name.upper()}" for name in Settings.model_fields}
    config = _one("ConfigMap", "spine-config")["data"]
    assert set(config) <= known, set(config) - known
    assert config["SPINE_STREAM_REPLICAS"] == str(_one("StatefulSet", "nats")["spec"]["replicas"]) == "3"
    assert config["SPINE_NATS_URL"] == ",".join(f"nats://nats-{i}.nats:4222" for i in range(3))
    for where, container in _spine_containers():
        assert container["envFrom"] == [{"configMapRef": {"name": "spine-config"}}], where
        names = {var["name"] for var in container["env"]}
        assert {"SPINE_NATS_PASSWORD", "SPINE_DATABASE_URL"} <= names, where
        assert {name for name in names if name.startswith("SPINE_")} <= known, where
