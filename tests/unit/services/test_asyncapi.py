"""The AsyncAPI document of the bus: valid AsyncAPI 3.0 (the ``asyncapi3`` object model of the
spec), every reference resolves, every event type, lane, progress and dead letters are in it,
and it is the same bytes every time."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from contracts.commands import RunPipeline
from contracts.events import EVENT_TYPES
from contracts.subjects import LANES, command_subject, event_subject, progress_subject
from services.adapters.bus.asyncapi import asyncapi_document, asyncapi_json, command_channel, event_channel

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # the model's field names shadow BaseModel's
    from asyncapi3 import AsyncAPI3


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def missing_event_messages(document: dict[str, Any]) -> list[str]:
    """Event types of contracts.events.EVENT_TYPES without their message, channel or operation."""
    missing = []
    for event_type, (stream, _) in EVENT_TYPES.items():
        channel = document["channels"].get(event_channel(event_type), {})
        if (
            event_type not in document["components"]["messages"]
            or channel.get("address") != event_subject(stream, event_type)
            or event_type not in channel.get("messages", {})
            or f"send{event_type}" not in document["operations"]
        ):
            missing.append(event_type)
    return missing


def test_the_document_is_valid_asyncapi_3() -> None:
    document = asyncapi_document()
    parsed = AsyncAPI3.model_validate(document)
    assert parsed.asyncapi == "3.0.0"


def test_every_reference_resolves() -> None:
    document = asyncapi_document()
    refs = _refs(document)
    assert len(refs) > 50
    for ref in refs:
        try:
            _resolve(document, ref)
        except (KeyError, TypeError):
            pytest.fail(f"{ref} does not resolve")


def test_every_event_type_is_a_message_on_its_subject() -> None:
    assert missing_event_messages(asyncapi_document()) == []


def test_a_missing_event_type_is_noticed() -> None:
    document = asyncapi_document()
    del document["components"]["messages"]["RowsCaptured"]
    del document["channels"][event_channel("RunFailed")]
    assert missing_event_messages(document) == ["RunFailed", "RowsCaptured"]


def test_commands_progress_and_dead_letters_are_described() -> None:
    document = asyncapi_document()
    for lane in LANES:
        channel = document["channels"][command_channel(lane)]
        address = channel["address"].replace("{execution_id}", "e")
        assert address == command_subject(lane, "e")
        assert document["operations"][f"runPipeline_{lane}"]["action"] == "receive"
    assert document["channels"]["progress"]["address"].replace("{execution_id}", "e") == progress_subject("e")
    assert document["channels"]["deadLetters"]["address"] == "spine.deadletters.{projection}"
    run = document["components"]["messages"]["RunPipeline"]
    assert "Nats-Msg-Id" in run["headers"]["properties"]
    assert document["components"]["schemas"]["RunPipeline"] == RunPipeline.model_json_schema(by_alias=True)


def test_the_servers_ask_for_a_user_and_password() -> None:
    document = asyncapi_document()
    schemes = document["components"]["securitySchemes"]
    assert {name: s["type"] for name, s in schemes.items()} == {"publisher": "userPassword", "spine": "userPassword"}
    assert "spine.commands.>" in schemes["publisher"]["description"]
    assert document["servers"]["nats"]["security"]


def test_the_document_is_deterministic() -> None:
    assert asyncapi_json() == asyncapi_json()
    assert asyncapi_json().endswith("}\n")
