"""Each table's columns as its DDL leaves them, read from the SQL text (no database): CREATE TABLE
(``IF NOT EXISTS`` and schema-qualified names too), then ALTER TABLE ... ADD/DROP COLUMN, in order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ddl_columns", "ddl_of_files", "insert_columns"]

_NAME = r"(?:\w+\.)?(\w+)"
_CREATE = re.compile(rf"CREATE TABLE\s+(?:IF NOT EXISTS\s+)?{_NAME}\s*\((.*?)\n\);", re.S | re.I)
_ALTER = re.compile(rf"ALTER TABLE\s+{_NAME}\s+(.*?);", re.S | re.I)
_ADD = re.compile(r"ADD COLUMN\s+\"?(\w+)\"?", re.I)
_DROP = re.compile(r"DROP COLUMN\s+\"?(\w+)\"?", re.I)
_INSERT = re.compile(r"INSERT INTO\s+(?:\{schema\}\.|\w+\.)?(\w+)\s*\(([^)]*)\)", re.I)
_CONSTRAINTS = ("PRIMARY", "UNIQUE", "CHECK", "CONSTRAINT", "FOREIGN")


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def ddl_columns(scripts: Iterable[str]) -> dict[str, list[str]]:
    """Table -> its columns after every script, in order."""
    tables: dict[str, list[str]] = {}
    for script in scripts:
        sql = _without_comments(script)
        for name, body in _CREATE.findall(sql):
            columns = []
            for line in body.splitlines():
                words = line.strip().rstrip(",").split()
                if words and words[0].upper() not in _CONSTRAINTS:
                    columns.append(words[0].strip('"'))
            tables[name] = columns
        for name, clauses in _ALTER.findall(sql):
            tables[name] = [c for c in tables[name] if c not in _DROP.findall(clauses)] + _ADD.findall(clauses)
    return tables


def ddl_of_files(sql_files: Iterable[Path]) -> dict[str, list[str]]:
    """:func:`ddl_columns` of SQL files, in the order given (migration order)."""
    return ddl_columns(path.read_text() for path in sql_files)


def insert_columns(statement: str) -> tuple[str, list[str]] | None:
    """The table and the column list of an ``INSERT INTO table (a, b, ...)`` statement."""
    match = _INSERT.search(statement)
    if match is None:
        return None
    return match.group(1), [c.strip().strip('"') for c in match.group(2).split(",")]
