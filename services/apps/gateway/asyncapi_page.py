"""The AsyncAPI document as one self-contained HTML page: servers, channels, messages and their
fields. No script, no external stylesheet, nothing fetched: everything is in the page."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

__all__ = ["render_asyncapi_page"]

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
h3{margin:1.4rem 0 .3rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{text-align:left;padding:.25rem .5rem;
border-bottom:1px solid #eaeef2;vertical-align:top}th{background:#f6f8fa}.muted{color:#59636e}
"""


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _type_of(document: dict[str, Any], schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "const" in schema:
        return f"= {schema['const']!r}"
    if "anyOf" in schema:
        return " | ".join(_type_of(document, option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(value) for value in schema["enum"])
    kind = str(schema.get("type", "any"))
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if kind == "array" and isinstance(schema.get("items"), dict):
        kind = f"array of {_type_of(document, schema['items'])}"
    return kind


def _fields(document: dict[str, Any], payload: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    """(name, type, required, description) of a payload, the typed data of an event included."""
    parts = [_resolve(document, p) for p in payload.get("allOf", [payload])]
    rows: dict[str, tuple[str, str, bool, str]] = {}
    for part in parts:
        required = set(part.get("required", ()))
        for name, schema in part.get("properties", {}).items():
            if name == "data" and "$ref" in schema:  # an event's data: show its fields
                data = _resolve(document, schema)
                rows.pop(name, None)
                for field, sub in data.get("properties", {}).items():
                    rows[f"data.{field}"] = (f"data.{field}", _type_of(document, sub),
                                             field in set(data.get("required", ())), sub.get("description", ""))  # fmt: skip
                continue
            previous = rows.get(name)
            rows[name] = (name, _type_of(document, schema), name in required or bool(previous and previous[2]),
                          schema.get("description", "") or (previous[3] if previous else ""))  # fmt: skip
    return list(rows.values())


def _table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _message(document: dict[str, Any], name: str, message: dict[str, Any]) -> str:
    parts = [f'<h3 id="message-{escape(name)}">{escape(message.get("title", name))}</h3>']
    for key in ("summary", "description"):
        if message.get(key):
            parts.append(f"<p>{escape(message[key])}</p>")
    headers = message.get("headers", {}).get("properties", {})
    if headers:
        rows = [(f"<code>{escape(h)}</code>", escape(s.get("description", ""))) for h, s in headers.items()]
        parts.append("<p class=muted>Headers</p>" + _table(("header", "meaning"), rows))
    fields = [
        (f"<code>{escape(n)}</code>", escape(t), "yes" if req else "", escape(d))
        for n, t, req, d in _fields(document, message.get("payload", {}))
    ]
    parts.append("<p class=muted>Payload</p>" + _table(("field", "type", "required", "description"), fields))
    return "".join(parts)


def render_asyncapi_page(document: dict[str, Any]) -> str:
    """``document`` (an AsyncAPI 3.0 document) as a readable page."""
    info = document["info"]
    servers = [
        (escape(name), f"<code>{escape(s['protocol'])}://{escape(s['host'])}</code>", escape(s.get("description", "")))
        for name, s in document.get("servers", {}).items()
    ]
    schemes = [
        (f"<code>{escape(name)}</code>", escape(s["type"]), escape(s.get("description", "")))
        for name, s in document["components"].get("securitySchemes", {}).items()
    ]
    channels = []
    for channel in document["channels"].values():
        names = [escape(_resolve(document, m).get("name", "")) for m in channel.get("messages", {}).values()]
        links = ", ".join(f'<a href="#message-{n}">{n}</a>' for n in names)
        channels.append((f"<code>{escape(channel['address'])}</code>", links, escape(channel.get("description", ""))))
    operations = [
        (f"<code>{escape(op_id)}</code>", escape(op["action"]),
         f"<code>{escape(_resolve(document, op['channel'])['address'])}</code>", escape(op.get("summary", "")))
        for op_id, op in document.get("operations", {}).items()
    ]  # fmt: skip
    messages = [_message(document, name, m) for name, m in document["components"]["messages"].items()]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(info['title'])} — AsyncAPI {escape(document['asyncapi'])}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(info['title'])}</h1>"
        f"<p class=muted>AsyncAPI {escape(document['asyncapi'])} · version {escape(info['version'])} · "
        'the document: <a href="asyncapi.json">asyncapi.json</a></p>'
        f"<p>{escape(info.get('description', ''))}</p>"
        "<h2>Servers</h2>" + _table(("server", "address", "description"), servers) + "<h2>Security</h2>"
        + _table(("user", "scheme", "may"), schemes) + "<h2>Channels</h2>"
        + _table(("subject", "messages", "description"), channels) + "<h2>Operations (Spine's side)</h2>"
        + _table(("operation", "action", "subject", "summary"), operations) + "<h2>Messages</h2>"
        + "".join(messages) + "</body></html>"
    )  # fmt: skip
