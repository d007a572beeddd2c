"""Read-model content that must not depend on how a run got there: checksums of every row, with
identifiers, timestamps and positions (which differ from run to run) left out."""

from __future__ import annotations

import hashlib
import re

import asyncpg

SCHEMAS = ("manifest", "finra_otc", "quality", "reference", "process_manager")
VOLATILE = frozenset(
    {
        "capture_id", "execution_id", "batch_id", "idempotency_key", "stream_id", "fingerprint", "resumed", "inputs",
        "source", "next_issued", "stream_seq", "projected_at", "updated_at",
    }
)  # fmt: skip


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _volatile(column: str) -> bool:
    return column in VOLATILE or column.endswith("_at") or "position" in column


async def content_checksums(
    conn: asyncpg.Connection, keep_rows: dict[str, list[str]] | None = None
) -> dict[str, tuple[int, str]]:
    """Per table: (rows, checksum). ``keep_rows`` receives each table's normalised rows (to explain a difference)."""
    out: dict[str, tuple[int, str]] = {}
    for schema in SCHEMAS:
        tables = await conn.fetch(
            """SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'
               AND table_name <> 'projection_checkpoint' ORDER BY 1""",
            schema,
        )
        for record in tables:
            table = record["table_name"]
            columns = [
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                    schema,
                    table,
                )
                if not _volatile(r["column_name"])
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            rows = await conn.fetch(f'SELECT ({cols})::text AS r FROM "{schema}"."{table}" ORDER BY 1')
            # Ids inside values (the input captures named in a run's details) differ between runs too.
            texts = sorted(_UUID.sub("<id>", r["r"]) for r in rows)
            digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
            if keep_rows is not None:
                keep_rows[f"{schema}.{table}"] = texts
            out[f"{schema}.{table}"] = (len(rows), digest)
    return out
