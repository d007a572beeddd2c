"""`spine token create|list`: API tokens for the gateway (only their hashes are stored)."""

from __future__ import annotations

from typing import Annotated

import typer

from services.adapters.auth import add_token, parse_scopes, read_tokens_file
from services.cli.app import DataDir, JsonOut, handle_errors, settings_for
from services.cli.output import out, print_json, table

__all__ = ["create_token_app"]


@handle_errors
def create(
    scope: Annotated[
        list[str], typer.Option("--scope", help="read, run or operate (repeatable; operate > run > read)")
    ],
    name: Annotated[str | None, typer.Option("--name", help="a name for logs and `spine token list`")] = None,
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Create a token: print it once, store its SHA-256 in the tokens file the gateway reads.

    The gateway picks the new token up without a restart. For SPINE_API_TOKENS instead, copy
    the `name:scopes:sha256` line printed with it.
    """
    import secrets

    settings = settings_for(data_dir)
    scopes = parse_scopes(scope)
    chosen = name or f"token-{secrets.token_hex(3)}"
    plaintext, token = add_token(settings.tokens_file, chosen, scopes)
    if as_json:
        print_json({"name": token.name, "scopes": sorted(s.label for s in scopes), "token": plaintext,
                    "spec": token.spec(), "tokens_file": str(settings.tokens_file)})  # fmt: skip
        return
    out.print(f"token {token.name!r} ({'+'.join(sorted(s.label for s in scopes))}), shown once:", highlight=False)
    print(plaintext)
    out.print(f"its hash is in {settings.tokens_file}; for SPINE_API_TOKENS: {token.spec()}", highlight=False)
    out.print("use it as `Authorization: Bearer <token>`, or SPINE_API_TOKEN=<token> for `spine` commands",
              highlight=False)  # fmt: skip


@handle_errors
def list_tokens(data_dir: DataDir = None, as_json: JsonOut = False) -> None:
    """The tokens of the tokens file: names and scopes (the file holds no token, only hashes)."""
    settings = settings_for(data_dir)
    tokens = read_tokens_file(settings.tokens_file)
    rows = [[t.name, "+".join(s.label for s in sorted(t.scopes))] for t in tokens]
    if as_json:
        print_json([{"name": name, "scopes": scopes.split("+")} for name, scopes in rows])
        return
    out.print(f"tokens file: {settings.tokens_file}", highlight=False)
    out.print(table("", ["name", "scopes"], rows))


def create_token_app() -> typer.Typer:
    app = typer.Typer(help="API tokens for the gateway (`spine dev` makes an operator token by itself).",
                      no_args_is_help=True)  # fmt: skip
    app.command("create")(create)
    app.command("list")(list_tokens)
    return app
