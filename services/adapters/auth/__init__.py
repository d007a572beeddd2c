"""API tokens: scopes, hashing, the tokens file and the operator token of ``spine dev``.

Shared by the gateway (which verifies tokens) and the CLI (which creates them and sends one):
the CLI may not import apps, so this lives among the adapters.
"""

from services.adapters.auth.files import (
    OPERATOR_TOKEN_FILE,
    add_token,
    ensure_operator_token,
    read_operator_token,
    read_tokens_file,
)
from services.adapters.auth.tokens import (
    ApiToken,
    Scope,
    TokenSet,
    hash_token,
    new_token,
    parse_scopes,
    parse_token_specs,
)

__all__ = [
    "OPERATOR_TOKEN_FILE",
    "ApiToken",
    "Scope",
    "TokenSet",
    "add_token",
    "ensure_operator_token",
    "hash_token",
    "new_token",
    "parse_scopes",
    "parse_token_specs",
    "read_operator_token",
    "read_tokens_file",
]
